"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, local servers.

These tests need built slides and student notebooks, so they run only from
`make browser-test` (which sets COURSE_BROWSER_TESTS=1), not from `make unit`.
"""

import functools
import http.server
import importlib.util
import os
import threading
from pathlib import Path

import pytest

from browser_support import ROOT

ARTIFACTS = Path(os.environ.get("COURSE_TEST_ARTIFACTS", ROOT / "test-artifacts" / "browser"))
# `make preflight` launches Chromium with the same path and flags, so it fails when these would.
_spec = importlib.util.spec_from_file_location("check_browser",
                                               ROOT / "scripts" / "check_browser.py")
check_browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_browser)

if not os.environ.get("COURSE_BROWSER_TESTS"):
    collect_ignore_glob = ["test_*.py"]


def chromium_path():
    """The system Chromium (Playwright's own browser download does not work offline)."""
    path = check_browser.chromium_path()
    if not path:
        pytest.fail("Chromium is not installed: `make browser-test` installs Debian's chromium.")
    return path


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=check_browser.CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts():
    """Folder for screenshots and measured sizes (git-ignored, kept for a person to read)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "readability.jsonl").unlink(missing_ok=True)  # this run's numbers only
    return ARTIFACTS


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def static_server():
    """Serve a folder on 127.0.0.1 at a free port; returns a function folder -> base URL."""
    servers = []

    def serve(folder):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
