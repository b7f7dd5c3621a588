"""A ``brink serve`` app on a free loopback port and a headless chromium that may reach only it.

Shared by ``tests/test_web_browser.py`` and ``benchmarks/bench_whatif_browser.py``: the
server runs in a background thread (uvicorn on a socket bound to ``127.0.0.1:0``, so the
port is free by construction), and the browser context routes every request through
:class:`Offsite`, which lets only ``http://127.0.0.1:PORT`` through and aborts and
records anything else, so a page that tried to reach the internet is caught even where
the machine could reach it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

#: Debian's chromium (CI installs it with apt; ``playwright install`` is never run).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Flags that keep chromium from phoning home (updates, sync, QUIC probes) or needing a GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (``None`` when chromium and playwright are there)."""
    if CHROMIUM is None:
        return "Debian's chromium is not installed (CI installs it with apt)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (python) is not installed"
    return None


@contextmanager
def serving(store: Path, scenario_dir: Path, timeout: float = 30.0) -> Iterator[str]:
    """``brink serve``'s app on a free ``127.0.0.1`` port in a thread; yields its base URL.

    The app is :func:`brink.web.app.create_app` with a private run store and scenario
    folder; the server is asked to exit (``should_exit``) and joined on leaving.
    """
    import uvicorn

    from brink.web.app import create_app
    from brink.web.settings import ServeSettings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(ServeSettings(port=port, store=store, scenario_dir=scenario_dir))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"the brink serve app did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


@contextmanager
def serving_process(store: Path, scenario_dir: Path, timeout: float = 60.0, **settings: object) -> Iterator[tuple[str, int]]:
    """``brink serve``'s app in a process of its own (uvicorn on ``127.0.0.1``, a free port);
    yields its base URL and process id, so a test can measure the server's memory alone.

    ``settings`` are :class:`brink.web.settings.ServeSettings` fields (Python literals).
    """
    import subprocess
    import sys
    import urllib.request

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extra = "".join(f", {k}={v!r}" for k, v in settings.items())
    code = (
        "import pathlib, uvicorn; from brink.web.app import create_app; from brink.web.settings import ServeSettings; "
        f"uvicorn.run(create_app(ServeSettings(port={port}, store=pathlib.Path({str(store)!r}), "
        f"scenario_dir=pathlib.Path({str(scenario_dir)!r}){extra})), host='127.0.0.1', port={port}, "
        "log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/api/health", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the brink serve process did not start on {url}") from None
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Offsite:
    """A route handler for ``**/*``: the server's origin passes, anything else is aborted and kept."""

    origin: str
    blocked: list[str] = field(default_factory=list)

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@dataclass
class Browser:
    """One chromium page on the server, the requests it was refused and its uncaught errors."""

    page: Page
    offsite: Offsite
    errors: list[str]


@contextmanager
def browsing(base_url: str, width: int = 1400, height: int = 1000) -> Iterator[Browser]:
    """Headless chromium with one context whose every request goes through :class:`Offsite`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            offsite = Offsite(base_url)
            context.route("**/*", offsite)
            page = context.new_page()
            page.set_default_timeout(60_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield Browser(page, offsite, errors)
            context.close()
        finally:
            browser.close()


def whatif_bars(page: Page) -> list[float]:
    """The what-if bars (trace 1, blue) as the plotly div holds them."""
    values: list[float] = page.evaluate(
        "() => Array.from(document.getElementById('whatif-chart').data[1].x)"
    )
    return values


def move_slider(page: Page, name: str, end: str, value: float) -> int:
    """Set an uncertainty's ``low``/``high`` slider to ``value`` and fire ``input``, as a drag
    does; returns how many what-if timings the page had recorded before the move."""
    before: int = page.evaluate("() => window.brink.whatifTimings.length")
    page.evaluate(
        """([name, end, value]) => {
            const el = document.querySelector(`input[type=range][data-name="${name}"][data-end="${end}"]`);
            el.value = String(value);
            el.dispatchEvent(new Event('input', { bubbles: true }));
        }""",
        [name, end, value],
    )
    return before


def wait_redrawn(page: Page, before: int, timeout_ms: float = 120_000) -> dict[str, float]:
    """Wait until the page records a what-if timing after ``before``; returns that timing."""
    page.wait_for_function(
        f"() => window.brink.whatifTimings.length > {before}", timeout=timeout_ms
    )
    timing: dict[str, float] = page.evaluate(f"() => window.brink.whatifTimings[{before}]")
    return timing


def png_spread(path: Path) -> float:
    """The standard deviation of a PNG's pixel values (0 for a blank, one-colour image)."""
    from matplotlib import image

    return float(np.asarray(image.imread(str(path)), dtype=np.float64).std())
