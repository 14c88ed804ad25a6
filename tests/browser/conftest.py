"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright, no browser
download, no network. They look at the session's one pipeline run (the `pipeline`
fixture of tests/conftest.py) and start one Dagster webserver."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # nothing in the background reaches for the network
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
REPO = Path(__file__).resolve().parents[2]


def _is_browser_test(item) -> bool:
    return Path(str(item.path)).resolve().is_relative_to(Path(__file__).resolve().parent)


def pytest_collection_modifyitems(config, items):
    """Marked `browser` (and `integration`), and run last."""
    mine = [item for item in items if _is_browser_test(item)]
    for item in mine:
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.integration)
    items[:] = [item for item in items if not _is_browser_test(item)] + mine


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: pip install -e '.[dev]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def offline_page(browser, tmp_path):
    """A page that may read file:// only: any other request is aborted and recorded,
    as are console errors and uncaught page errors."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    def route(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.blocked, page.errors = blocked, errors
    yield page
    context.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def dagster_ui(pipeline, tmp_path_factory):
    """`dagster-webserver` on a free localhost port, on the pipeline's instance and settings
    (no daemon: nothing is scheduled). Yields its base URL."""
    from tests.helpers import TEST_SECRET

    port = _free_port()
    settings = pipeline.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPACT_")}
    env.update(
        DAGSTER_HOME=str(pipeline.instance.root_directory),
        IMPACT_DATA_DIR=str(settings.data_dir),
        IMPACT_LANDING_DIR=str(settings.landing_dir),
        IMPACT_CONFIG_DIR=str(settings.config_dir),
        IMPACT_PERSON_KEY_SECRET=TEST_SECRET,
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    log = tmp_path_factory.mktemp("webserver") / "webserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
             "-w", str(REPO / "workspace.yaml")],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                raise AssertionError(f"dagster-webserver exited: {log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"dagster-webserver did not answer in 240 s: {log.read_text()[-3000:]}")
            time.sleep(1)
        yield base
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
