"""Helpers shared by the browser tests (a plain module: test files import it by name)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def watch_page(page, allowed_prefixes):
    """Record JavaScript errors and block (and record) every request off the allowed hosts."""
    problems = {"errors": [], "external": []}
    page.on("pageerror", lambda exc: problems["errors"].append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and problems["errors"].append(msg.text))

    def route(request_route):
        url = request_route.request.url
        if url.startswith(tuple(allowed_prefixes)):
            request_route.continue_()
        else:
            problems["external"].append(url)
            request_route.abort()

    page.route("**/*", route)
    return problems


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url, process, timeout=120):
    """Poll the server's status API until it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer at {url} within {timeout}s")


LAB_TOKEN = "course-browser-test"


@contextmanager
def jupyter_lab(root_dir, home, log_path):
    """A JupyterLab server on 127.0.0.1 over root_dir, with fresh user state; yields its URL."""
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(home / "config"),  # no developer's ~/.jupyter
               JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),  # as on a new Binder
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    port = free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--allow-root",
               f"--IdentityProvider.token={LAB_TOKEN}", f"--ServerApp.root_dir={root_dir}"]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_server(f"{base}/api/status?token={LAB_TOKEN}", process)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# ---------------------------------------------------------------- projector readability
# An instructor's laptop at a projector; the numbers are measured at this size.
VIEWPORT = {"width": 1280, "height": 800}
MIN_TEXT_PX, MIN_CODE_PX = 24, 20

MEASURE_SLIDE = """selector => {
    const slide = document.querySelector(selector);
    const box = slide.getBoundingClientRect();
    const scale = box.width / slide.offsetWidth;  // reveal.js scales decks to the window
    // MathJax's assistive MathML is clipped to nothing on purpose (for screen readers).
    const shown = e => { const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && !e.closest('aside.notes, .MJX_Assistive_MathML')
            && getComputedStyle(e).visibility !== 'hidden'; };
    const sizes = (css, where = () => true) => Array.from(slide.querySelectorAll(css))
        .filter(e => shown(e) && e.textContent.trim() && where(e))
        .map(e => parseFloat(getComputedStyle(e).fontSize));
    // Body text; references (block quotes) are set smaller on purpose and reported apart.
    const prose = ['p', 'li', 'td', 'th'].map(t => '.jp-RenderedHTMLCommon ' + t).join();
    const text = sizes(prose, e => !e.closest('blockquote'));
    const references = sizes('.jp-RenderedHTMLCommon blockquote');
    const code = sizes('.cm-content, div.highlight > pre');
    const output = sizes('.jp-OutputArea-output pre');
    const headings = Array.from(slide.querySelectorAll('h1, h2, h3')).filter(shown)
        .map(e => getComputedStyle(e).textTransform);
    let widest = 0, widestTag = '';
    const scrolling = [];
    for (const e of slide.querySelectorAll('*')) {
        if (!shown(e)) continue;
        const right = e.getBoundingClientRect().right - box.left;
        if (right > widest) { widest = right; widestTag = e.tagName + '.' + e.className; }
        const overflow = getComputedStyle(e).overflowX;
        if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && overflow !== 'visible')
            scrolling.push(e.tagName + '.' + e.className);
    }
    const lowest = Math.max(0, ...Array.from(slide.querySelectorAll('*')).filter(shown)
        .map(e => e.getBoundingClientRect().bottom));
    // RISE lets a slide taller than the screen scroll (its "scroll" setting): still reachable.
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(slide).overflowY);
    return {text, references, code, output, headings, lowest, scrolls, screenHeight: innerHeight,
            scale, widest, widestTag, scrolling, slideWidth: box.width, bottom: box.bottom};
}"""


def wait_until_idle(page, base, timeout_s=300):
    """Wait until the lab's kernels have finished what they were sent. (A cell with hidden
    input has no prompt that shows its execution count, so ask the server for the state.)"""
    deadline, idle = time.monotonic() + timeout_s, 0
    page.wait_for_timeout(1000)
    while idle < 2:
        if time.monotonic() > deadline:
            pytest.fail(f"the kernel was still busy after {timeout_s}s")
        kernels = page.request.get(f"{base}/api/kernels?token={LAB_TOKEN}").json()
        idle = idle + 1 if all(k["execution_state"] == "idle" for k in kernels) else 0
        page.wait_for_timeout(500)


def measure_slide(page, selector, where):
    """Font sizes (CSS px), heading case and widths on the slide the audience sees now."""
    return {"where": where, **page.evaluate(MEASURE_SLIDE, selector)}


def summarise(measures):
    """The smallest sizes and the widest element over all the slides measured."""
    def smallest(key):
        values = [v for m in measures for v in m[key]]
        return min(values) if values else None

    scale = min(m["scale"] for m in measures)
    widest = max(measures, key=lambda m: m["widest"] / m["slideWidth"])
    return {"min_text_px": smallest("text"), "min_reference_px": smallest("references"),
            "min_code_px": smallest("code"),
            "min_output_px": smallest("output"), "scale": round(scale, 3),
            "widest_px": round(widest["widest"], 1), "slide_width_px": round(widest["slideWidth"], 1),
            "widest_element": widest["widestTag"][:80], "widest_where": widest["where"],
            "scrolling": [(m["where"], m["scrolling"]) for m in measures if m["scrolling"]],
            "below_screen": [(m["where"], m["lowest"]) for m in measures
                             if m["lowest"] > m["screenHeight"] + 1 and not m["scrolls"]],
            "scrolling_down": [m["where"] for m in measures if m["scrolls"]],
            "headings_transformed": sorted({t for m in measures for t in m["headings"]} - {"none"})}


def record_measures(artifacts, name, reached, total, summary):
    """Keep the numbers next to the screenshots, for the person reading the test run."""
    import json

    with open(artifacts / "readability.jsonl", "a") as out:
        out.write(json.dumps({"name": name, "reached": reached, "total": total, **summary}) + "\n")


def check_readable(summary):
    """Projector readability: text and code large enough, nothing cut off at the right."""
    assert summary["min_text_px"] >= MIN_TEXT_PX, summary
    if summary["min_code_px"] is not None:
        assert summary["min_code_px"] >= MIN_CODE_PX, summary
    assert summary["widest_px"] <= summary["slide_width_px"] + 1, summary
    assert not summary["scrolling"], f"slides scroll sideways: {summary['scrolling']}"
    assert not summary["headings_transformed"], summary
    assert not summary["below_screen"], f"content below the screen: {summary['below_screen']}"
