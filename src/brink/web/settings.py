"""The limits and places of a ``brink serve`` server.

Every request that can cost memory or time is bounded here: the body's size, the samples
of a run and of a what-if, the seconds a run may take and how many run at once, and the
threads (each with its memory budget) that solve what-ifs.  A
scenario reaches the server only as text or as the name of a bundled scenario or of a
file directly inside :attr:`ServeSettings.scenario_dir`; no path from a request is ever
opened.  Bound to anything but the loopback interface, the server asks for a token.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LOOPBACK", "ServeSettings", "is_loopback"]

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    """Where the server listens, what it reads and writes, and its limits."""

    host: str = LOOPBACK
    port: int = 8765
    #: The run store (``None``: the default store, :func:`brink.store.default_store_path`).
    store: Path | None = None
    #: Scenario files (``*.yaml``, ``*.yml``, ``*.json`` directly inside) the library lists.
    scenario_dir: Path | None = None
    #: Required on every request (header ``X-Brink-Token`` or ``?token=``); set when not on loopback.
    token: str | None = None
    #: Largest request body, in bytes (a scenario is at most a few tens of KiB).
    max_body: int = 1 * 2**20
    #: Most samples of a run started from the app.
    max_samples: int = 200_000
    #: Most samples of a live what-if.
    max_whatif_samples: int = 100_000
    #: Most Sobol' base samples of a sensitivity analysis.
    max_base_samples: int = 1024
    #: Seconds a run, analysis or what-if may take before it is stopped.
    time_limit: float = 300.0
    #: Runs and analyses running at once (a further one is refused with 429).
    max_runs: int = 2
    #: What-if evaluations at once (a further one waits up to ``whatif_wait`` s, then 503).
    max_whatif: int = 4
    whatif_wait: float = 30.0
    #: Threads that solve what-if pieces, shared by all requests (their number bounds the memory).
    threads: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    #: Memory budget of one thread's evaluation, bytes (:data:`brink.model.MEMORY_BUDGET` is 512 MiB).
    memory: int = 256 * 2**20
    #: Scenarios, models and what-if draws kept in memory.
    cache_size: int = 8
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_host(cls, host: str, token: str | None = None, **kw: object) -> ServeSettings:
        """Settings for ``host``: a token (given or new) unless the host is the loopback."""
        if token is None and not is_loopback(host):
            token = secrets.token_urlsafe(18)
        return cls(host=host, token=token, **kw)  # type: ignore[arg-type]
