"""The dashboard in a real browser: `zonesim dashboard` serves it, headless Chromium (Debian's
chromium, driven by Playwright) opens it, presses Step and sees the plots redrawn."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from zonesim.views.assets import ensure_assets

CHROMIUM = shutil.which("chromium")
START_TIMEOUT = 45  # s, for the server to answer (it imports Mesa, Solara and the model)
PAGE_TIMEOUT = 30_000  # ms, for the page to load and for each change to show
# Chromium as root in a container, on a machine whose network is closed
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or never
    does within START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard exited ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"the dashboard did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture
def dashboard(tmp_path) -> Iterator[str]:
    """The URL of `zonesim dashboard` running in a subprocess (its own process group, all
    ended afterwards), in an empty working folder."""
    ensure_assets()  # Solara's browser code, from the npm registry where its CDN is unreachable
    port = free_port()
    log = tmp_path / "dashboard.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "zonesim.cli", "dashboard", "--port", str(port)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://localhost:{port}/"
        wait_until_serving(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def figure_sources(page: Page) -> list[str]:
    """The src of every figure on the page (each redraw gives a new blob URL)."""
    return page.locator("img").evaluate_all("images => images.map(i => i.src)")


def test_step_in_the_browser_redraws_the_plots(dashboard):
    assert CHROMIUM, "needs Debian's chromium: apt-get install chromium (.ci/run does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(PAGE_TIMEOUT)
            page.goto(dashboard)
            expect(page.get_by_text("Month 0 of 120")).to_be_visible(timeout=PAGE_TIMEOUT)
            expect(page.locator("img[src^='blob:']")).to_have_count(3, timeout=PAGE_TIMEOUT)
            before = figure_sources(page)

            page.get_by_role("button", name="Step").click()

            expect(page.get_by_text("Month 1 of 120")).to_be_visible(timeout=PAGE_TIMEOUT)
            page.wait_for_function(
                "before => { const now = [...document.images].map(i => i.src);"
                " return now.length === before.length && now.every((s, i) => s !== before[i]); }",
                arg=before,
            )
        finally:
            browser.close()
