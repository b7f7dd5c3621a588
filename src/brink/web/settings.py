"""The limits and places of a ``brink serve`` server.

Every request that can cost memory or time is bounded here: the body's size, the samples
of a run and of a what-if, the seconds a run may take and how many run at once, and the
threads (each with its memory budget) that solve what-ifs.  A
scenario reaches the server only as text or as the name of a bundled scenario or of a
file directly inside :attr:`ServeSettings.scenario_dir`; no path from a request is ever
opened.  Bound to anything but the loopback interface, the server asks for a token.

Every request must also name, in its ``Host`` header, the address the server is bound to
(``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT``, the bound host) or a name the user
allowed (:attr:`ServeSettings.allow_host`): a page that rebinds its own name to 127.0.0.1
(DNS rebinding; Jackson et al. 2009, "Protecting browsers from DNS rebinding attacks") still
sends that name, and is refused.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LOOPBACK", "LOOPBACK_NAMES", "ServeSettings", "is_loopback"]

LOOPBACK = "127.0.0.1"
#: Names of this machine a ``Host`` header may carry (with the server's port).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


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
    #: Game-tree builds (``/api/tree``, ``/api/tree.efg``) at once (a further one waits up to
    #: ``whatif_wait`` s, then 503): with ``tree_memory`` they bound the trees' memory.
    max_trees: int = 2
    #: Estimated memory of one tree request (the game of its 200 samples and their solution,
    #: :meth:`brink.model.CrisisModel.footprint`), bytes; a larger game is refused with 422.
    tree_memory: int = 1 * 2**30
    #: Most nodes of a tree's game, checked before even one sample is built where the
    #: template can count them (:meth:`EscalationTemplate.node_estimate
    #: <brink.templates.escalation.template.EscalationTemplate.node_estimate>`).
    max_tree_nodes: int = 50_000
    #: ``Host`` names the server answers besides the loopback names and the bound host
    #: (``name`` with any port, or ``name:port``).
    allow_host: tuple[str, ...] = ()
    #: Scenarios, models and what-if draws kept in memory.
    cache_size: int = 8
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("time_limit", "whatif_wait"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number of seconds above 0, not {value!r}")
        for name in ("max_body", "max_samples", "max_whatif_samples", "max_base_samples", "max_runs",
                     "max_whatif", "threads", "memory", "cache_size", "max_trees", "tree_memory",
                     "max_tree_nodes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number above 0, not {value!r}")

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request's ``Host`` header names this server (see the module doc).

        A loopback name or the bound host must carry the server's port (any port when it
        was 0: the system chose it); a name of :attr:`allow_host` matches with any port, a
        ``name:port`` of it only with that port.  Names compare without case.
        """
        if not header:
            return False
        header = header.strip().lower()
        if header.startswith("["):
            name, _, rest = header[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        else:
            name, _, port = header.partition(":")
        if not name or (port and not port.isdigit()):
            return False
        allowed = {h.lower() for h in self.allow_host}
        if name in allowed or (port and f"{name}:{port}" in allowed):
            return True
        own = {*LOOPBACK_NAMES, self.host.lower().strip("[]")} - {"0.0.0.0", "::"}
        return name in own and (self.port == 0 or int(port or 80) == self.port)

    @classmethod
    def for_host(cls, host: str, token: str | None = None, **kw: object) -> ServeSettings:
        """Settings for ``host``: a token (given or new) unless the host is the loopback."""
        if token is None and not is_loopback(host):
            token = secrets.token_urlsafe(18)
        return cls(host=host, token=token, **kw)  # type: ignore[arg-type]
