"""Preflight: can the pinned Playwright drive this machine's Chromium? (`make preflight`)

Launches Chromium headless as the browser tests do (tests/browser/conftest.py takes
CHROMIUM_ARGS and chromium_path() from here) and opens about:blank. A Debian chromium update
can break the pinned Playwright with no change in the course; this finds out in seconds,
before the notebooks run, not after them. CHROMIUM=/path picks another browser
(CHROMIUM=/bin/false shows the failure message). Exit status 1 on failure.
"""

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import playwright
from playwright.sync_api import Error, sync_playwright

# Flags from the machine notes: without the background-networking ones Chromium keeps
# trying to reach Google's services, which this network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LAUNCH_TIMEOUT_MS = 60_000


def chromium_path():
    """The system Chromium (Playwright's own browser download cannot work offline), or None."""
    return (os.environ.get("CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


def chromium_version(path):
    """What ``path --version`` prints, or why it printed nothing."""
    try:
        run = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    lines = run.stdout.strip().splitlines()
    if not lines:
        return f"unknown (`{path} --version` printed nothing, exit {run.returncode})"
    return lines[0]


def playwright_versions():
    """The installed Playwright and the Chromium its release was built and tested with."""
    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    built_for = "an unknown Chromium"
    if browsers.is_file():
        for browser in json.loads(browsers.read_text())["browsers"]:
            if browser["name"] == "chromium":
                built_for = f"Chromium {browser['browserVersion']}"
    return f"{metadata.version('playwright')} (built for {built_for})"


def launch_error(path):
    """None if Playwright launches ``path`` headless and opens about:blank, else the error."""
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS,
                                        timeout=LAUNCH_TIMEOUT_MS)
            browser.new_page().goto("about:blank")
            browser.close()
    except Error as exc:
        # The message and the browser's own log name the cause; the command line does not.
        lines = [line[:300] for line in str(exc).splitlines()
                 if line.strip() and "<launching>" not in line]
        return "\n              ".join(lines[:12])
    return None


def main():
    named, versions = chromium_path(), playwright_versions()
    path = named and shutil.which(named)
    if not path:
        where = f"no executable at CHROMIUM={named}" if named else "no chromium on PATH"
        print(f"preflight FAILED: {where}, so every browser test would fail; "
              f"Playwright {versions}.\n"
              f"  Fix: `make chromium` installs Debian's chromium; CHROMIUM, if set, must name "
              f"a Chromium executable.", file=sys.stderr)
        return 1
    chromium = chromium_version(path)
    error = launch_error(path)
    if error:
        print(f"preflight FAILED: Playwright could not launch Chromium headless and open "
              f"about:blank, so every browser test would fail.\n"
              f"  Chromium:   {path}: {chromium}\n"
              f"  Playwright: {versions}, the python package in .venv\n"
              f"  Error:      {error}\n"
              f"  Fix: pin a Playwright release built for this Chromium's major version in "
              f"requirements-dev.txt (each release's notes name its Chromium) and run "
              f"`make setup`, or upgrade Chromium to match Playwright "
              f"(`sudo apt-get update && sudo apt-get install --only-upgrade chromium`).",
              file=sys.stderr)
        return 1
    print(f"preflight: Playwright {versions} launched {chromium} ({path}) headless "
          f"and opened about:blank")
    return 0


if __name__ == "__main__":
    sys.exit(main())
