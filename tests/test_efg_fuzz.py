"""Fuzzing ``.efg`` text through the reader and the command line, under a memory cap.

Hypothesis mutates Gambit's example games and brink's corner cases token by token
(replaces tokens with huge, tiny, long, negative or malformed numbers, labels, braces and
node types; deletes, duplicates and swaps tokens; truncates the text; inserts random
text) and also writes random token streams.  Each text goes through
:func:`brink.efg.parse_efg` and, as a file, through ``brink info --json`` and, when it
reads, ``brink solve --json`` (sometimes ``--solver qre``).  The reader may only raise
:class:`brink.errors.InputError`; every command must end with exit status 0 or 2, a
status-2 end must be one ``error:`` message, never a traceback, and each example must
finish within :data:`EXAMPLE_SECONDS` (a ``SIGALRM`` watchdog stops one that does not).
The inputs brink 0.1.0 failed on (issue 10: ``1e309``, a 5,000-digit numerator, an
information-set number of 2^31, ``1e99999999``, a 50,000-move chain for ``info``, a game
without outcomes for ``solve``, a chance-only game for ``--solver qre``) go first, so the
test fails on 0.1.0 whatever the random draws.

The examples run in ONE child process (numba's kernels load once) whose address space
is capped with ``resource.setrlimit(RLIMIT_AS)`` at :data:`MEMORY_CAP`, so an input that
made brink allocate without bound ends in a MemoryError there, which fails the test,
instead of exhausting the machine.  The child runs this file as a script (see the
bottom); the test only starts it and reads its report.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from brink_in_process import invoke

ROOT = Path(__file__).resolve().parents[1]
#: Address-space cap of the child (numba, LLVM and the BLAS threads reserve some too).
MEMORY_CAP = 3 * 1024**3
#: Longest an example (parse, info and solve) may take.
EXAMPLE_SECONDS = 20.0
#: Examples per test run (``BRINK_FUZZ_EXAMPLES`` to run more, e.g. overnight).
EXAMPLES = int(os.environ.get("BRINK_FUZZ_EXAMPLES", "80"))
#: Small games of Gambit's collection the mutations start from (and brink's corner cases).
SEEDS = ["e04", "e05", "montyhal", "bayes1a", "cent2", "km1", "myerson", "condjury", "w_ex1", "nim"]


def test_fuzzed_efg_text_ends_in_ok_or_a_message_under_a_memory_cap(shared_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    contrib = shared_dir / "data" / "games" / "gambit-contrib"
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, str(EXAMPLES), str(contrib)],
        capture_output=True,
        text=True,
        timeout=120 + EXAMPLES * EXAMPLE_SECONDS,
        env=env,
        check=False,
        cwd=ROOT,
    )
    report = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, f"{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    summary = json.loads(report[-1])
    assert summary["cap"] == MEMORY_CAP
    assert summary["examples"] >= EXAMPLES // 2, summary
    assert summary["refused"] > 0  # the fuzz reaches the error paths
    assert summary["read"] > 0 and summary["solved"] > 0  # ... and some texts still solve
    assert summary["max_seconds"] < EXAMPLE_SECONDS
    assert time.perf_counter() - started < 120 + EXAMPLES * EXAMPLE_SECONDS


# ---------------------------------------------------------------------------------------------
# the child: everything below runs under the memory cap

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{},]|[^\s{}",]+')

#: Hostile numbers: beyond a double, beyond Python's digit limit, beyond int32, slow to
#: convert, malformed, and ordinary ones.
NUMBERS = [
    "1e309", "-1e309", "1e99999999", "1e-99999999", "1" * 5000, "1" * 5000 + "/3", "1/" + "7" * 5000,
    "2147483648", "4294967296", "99999999999999999999", "0", "1", "2", "3", "-1", "+1", "1/0", "0/0",
    "1/3", "2/3", ".5", "0.5", "1e300", "-1e300", "1e-320", "5e-324", "1.7976931348623157e308",
    "0." + "0" * 500 + "1", "1e+20", "00000000001", "nan", "inf", "1e", "1/", "/2", "1.2.3", "٣",
]
#: Numbers that keep most texts valid where a payoff, probability or number stood.
BENIGN = ["0", "1", "-1", "2", "1/3", "1e300", "-1e300", "5e-324", "0.5", "1e-300", "7", "1/2"]
OTHER = ['"x"', '""', '"a\\"b"', '"\\\\"', "{", "}", ",", "c", "p", "t", "EFG", "R", "D", '"é中"', '"']


def _seeds(contrib: Path) -> list[str]:
    texts = [(contrib / f"{name}.efg").read_text(encoding="utf-8") for name in SEEDS]
    texts += [
        'EFG 2 R "" { "1" } ""\np "" 1 1 "" { "a" } 0\nt "" 0\n',  # no outcomes
        'EFG 2 R "" { "1" "2" } ""\nc "" 1 "" { "h" 1/2 "t" 1/2 } 0\nt "" 1 "x" { 1 2 }\nt "" 2 "y" { 3 4 }\n',
        'EFG 2 R "" { "1" } ""\nt "" 0\n',  # the root is terminal
    ]
    return texts


def _chain(moves: int) -> str:
    lines = ['EFG 2 R "chain" { "A" "B" }\n""\n', 'p "" 1 1 "" { "stop" "go" } 0\nt "" 1 "s" { 1, 0 }\n']
    lines += [f'p "" {i % 2 + 1} {i // 2 + 1} "" {{ "stop" "go" }} 0\nt "" 1\n' for i in range(1, moves)]
    return "".join([*lines, 't "" 2 "e" { 0, 1 }\n'])


def _child(examples: int, contrib: Path) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from brink.efg import parse_efg
    from brink.errors import InputError

    seeds = _seeds(contrib)
    tokenized = [_TOKENS.findall(text) for text in seeds]
    stats: dict[str, Any] = {
        "examples": 0, "refused": 0, "read": 0, "solved": 0, "max_seconds": 0.0,
        "cap": resource.getrlimit(resource.RLIMIT_AS)[0],
    }
    folder = Path(tempfile.mkdtemp(prefix="brink-efg-fuzz-"))

    def overrun(signum: int, frame: Any) -> None:
        raise TimeoutError(f"an example ran past {EXAMPLE_SECONDS:.0f} s")

    signal.signal(signal.SIGALRM, overrun)
    tokens = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(OTHER), st.text(max_size=8))

    def check(text: str, solver: str) -> None:
        """Parse, ``info``, and (if it reads) ``solve``: only located messages, in time."""
        started = time.perf_counter()
        signal.alarm(int(EXAMPLE_SECONDS))  # a run past its limit fails the example
        try:
            try:
                parse_efg(text, source="fuzz.efg")
                readable = True
            except InputError as exc:  # EfgSyntaxError is one; anything else fails the test
                assert str(exc).startswith("fuzz.efg:"), str(exc)
                readable = False
            file = folder / "fuzz.efg"
            file.write_text(text, encoding="utf-8")
            status, err = invoke(["info", "--json", str(file)])
            assert status == (0 if readable else 2), f"info: exit {status}: {err[-3000:]}"
            solved = 0
            if readable:
                argv = ["solve", "--json", str(file)] + (["--solver", solver] if solver else [])
                status, err = invoke(argv)
                solved = status == 0
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - started
        stats["examples"] += 1
        stats["refused"] += not readable
        stats["read"] += readable
        stats["solved"] += solved
        stats["max_seconds"] = max(stats["max_seconds"], seconds)
        if os.environ.get("BRINK_FUZZ_VERBOSE"):
            print(status, f"{seconds:.2f}", err[:200].replace("\n", " "), file=sys.stderr)
        assert status in (0, 2), f"exit {status}: {err[-3000:]}"
        if status == 2:
            assert err.startswith("error:") and "Traceback" not in err, err[-3000:]
        assert seconds < EXAMPLE_SECONDS, f"the example took {seconds:.1f} s"

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=os.environ.get("CI", "").lower() == "true",
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def example(data: Any) -> None:
        if data.draw(st.integers(0, 9), "random stream?") == 0:
            words = data.draw(st.lists(tokens, max_size=40), "stream")
            text = 'EFG 2 R "" { "A" "B" }\n' + " ".join(words)
        else:
            words = list(data.draw(st.sampled_from(tokenized), "seed"))
            for _ in range(data.draw(st.integers(1, 4), "edits")):
                i = data.draw(st.integers(0, len(words) - 1), "at")
                op = data.draw(
                    st.sampled_from(["replace", "number", "benign", "benign", "benign", "delete", "duplicate", "swap"]),
                    "op",
                )
                if op == "replace":
                    words[i] = data.draw(tokens, "token")
                elif op in ("number", "benign"):
                    numeric = [k for k, w in enumerate(words) if re.fullmatch(r"[+-]?[\d./eE+-]+", w)]
                    if numeric:
                        words[data.draw(st.sampled_from(numeric), "which")] = data.draw(
                            st.sampled_from(NUMBERS if op == "number" else BENIGN), "number"
                        )
                elif op == "delete":
                    del words[i]
                elif op == "duplicate":
                    words.insert(i, words[i])
                else:
                    j = data.draw(st.integers(0, len(words) - 1), "with")
                    words[i], words[j] = words[j], words[i]
                if not words:
                    words = ["EFG"]
            if data.draw(st.integers(0, 9), "truncate?") == 0:
                words = words[: data.draw(st.integers(0, len(words)), "keep")]
            text = " ".join(words) + "\n"
        check(text, data.draw(st.sampled_from(["", "", "qre", "spe"]), "solver"))

    # First the inputs 0.1.0 failed on (issue 10), then the random ones.
    def one(number: str) -> str:
        return f'EFG 2 R "g" {{ "A" }}\nt "" 1 "o" {{ {number} }}\n'

    for text, solver in [
        (one("1e309"), ""),  # 0.1.0: OverflowError
        (one("1" * 5000 + "/3"), ""),  # 0.1.0: ValueError, integer-digit limit
        ('EFG 2 R "g" { "A" }\np "" 1 2147483648 "" { "a" } 0\nt "" 0\n', ""),  # 0.1.0: int32
        (one("1e99999999"), ""),  # 0.1.0: ~265 s of CPU, then a traceback
        (_chain(50_000), "spe"),  # 0.1.0: info needed ~10 GB (quadratic recall check)
        (seeds[-3], "spe"),  # 0.1.0: no outcomes, a reshape ValueError
        (seeds[-2], "qre"),  # 0.1.0: chance only, an IndexError in the regret code
        (seeds[-1], "qre"),  # the root is terminal
    ]:
        check(text, solver)
    example()
    print(json.dumps(stats))


if __name__ == "__main__":
    _child(int(sys.argv[1]), Path(sys.argv[2]))
