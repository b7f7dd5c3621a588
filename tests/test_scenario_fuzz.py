"""Fuzzing scenario documents through the command line, under a memory cap.

Hypothesis mutates the bundled scenarios (drops and duplicates keys, replaces values by
random scalars, texts, distributions, expressions, huge numbers, deep nesting and YAML
alias bombs, damages the text) and sends each document through ``brink validate`` and,
when it validates, a tiny ``brink run`` (64 samples, ``--no-store``), sometimes with a
random ``--set``.  Every invocation must end with exit status 0 or 2, a status-2 end must
be one ``error:`` message (a :class:`brink.errors.BrinkError`), never a traceback, and
each example must finish within :data:`EXAMPLE_SECONDS` (a ``SIGALRM`` watchdog stops one
that does not).  The documents brink 0.1.0 failed on (issue 10: alias bombs in a lever and
in ``--set``, a whole number no float holds) go first, so the test fails on 0.1.0 whatever
the random draws.

The examples run in ONE child process (numba's compiled kernels load once) whose address
space is capped with ``resource.setrlimit(RLIMIT_AS)`` at :data:`MEMORY_CAP`: a document
that made brink allocate without bound (0.1.0 grew by ~40 MB/s on an alias bomb) ends in
a MemoryError there, which fails the test, instead of exhausting the machine.  The child
runs this file as a script (see the bottom); the test only starts it and reads its report.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from brink_in_process import invoke

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "src" / "brink" / "scenario" / "bundled"
#: Address-space cap of the child (numba, LLVM and the BLAS threads reserve some too).
MEMORY_CAP = 3 * 1024**3
#: Longest an example (validate + run) may take.
EXAMPLE_SECONDS = 30.0
#: Examples per test run (``BRINK_FUZZ_EXAMPLES`` to run more, e.g. overnight).
EXAMPLES = int(os.environ.get("BRINK_FUZZ_EXAMPLES", "100"))


def test_fuzzed_documents_end_in_ok_or_a_message_under_a_memory_cap() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, str(EXAMPLES)],
        capture_output=True,
        text=True,
        timeout=60 + EXAMPLES * EXAMPLE_SECONDS,
        env=env,
        check=False,
        cwd=ROOT,
    )
    report = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, f"{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    summary = json.loads(report[-1])
    assert summary["cap"] == MEMORY_CAP
    assert summary["examples"] >= EXAMPLES // 2, summary
    assert summary["statuses"].get("2", 0) > 0  # the fuzz does reach the error paths
    assert summary["ran"] > 0  # ... and some mutated documents still run
    assert summary["max_seconds"] < EXAMPLE_SECONDS
    assert time.perf_counter() - started < 60 + EXAMPLES * EXAMPLE_SECONDS


# ---------------------------------------------------------------------------------------------
# the child: everything below runs under the memory cap


def _bomb(width: int, levels: int) -> Any:
    """A list whose ``width**levels`` leaves share their parts: YAML dumps it with aliases."""
    node: Any = [1] * width
    for _ in range(levels):
        node = [node] * width
    return node


def _nested(levels: int) -> Any:
    node: Any = 0.5
    for _ in range(levels):
        node = [node]
    return node


def _strategies() -> Any:
    from hypothesis import strategies as st

    huge = st.sampled_from([10**20, 10**308, 2 * 10**308, 10**400, -(10**309), 1e308, -1e308, 5e-324])
    texts = st.sampled_from(
        [
            "uniform(0.2, 0.1)", "uniform(0, 1e308)", "beta(1e308, 1e308)", "beta(-1, 2)",
            "normal(0, 1)", "lognormal(1, 0.3)", "triangular(5, 15, 30)", "choice(1, 2, 3)",
            "choice([0.1, 0.9], [0.5, 0.6])", "fixed(2)", "1 / 0", "5 % 0", "log(-1)", "0*exp(1000)",
            "exp(1000)", "x +", "3+4", "-5", "nan", "inf", "1e999999", "__import__('os')",
            "p * 2", "game.p + 1", "costs.sanctions * 1000", "sqrt(-1)", "(" * 200 + "1" + ")" * 200,
            "1" + "+1" * 500, "a" * 300, "", " ", "&x", "*x", "{a: 1", "[", "\u00e9\u4e2d",
            "crisis", "fearon-1995", "tripartite-crisis", "deterrence-rudimentary", "RUS", "NATO",
            "concede", "spasm-war", "nuclear-response", "escalate", "imperfect", "perfect",
        ]
    )
    scalars = st.one_of(
        st.floats(0, 1), st.floats(0, 1), st.sampled_from([0, 1, 2, 44, 45, 0.5, -0.5, 1e-300, 1001, 2000, 2001]),
        st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.integers(0, 3000),
        st.floats(allow_nan=True, allow_infinity=True), huge, texts, st.text(max_size=20),
    )
    bombs = st.builds(_bomb, st.integers(2, 12), st.integers(1, 8))
    deep = st.builds(_nested, st.integers(1, 60))
    values = st.one_of(
        scalars, scalars, scalars, bombs, deep,
        st.lists(scalars, max_size=4), st.dictionaries(st.text(max_size=6), scalars, max_size=3),
    )
    return st, values, scalars, bombs


def _laughs(levels: int) -> str:
    """A ``--set`` value: ``levels`` nested YAML aliases, each repeating the last ten times."""
    names = "abcdefghij"[: levels + 1]
    inner = ", ".join(f"&{c} [{','.join([f'*{p}'] * 10)}]" for p, c in itertools.pairwise(names))
    return "[&a [1,1,1,1,1,1,1,1,1,1]" + (f", {inner}" if inner else "") + "]"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _edit(data: Any, path: tuple[Any, ...], op: str, value: Any) -> None:
    node = data
    try:
        for k in path[:-1]:
            node = node[k]
        if op == "drop":
            del node[path[-1]]
        elif op == "nest":
            node[path[-1]] = [node[path[-1]]] if isinstance(value, bool) and value else {"x": node[path[-1]]}
        else:
            node[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass


def _child(examples: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    import yaml
    from hypothesis import HealthCheck, given, settings

    st, values, scalars, bombs = _strategies()
    names = sorted(p.stem for p in BUNDLED.glob("*.yaml"))
    documents = {n: yaml.safe_load((BUNDLED / f"{n}.yaml").read_text(encoding="utf-8")) for n in names}
    stats: dict[str, Any] = {
        "examples": 0, "statuses": {}, "ran": 0, "max_seconds": 0.0,
        "cap": resource.getrlimit(resource.RLIMIT_AS)[0],
    }
    folder = Path(tempfile.mkdtemp(prefix="brink-fuzz-"))

    def overrun(signum: int, frame: Any) -> None:
        raise TimeoutError(f"an example ran past {EXAMPLE_SECONDS:.0f} s")

    signal.signal(signal.SIGALRM, overrun)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=os.environ.get("CI", "").lower() == "true",
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def example(data: Any) -> None:
        import copy

        name = data.draw(st.sampled_from(names), "scenario")
        doc = copy.deepcopy(documents[name])
        paths = _paths(doc)
        bombed = False
        for _ in range(data.draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]), "edits")):
            op = data.draw(st.sampled_from(["drop", "replace", "replace", "replace", "nest", "lever"]), "op")
            path = data.draw(st.sampled_from(paths), "path")
            if op == "lever":  # a lever (options: any list, alias bombs included) on any path
                options = data.draw(st.one_of(bombs, st.lists(scalars, min_size=1, max_size=4)), "options")
                if not isinstance(doc.get("levers", {}), dict):
                    doc["levers"] = {}
                doc.setdefault("levers", {})[".".join(map(str, path))] = options
                bombed = True
                continue
            value = data.draw(values, "value") if op == "replace" else data.draw(st.booleans())
            bombed |= op == "replace" and isinstance(value, list)
            _edit(doc, path, op, value)
        as_json = not bombed and data.draw(st.booleans(), "json")
        if as_json:
            text = json.dumps(doc, default=str, indent=1)
        else:
            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1_000_000)
        lines = text.splitlines(keepends=True)
        damage = data.draw(st.sampled_from(["none", "none", "none", "duplicate", "delete", "insert"]), "damage")
        if damage != "none" and lines:
            i = data.draw(st.integers(0, len(lines) - 1), "line")
            if damage == "duplicate":  # a duplicate key, or a repeated list item
                lines.insert(i, lines[i])
            elif damage == "delete":
                del lines[i]
            else:
                lines.insert(i, data.draw(st.text(max_size=30), "inserted") + "\n")
        file = folder / f"{name}.{'json' if as_json else 'yaml'}"
        file.write_text("".join(lines), encoding="utf-8")
        sets: list[str] = []
        if data.draw(st.integers(0, 3), "set?") == 0:
            path = data.draw(
                st.one_of(
                    st.sampled_from(paths).map(lambda p: ".".join(map(str, p))),
                    st.sampled_from(["levers.x", "game.extra", "crisis.balance"]),
                ),
                "set path",
            )
            value = data.draw(
                st.one_of(
                    scalars.map(lambda v: json.dumps(v) if not isinstance(v, str) else v),
                    st.integers(1, 9).map(_laughs),
                ),
                "set value",
            )
            sets = ["--set", f"{path}={value}"]
        check(file, sets)

    def check(file: Path, sets: list[str]) -> None:
        """``brink validate`` then (if valid) a tiny ``brink run``: exit 0 or 2, in time."""
        started = time.perf_counter()
        signal.alarm(int(EXAMPLE_SECONDS))  # a run past its limit fails the example
        try:
            status, err = invoke(["validate", str(file), *sets])
            runs = status == 0
            if runs:
                status, err = invoke(["run", str(file), "-n", "64", "--chunk-size", "64", "--no-store", *sets])
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - started
        stats["examples"] += 1
        stats["statuses"][str(status)] = stats["statuses"].get(str(status), 0) + 1
        stats["ran"] += runs and status == 0
        stats["max_seconds"] = max(stats["max_seconds"], seconds)
        if os.environ.get("BRINK_FUZZ_VERBOSE"):
            shown = err.replace(str(folder), "")[:300].replace("\n", " ")
            print(status, f"{seconds:.2f}", file.name, sets, shown, file=sys.stderr)
            if seconds > 5:
                print(file.read_text(encoding="utf-8")[-2000:], file=sys.stderr)
        assert status in (0, 2), f"exit {status}: {err[-3000:]}"
        if status == 2:
            assert err.startswith("error:") and "Traceback" not in err, err[-3000:]
        assert seconds < EXAMPLE_SECONDS, f"the example took {seconds:.1f} s"

    # First the documents 0.1.0 failed on (issue 10), then the random ones.
    fearon = (BUNDLED / "fearon-1995.yaml").read_text(encoding="utf-8")
    fixed = folder / "fixed.yaml"
    for text, sets in [
        (fearon + f"levers:\n  game.p: {_laughs(7)}\n", []),  # 0.1.0: ran out of memory
        (fearon, ["--set", f"levers.x={_laughs(7)}"]),  # 0.1.0: ran out of memory
        (fearon.replace("p: 0.5", f"p: {10**400}"), []),  # 0.1.0: ValidationError traceback
        (fearon + "levers:\n  game.p: &a [0.2, *a]\n", []),  # an alias inside itself
    ]:
        fixed.write_text(text, encoding="utf-8")
        check(fixed, sets)
    example()
    print(json.dumps(stats))


if __name__ == "__main__":
    _child(int(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLES)
