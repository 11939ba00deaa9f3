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
