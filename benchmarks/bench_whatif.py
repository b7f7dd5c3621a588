"""Benchmark of the workbench's live what-if (``brink serve``, ``POST /api/whatif``).

Starts ``brink serve`` in a child process (a temporary store, loopback, ``--threads`` what-if
threads) and measures over HTTP:

* latency: for each scenario and sample count, the server's solve time and the round trip of a
  slider change (a pinned uncertainty), the median of ``--repeats`` changes after the first
  request (which draws the samples and compiles the model);
* memory: the server's peak resident memory (``VmHWM``) while ``--concurrent`` what-if requests
  with different settings arrive at once, and how long the last of them took.

The browser's own figure (slider change to redrawn chart, which adds plotly's redraw) is
``benchmarks/bench_whatif_browser.py``.

Usage::

    .venv/bin/python benchmarks/bench_whatif.py --quick          # seconds: proves the script works
    .venv/bin/python benchmarks/bench_whatif.py                  # the figures of the closing note
    .venv/bin/python benchmarks/bench_whatif.py --threads 1      # one core

Prints JSON and writes ``benchmarks/results/whatif.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _post(port: int, path: str, body: dict[str, Any], timeout: float = 600) -> tuple[float, dict[str, Any]]:
    body = {"solver": "auto", "lam": None, "seed": 0, **body}  # the server fills in no setting (issue 24)
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
        headers={"content-type": "application/json"}, method="POST",
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as res:
        data = json.loads(res.read())
    return time.perf_counter() - t0, data


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _serve(threads: int, store: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    code = (
        "import uvicorn, pathlib; from brink.web import create_app, ServeSettings; "
        f"uvicorn.run(create_app(ServeSettings(store=pathlib.Path({str(store)!r}), port={port}, threads={threads}, "
        "max_whatif=32, max_whatif_samples=100_000)), "
        f"host='127.0.0.1', port={port}, log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1).read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def latency(port: int, scenario: str, samples: int, repeats: int, slider: str | None = None) -> dict[str, Any]:
    first, base = _post(port, "/api/whatif", {"scenario": scenario, "samples": samples})
    control = next(c for c in base["controls"] if c["kind"] == "uncertainty" and slider in (None, c["name"]))
    server, trip = [], []
    for i in range(repeats):
        v = control["low"] + (control["high"] - control["low"]) * (i + 1) / (repeats + 1)
        t, r = _post(port, "/api/whatif", {"scenario": scenario, "samples": samples,
                                           "ranges": {control["name"]: [v, v]}})
        server.append(r["seconds"])
        trip.append(t)
    return {"scenario": scenario, "samples": samples, "first_request_s": round(first, 3),
            "server_ms": round(1000 * statistics.median(server), 1),
            "round_trip_ms": round(1000 * statistics.median(trip), 1), "slider": control["name"]}


def memory(proc: subprocess.Popen[bytes], port: int, scenario: str, samples: int, concurrent: int) -> dict[str, Any]:
    _, base = _post(port, "/api/whatif", {"scenario": scenario, "samples": samples})
    before = _peak_rss(proc.pid)
    controls = [c for c in base["controls"] if c["kind"] == "uncertainty"]
    times: list[float] = []
    errors: list[str] = []

    def one(i: int) -> None:
        c = controls[i % len(controls)]
        v = c["low"] + (c["high"] - c["low"]) * ((i * 7) % 10) / 10
        try:
            t, _ = _post(port, "/api/whatif", {"scenario": scenario, "samples": samples, "ranges": {c["name"]: [v, v]}})
            times.append(t)
        except OSError as exc:
            errors.append(str(exc))

    t0 = time.perf_counter()
    workers = [threading.Thread(target=one, args=(i,)) for i in range(concurrent)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"scenario": scenario, "samples": samples, "concurrent": concurrent,
            "all_done_s": round(time.perf_counter() - t0, 2), "slowest_s": round(max(times, default=0.0), 2),
            "errors": errors, "peak_rss_before_mib": round(before / 2**20), "peak_rss_mib": round(_peak_rss(proc.pid) / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: proves the script works")
    ap.add_argument("--threads", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--concurrent", type=int, default=20)
    ap.add_argument("--large", action="store_true", help="also 100,000 samples of ukraine-2022 (minutes)")
    args = ap.parse_args()
    sizes = {"ukraine-2022-exchange": [1000] if args.quick else [1000, 10_000, 100_000],
             "ukraine-2022": [200] if args.quick else [1000, 10_000] + ([100_000] if args.large else [])}
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = _serve(args.threads, Path(tmp) / "store.duckdb")
        try:
            out: dict[str, Any] = {"threads": args.threads, "cpus": os.cpu_count(), "latency": [], "memory": []}
            for scenario, ns in sizes.items():
                for n in ns:
                    # the first uncertainty (the leader's office value: an input of the post-war game)
                    # and, on the escalation crisis, a crisis parameter (its post-war games kept)
                    for slider in [None, *(["crisis.balance"] if scenario == "ukraine-2022" else [])]:
                        out["latency"].append(latency(port, scenario, n, 2 if args.quick else args.repeats, slider))
                        print(json.dumps(out["latency"][-1]), flush=True)
            for scenario, n in (("ukraine-2022-exchange", 1000 if args.quick else 10_000),
                                ("ukraine-2022", 200 if args.quick else 1000)):
                out["memory"].append(memory(proc, port, scenario, n, 4 if args.quick else args.concurrent))
                print(json.dumps(out["memory"][-1]), flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    if not args.quick:
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "whatif.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
