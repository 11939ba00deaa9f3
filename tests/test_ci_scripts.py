"""The CI's own scripts: the browser preflight's failure message and the phase summary."""

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from benchmarks.kernel_memory import tree_rss_mb

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def run_script(name, *args, **env):
    return subprocess.run([sys.executable, SCRIPTS / name, *map(str, args)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})


def test_preflight_names_what_failed_the_versions_and_the_fix():
    # /bin/false starts and exits at once, as a Chromium that Playwright cannot drive would
    run = run_script("check_browser.py", CHROMIUM="/bin/false")
    assert run.returncode == 1
    message = run.stderr
    assert "preflight FAILED: Playwright could not launch Chromium" in message
    assert "/bin/false" in message and "BrowserType.launch" in message
    assert f"Playwright: {metadata.version('playwright')} (built for Chromium " in message
    assert "Fix: pin a Playwright release" in message and "upgrade Chromium" in message


def test_preflight_names_a_missing_chromium():
    run = run_script("check_browser.py", CHROMIUM="/nonexistent/chromium")
    assert run.returncode == 1
    assert "no executable at CHROMIUM=/nonexistent/chromium" in run.stderr
    assert "make chromium" in run.stderr


@pytest.fixture
def fake_make(tmp_path):
    """A `make` whose target `bad` fails with status 3 and every other target succeeds."""
    script = tmp_path / "make"
    script.write_text('#!/bin/sh\necho "made $1"\n[ "$1" != bad ] || exit 3\n')
    script.chmod(0o755)
    return script


def test_phases_stop_after_a_failure_and_still_print_the_summary(fake_make, tmp_path):
    summary = tmp_path / "phases.txt"
    run = run_script("phases.py", "--make", fake_make, "--summary", summary, "one", "bad", "three")
    assert run.returncode == 3
    assert "made one" in run.stdout and "made bad" in run.stdout
    assert "made three" not in run.stdout
    lines = summary.read_text().splitlines()
    assert lines[0].split() == ["phase", "wall", "time", "status"]
    assert lines[1].split() == ["one", "0:00:00", "ok"]
    assert lines[2].split() == ["bad", "0:00:00", "FAILED", "(exit", "3)"]
    assert lines[3].split() == ["three", "-", "not", "run"]
    assert lines[4].split() == ["total", "0:00:00"]
    assert run.stdout.rstrip().endswith(summary.read_text().rstrip())


def test_phases_succeed_when_every_phase_does(fake_make):
    run = run_script("phases.py", "--make", fake_make, "one", "two")
    assert run.returncode == 0
    assert run.stdout.splitlines()[-3].split() == ["one", "0:00:00", "ok"]


def test_kernel_memory_counts_a_childs_private_memory():
    """The memory gate's probe: resident and private MB of a process tree (benchmarks/)."""
    # a child that holds 200 MB of written (so resident, private) memory until told to stop
    child = subprocess.Popen([sys.executable, "-c", "import sys; b = bytearray(200 * 2**20); "
                              "b[::4096] = b'x' * len(b[::4096]); print('ok', flush=True); "
                              "sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ok"
        tree, alone, private = tree_rss_mb(os.getpid())
        _, _, own_private = tree_rss_mb(child.pid)
    finally:
        child.communicate("", timeout=30)
    assert own_private > 195
    assert tree > alone and private > own_private and private < tree
    assert tree_rss_mb(child.pid) == (0.0, 0.0, 0.0)  # a process that is gone
