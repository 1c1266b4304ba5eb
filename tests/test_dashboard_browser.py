"""The dashboard in a real browser: `zonesim dashboard` serves it, headless Chromium (Debian's
chromium, driven by Playwright) opens it: the title, the sliders' values, the plots at month 0,
a measure changed and applied with Reset, Step redrawing the plots. And the reason the
headline plots are not in SolaraViz's `components=` grid: that grid stays empty."""

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
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from zonesim.views.app import TITLE
from zonesim.views.assets import ensure_assets
from zonesim.views.live import HEADLINE_PLOTS

CHROMIUM = shutil.which("chromium")
GRID_APP = Path(__file__).parent / "data" / "solaraviz_grid_app.py"
FIGURES = len(HEADLINE_PLOTS) + 3  # Mesa's headline plots and the three plots per zone/measure
GRID_WAIT = 20_000  # ms given to SolaraViz's grid to show its plot
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


@contextmanager
def serving(command: list[str], folder: Path) -> Iterator[str]:
    """The URL of ``command`` (a Solara server taking ``--port``) running in a subprocess in
    ``folder`` (its own process group, all ended afterwards)."""
    ensure_assets()  # Solara's browser code, from the npm registry where its CDN is unreachable
    port = free_port()
    log = folder / "server.log"
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **os.environ}
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=folder,
            env=env,
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


@pytest.fixture
def dashboard(tmp_path) -> Iterator[str]:
    """The URL of `zonesim dashboard`, run in an empty working folder."""
    with serving([sys.executable, "-m", "zonesim.cli", "dashboard"], tmp_path) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert CHROMIUM, "needs Debian's chromium: apt-get install chromium (.ci/run does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.set_default_timeout(PAGE_TIMEOUT)
    page.goto(url)
    return page


def figure_sources(page: Page) -> list[str]:
    """The src of every figure on the page (each redraw gives a new blob URL)."""
    return page.locator("img").evaluate_all("images => images.map(i => i.src)")


def test_the_dashboard_in_the_browser(dashboard, browser):
    page = open_page(browser, dashboard)
    expect(page.get_by_text("Month 0 of 120")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page).to_have_title(TITLE)
    # every figure is drawn at month 0, and every slider shows its value
    expect(page.locator("img[src^='blob:']")).to_have_count(FIGURES, timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("FAR cap jinqiao: 2.90 ratio")).to_be_visible()
    expect(page.get_by_text("cash pool threshold: 10,000 RMB m/yr")).to_be_visible()
    expect(page.get_by_text("promotion intensity: 1.00 × plan")).to_be_visible()

    # the cash pool (the measure shown first) in Songjiang too, then promoted one stop harder
    page.get_by_role("checkbox", name="songjiang").check()
    expect(
        page.get_by_text("Changed from the plan: 6 in songjiang, jinqiao, jiading")
    ).to_be_visible()
    page.get_by_role("slider").last.press("ArrowRight")
    expect(page.get_by_text("promotion intensity: 1.01 × plan")).to_be_visible()
    page.get_by_role("button", name="Reset").click()
    expect(
        page.get_by_text(
            "Measures: 6 in songjiang, jinqiao, jiading from month 4 (2025-01), "
            "intensity 1.01, the rest as planned."
        )
    ).to_be_visible()
    expect(page.locator("img[src^='blob:']")).to_have_count(FIGURES, timeout=PAGE_TIMEOUT)
    before = figure_sources(page)

    page.get_by_role("button", name="Step").click()

    expect(page.get_by_text("Month 1 of 120")).to_be_visible(timeout=PAGE_TIMEOUT)
    page.wait_for_function(
        "before => { const now = [...document.images].map(i => i.src);"
        " return now.length === before.length && now.every((s, i) => s !== before[i]); }",
        arg=before,
    )


def test_solaraviz_component_grid_stays_empty(tmp_path, browser):
    """Why the headline plots are drawn beside Mesa's controls rather than passed to SolaraViz
    as `components=`: under ipyvuetify 3 (Solara 1.64) SolaraViz's draggable grid loads the Vue 2
    build of vue-grid-layout, which throws in Chromium, and the grid never shows its plot. If
    this test fails, the grid works: views/live.py HeadlinePlots could go into SolaraViz."""
    command = [sys.executable, "-m", "solara", "run", str(GRID_APP), "--no-open"]
    with serving(command, tmp_path) as url:
        page = open_page(browser, url)
        expect(page.get_by_role("button", name="Step")).to_be_visible(timeout=PAGE_TIMEOUT)
        expect(page.get_by_role("tab", name="Page 0")).to_be_visible()
        with pytest.raises(AssertionError):  # Playwright's expect fails: no plot in time
            expect(page.locator("img")).to_have_count(1, timeout=GRID_WAIT)
        assert page.locator(".vue-grid-item").count() == 0
