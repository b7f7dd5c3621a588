"""The ``brink serve`` API under generated and hostile requests: limits, errors, token, jobs.

The property checked over every operation of the OpenAPI schema (schemathesis, after
Hatfield-Dodds & Dygalo 2022) is that no request, however malformed, gets a 5xx: bad input
is a 4xx with a message.  The hand-written cases check the limits of
:mod:`brink.web.settings` (body size, samples, concurrent runs, time), that a request can
name only library scenarios (never a path), that scenario text cannot read files or run
code, and that a run started from the app stores exactly the rows of ``brink.runs.run``.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import schemathesis
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from brink.runs import run
from brink.scenario import load_scenario
from brink.web.app import create_app
from brink.web.settings import ServeSettings

SCENARIO = "ukraine-2022-exchange"
#: TestClient sends ``Host: testserver``; the server answers only names it is bound to or is given.
TESTSERVER = ("testserver",)
SMALL = {"max_samples": 500, "max_whatif_samples": 500, "max_base_samples": 8, "time_limit": 20.0, "max_runs": 2,
         "allow_host": TESTSERVER}
_ROOT = Path(tempfile.mkdtemp(prefix="brink-web-api-"))
(_ROOT / "scenarios").mkdir()
#: A file one level above the scenario folder: no request may ever read it.
SECRET = "brink-web-api-secret-7f3a9c"
(_ROOT / "secret.yaml").write_text(f"name: {SECRET}\n", encoding="utf-8")
(_ROOT / "passwd").write_text(SECRET + "\n", encoding="utf-8")


def make_app(**kw: Any) -> FastAPI:
    """An app over a temporary store and an empty scenario folder, with small limits."""
    return create_app(ServeSettings(store=_ROOT / "runs.duckdb", scenario_dir=_ROOT / "scenarios", **{**SMALL, **kw}))


APP = make_app()
#: The generated requests get an app of their own, so the jobs they start never fill ``APP``'s slots.
FUZZ_APP = make_app()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(APP, raise_server_exceptions=False) as c:
        yield c


@cache
def bundled_text(name: str = SCENARIO) -> str:
    return resources.files("brink.scenario.bundled").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


#: The settings every request states (the server fills none in: issue 24).
SETTINGS: dict[str, Any] = {"solver": "auto", "lam": None, "seed": 0}


def full(body: dict[str, Any], path: str = "") -> dict[str, Any]:
    """``body`` with the settings it leaves out: solver, lam, seed (a compare's on both sides, and
    its samples; a tree's sample)."""
    if "a" in body or "b" in body or path == "/api/compare":
        sides = {side: {"solver": "auto", "lam": None, **body[side]} for side in ("a", "b")
                 if isinstance(body.get(side), dict)}
        return {"samples": 100, "seed": 0, **body, **sides}
    if path == "/api/tree":
        return {**SETTINGS, "sample": 0, **{k: v for k, v in body.items() if k != "samples"}}
    return {**SETTINGS, **body}


def wait_job(app: FastAPI, job_id: str, timeout: float = 60.0) -> Any:
    return app.state.jobs.wait(job_id, timeout)


# ---- the property: no request gets a 5xx -------------------------------------------------------

schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)


@schema.parametrize()
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/nowhere"), ("DELETE", "/api/runs")])
def test_routing_errors_carry_the_apps_error_message(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path)
    assert r.status_code in (404, 405)
    assert r.json().get("error")


def test_every_operation_is_in_the_schema() -> None:
    paths = set(APP.openapi()["paths"])
    assert {"/api/runs", "/api/whatif", "/api/tree", "/api/analyses", "/api/compare", "/api/validate",
            "/api/scenarios/{name}", "/api/store/runs/{run_id}/samples.{fmt}"} <= paths


# ---- the body limit ----------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_by_its_content_length() -> None:
    app = make_app(max_body=1000)
    with TestClient(app) as c:
        r = c.post("/api/validate", json={"text": "x" * 5000})
    assert r.status_code == 413
    assert "1,000 bytes" in r.json()["error"] and r.json()["fix"]


def test_a_chunked_body_over_the_limit_is_413() -> None:
    app = make_app(max_body=1000)

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"y" * 200
        yield b'"}'

    with TestClient(app) as c:
        r = c.post("/api/validate", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413
    assert "larger than 1,000 bytes" in r.json()["error"]


def test_a_body_under_the_limit_passes() -> None:
    app = make_app(max_body=1000)
    with TestClient(app) as c:
        r = c.post("/api/validate", json={"text": "name: x\n"})
    assert r.status_code == 200 and r.json()["ok"] is False


def test_a_content_length_that_is_not_a_number_is_413() -> None:
    app = make_app(max_body=1000)
    with TestClient(app) as c:
        r = c.post("/api/validate", content=b'{"text": "a"}',
                   headers={"content-type": "application/json", "content-length": "12x"})
    assert r.status_code in (400, 413)


# ---- malformed requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/runs", {"scenario": SCENARIO, "samples": "many"}, "samples"),
        ("/api/runs", {"scenario": SCENARIO, "samples": 0}, "samples"),
        ("/api/runs", {"scenario": SCENARIO, "seed": -1}, "seed"),
        ("/api/runs", {"scenario": SCENARIO, "colour": "red"}, "colour"),
        ("/api/whatif", {"scenario": SCENARIO, "ranges": {"crisis.balance": [0.1]}}, "ranges"),
        ("/api/whatif", {"scenario": SCENARIO, "levers": {"x": [1, 2]}}, "levers"),
        ("/api/analyses", {"scenario": SCENARIO, "kind": "astrology"}, "kind"),
        ("/api/analyses", {"scenario": SCENARIO, "kind": "discovery", "threshold": 2}, "threshold"),
        ("/api/compare", {"a": {"scenario": SCENARIO}}, "b"),
        ("/api/validate", {"text": 3}, "text"),
        ("/api/tree", {"scenario": 7}, "scenario"),
    ],
)
def test_wrong_types_are_422_naming_the_field(client: TestClient, path: str, body: dict[str, Any], field: str) -> None:
    r = client.post(path, json=full(body, path) if path != "/api/validate" else body)
    assert r.status_code == 422
    assert field in r.json()["error"]


@pytest.mark.parametrize("raw", [b'{"scenario": ', b"not json", b"[1, 2]", b'{"scenario": "a"'])
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    r = client.post("/api/runs", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"] and r.json()["where"] == "request body"


@pytest.mark.parametrize("path", ["/api/runs", "/api/whatif", "/api/tree"])
def test_an_unknown_scenario_is_422(client: TestClient, path: str) -> None:
    r = client.post(path, json=full({"scenario": "no-such-scenario", "samples": 10}, path))
    assert r.status_code == 422
    assert "no scenario named 'no-such-scenario'" in r.json()["error"] and r.json()["where"] == "scenario"


def test_no_scenario_at_all_is_422(client: TestClient) -> None:
    r = client.post("/api/runs", json=full({"samples": 10}))
    assert r.status_code == 422 and "no scenario given" in r.json()["error"]


@pytest.mark.parametrize(("path", "key"), [("/api/runs", "samples"), ("/api/whatif", "samples"),
                                           ("/api/analyses", "base_samples")])
def test_oversize_work_is_422_before_it_starts(client: TestClient, path: str, key: str) -> None:
    body: dict[str, Any] = {"scenario": SCENARIO, key: 10**9}
    if path == "/api/analyses":
        body.update(kind="sensitivity", outcome="partners_abandon")
    before = APP.state.jobs.running()
    r = client.post(path, json=full(body, path))
    assert r.status_code == 422
    assert "more than this server allows" in r.json()["error"]
    assert APP.state.jobs.running() == before


# ---- names are never paths ------------------------------------------------------------------------

PATHLIKE = ["../secret.yaml", "..", "/etc/passwd", "a/b", "../passwd", "..%2Fsecret.yaml", "....//secret.yaml",
            "secret.yaml", "%2e%2e/secret.yaml", "~/secret.yaml", "\\..\\secret.yaml", "scenarios/../../secret.yaml"]


@pytest.mark.parametrize("name", PATHLIKE)
def test_path_like_names_are_refused_and_never_read(client: TestClient, name: str) -> None:
    responses = [
        client.get(f"/api/scenarios/{name}"),
        client.post("/api/runs", json=full({"scenario": name, "samples": 1})),
        client.post("/api/whatif", json=full({"scenario": name, "samples": 1})),
        client.post("/api/tree", json=full({"scenario": name}, "/api/tree")),
        client.post("/api/compare", json=full({"a": {"scenario": name}, "b": {"scenario": SCENARIO}})),
        client.get(f"/api/store/runs/{name}"),
        client.get(f"/api/store/runs/{name}/samples.csv"),
        client.get(f"/static/{name}"),
    ]
    for r in responses:
        assert SECRET not in r.text
        if r.request.method == "GET" and r.request.url.path in ("/", "/api/", "/api/store/", "/api/store/runs"):
            continue  # the client resolved the dot segments itself: another resource was asked for
        assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text[:300])


def test_a_file_in_the_scenario_folder_is_listed_and_read(tmp_path: Path) -> None:
    """The positive case of the above: only files directly inside the folder are readable."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "mine.yaml").write_text(bundled_text(), encoding="utf-8")
    (folder / "notes.txt").write_text(SECRET, encoding="utf-8")
    (folder / "link.yaml").symlink_to(_ROOT / "secret.yaml")
    app = create_app(ServeSettings(store=tmp_path / "runs.duckdb", scenario_dir=folder, **SMALL))
    with TestClient(app) as c:
        names = {e["name"] for e in c.get("/api/scenarios").json()}
        assert "mine.yaml" in names and "notes.txt" not in names and "link.yaml" not in names
        assert c.get("/api/scenarios/mine.yaml").json()["text"] == bundled_text()
        for name in ("notes.txt", "link.yaml"):
            r = c.get(f"/api/scenarios/{name}")
            assert r.status_code == 422 and SECRET not in r.text


# ---- scenario text cannot read files or run code --------------------------------------------------


def marker_payloads(marker: Path) -> list[str]:
    cmd = f"touch {marker}"
    return [
        f"!!python/object/apply:os.system ['{cmd}']\n",
        f"name: !!python/object/apply:os.system ['{cmd}']\n",
        f"name: !!python/object/new:subprocess.Popen [['touch', '{marker}']]\n",
        "name: !!python/name:os.system\n",
        "!!python/object:__main__.X {a: 1}\n",
        "name: !!binary aGVsbG8=\n",
        f"name: !include {_ROOT / 'secret.yaml'}\n",
        f"name: !!python/object/apply:builtins.open ['{_ROOT / 'secret.yaml'}']\n",
    ]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    lines.append(f"name: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def variant(change: Any) -> str:
    """The bundled scenario's text with ``change(data)`` applied."""
    data = yaml.safe_load(bundled_text())
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def test_yaml_tags_do_not_run_code(client: TestClient, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in marker_payloads(marker):
        v = client.post("/api/validate", json={"text": text})
        assert v.status_code == 200 and v.json()["ok"] is False, text
        assert v.json()["errors"] and all(e["message"] for e in v.json()["errors"])
        for path in ("/api/runs", "/api/whatif", "/api/tree"):
            r = client.post(path, json=full({"text": text, "samples": 1}, path))
            assert r.status_code == 422, (path, text, r.text[:300])
            assert r.json()["error"]
            assert SECRET not in r.text and "hello" not in r.text
    time.sleep(0.2)
    assert not marker.exists()


def test_an_alias_bomb_is_refused_quickly(client: TestClient) -> None:
    start = time.monotonic()
    v = client.post("/api/validate", json={"text": billion_laughs()})
    r = client.post("/api/runs", json=full({"text": billion_laughs(), "samples": 1}))
    assert time.monotonic() - start < 10
    assert v.status_code == 200 and v.json()["ok"] is False
    assert r.status_code == 422 and "alias" in r.json()["error"].lower()


def test_a_recursive_alias_is_refused(client: TestClient) -> None:
    v = client.post("/api/validate", json={"text": "a: &a [*a]\nname: x\n"})
    assert v.status_code == 200 and v.json()["ok"] is False


@pytest.mark.parametrize(
    "payload",
    [
        "__import__('os').system('touch {m}')",
        "open('{s}').read()",
        "().__class__.__bases__[0].__subclasses__()",
        "(lambda: 1)()",
        "[x for x in range(10)]",
        "crisis.balance.__class__",
        "eval('1')",
    ],
)
def test_expressions_cannot_run_code(client: TestClient, tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "pwned"
    expr = payload.format(m=marker, s=_ROOT / "secret.yaml")
    text = variant(lambda d: d["crisis"].__setitem__("strike_effect", expr))
    v = client.post("/api/validate", json={"text": text})
    assert v.status_code == 200 and v.json()["ok"] is False
    located = [e for e in v.json()["errors"] if e["line"] is not None]
    assert located, v.json()  # the error points at line:col of the text
    line = text.splitlines()[located[0]["line"] - 1]
    assert "strike_effect" in line
    r = client.post("/api/runs", json=full({"text": text, "samples": 1}))
    assert r.status_code == 422 and "editor.yaml:" in r.json()["error"]
    assert SECRET not in r.text
    assert not marker.exists()


@pytest.mark.parametrize(
    "from_data",
    [{"year": "../../etc/passwd"}, {"year": 99999}, {"year": 2014, "ccode": -1}, {"year": [2014]},
     {"year": 2014, "path": str(_ROOT / "secret.yaml")}, {"year": 1.5}, "yes", None],
)
def test_from_data_with_odd_values_is_a_located_422(client: TestClient, from_data: Any) -> None:
    text = variant(lambda d: d["actors"]["RUS"].__setitem__("from_data", from_data))
    v = client.post("/api/validate", json={"text": text})
    r = client.post("/api/runs", json=full({"text": text, "samples": 1}))
    assert v.status_code == 200
    if from_data is None:  # null is "no fill": the scenario stays valid
        assert v.json()["ok"] is True and r.status_code == 202
        wait_job(APP, r.json()["id"])
        return
    assert v.json()["ok"] is False and any(e["line"] for e in v.json()["errors"]), v.json()
    assert r.status_code == 422 and "from_data" in r.json()["error"]
    assert SECRET not in r.text


# ---- the token ------------------------------------------------------------------------------------


def test_off_loopback_every_request_needs_the_token() -> None:
    s = ServeSettings.for_host("0.0.0.0", store=_ROOT / "runs.duckdb", scenario_dir=_ROOT / "scenarios",
                               allow_host=TESTSERVER)
    assert s.token and len(s.token) >= 20
    assert ServeSettings.for_host("127.0.0.1").token is None and ServeSettings.for_host("::1").token is None
    with TestClient(create_app(s)) as c:
        for r in (c.get("/api/health"), c.get("/"), c.get("/openapi.json"),
                  c.post("/api/validate", json={"text": "name: x"}), c.get("/api/health?token=wrong"),
                  c.get("/api/health", headers={"X-Brink-Token": s.token[:-1]})):
            assert r.status_code == 401
            assert r.json()["where"] == "token" and s.token not in r.text
        assert c.get("/api/health", headers={"X-Brink-Token": s.token}).status_code == 200
        assert c.get(f"/api/health?token={s.token}").status_code == 200
        assert c.get("/", params={"token": s.token}).status_code == 200


def test_a_given_token_is_kept() -> None:
    assert ServeSettings.for_host("10.1.2.3", token="abc").token == "abc"


# ---- jobs: concurrency, time limit, end to end ---------------------------------------------------


def test_runs_beyond_max_runs_are_refused(tmp_path: Path) -> None:
    app = create_app(ServeSettings(store=tmp_path / "runs.duckdb", scenario_dir=tmp_path, max_runs=1, allow_host=TESTSERVER,
                                   max_samples=200_000, time_limit=2))
    with TestClient(app) as c:
        first = c.post("/api/runs", json=full({"scenario": "ukraine-2022", "samples": 200_000}))
        assert first.status_code == 202
        second = c.post("/api/runs", json=full({"scenario": SCENARIO, "samples": 10}))
        assert c.get("/api/health").json()["running"] in (0, 1)
        job = app.state.jobs.get(first.json()["id"])
        if job.status == "running":  # refused while the first runs
            assert second.status_code == 422
            assert "1 runs are already running" in second.json()["error"] and second.json()["where"] == "runs"
        else:  # pragma: no cover - a machine fast enough to finish 100,000 samples at once
            pytest.skip("the first run finished before the second was sent")
        assert wait_job(app, job.id).status == "failed"  # stopped by the 2 s limit
        third = c.post("/api/runs", json=full({"scenario": SCENARIO, "samples": 10}))
        assert third.status_code == 202  # the slot is free again
        assert wait_job(app, third.json()["id"]).status == "done"


@pytest.mark.slow
def test_a_run_past_the_time_limit_fails_with_the_limit(tmp_path: Path) -> None:
    app = create_app(ServeSettings(store=tmp_path / "runs.duckdb", scenario_dir=tmp_path, max_runs=1, allow_host=TESTSERVER,
                                   max_samples=200_000, time_limit=0.5))
    with TestClient(app) as c:
        r = c.post("/api/runs", json=full({"scenario": "ukraine-2022", "samples": 200_000}))
        assert r.status_code == 202
        job = wait_job(app, r.json()["id"], 120)
        assert job.status == "failed"
        assert "limit of 0.5 s" in job.error
        polled = c.get(f"/api/jobs/{job.id}").json()
        assert polled["status"] == "failed" and polled["error"] == job.error
        assert 0 < polled["done"] < polled["total"] == 200_000


def test_an_unknown_job_is_404(client: TestClient) -> None:
    r = client.get("/api/jobs/nope")
    assert r.status_code == 404 and "no job 'nope'" in r.json()["error"]


@pytest.mark.parametrize(("samples", "seed"), [(300, 5), (1, 0)])
def test_a_run_end_to_end_stores_the_rows_of_brink_run(tmp_path: Path, samples: int, seed: int) -> None:
    app = create_app(ServeSettings(store=tmp_path / "runs.duckdb", scenario_dir=tmp_path, **SMALL))
    with TestClient(app) as c:
        r = c.post("/api/runs", json=full({"scenario": SCENARIO, "samples": samples, "seed": seed}))
        assert r.status_code == 202 and r.json()["status"] == "running"
        job = wait_job(app, r.json()["id"])
        polled = c.get(f"/api/jobs/{job.id}").json()
        assert polled["status"] == "done", polled["error"]
        assert polled["done"] == polled["total"] == samples
        run_id = polled["result"]["run_id"]
        listed = c.get("/api/store/runs").json()
        assert run_id in [x["id"] for x in listed]
        got = c.get(f"/api/store/runs/{run_id}")
        assert got.status_code == 200 and got.json()["scenario_text"] == bundled_text()
        csv = c.get(f"/api/store/runs/{run_id}/samples.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.text)).set_index("sample")
    assert len(table) == samples
    ref = run(load_scenario(SCENARIO), samples, seed, keep_samples=True)
    expected = ref.to_pandas()
    outcome_columns = [col for col, (role, _) in ref.roles().items() if role == "outcome"]
    assert outcome_columns
    assert list(table.index) == list(expected.index)
    for col in outcome_columns:
        np.testing.assert_allclose(table[col].to_numpy(dtype=float), expected[col].to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-12, err_msg=col)
    for k, o in polled["result"]["outcomes"].items():
        assert o["p"] == pytest.approx(ref.outcomes[k]["p"], abs=1e-12), k
    # one headline and one glossary: the page shows the lines brink run prints
    from brink.measures import headline, measure

    assert polled["result"]["headline"] == headline(ref.outcomes, "auto", None)
    for k, m in polled["result"]["measures"].items():
        entry = measure(k)
        assert entry is not None and m == {"group": entry.group, "meaning": entry.meaning, "unit": entry.unit}
    assert set(polled["result"]["metrics"]) <= set(polled["result"]["measures"])


def test_whatif_and_tree_answer_with_controls_and_an_outline(client: TestClient) -> None:
    w = client.post("/api/whatif", json=full({"scenario": SCENARIO, "samples": 200, "seed": 2}))
    assert w.status_code == 200
    body = w.json()
    assert body["samples"] == 200 and {c["name"] for c in body["controls"]} >= {"crisis.balance"}
    pinned = client.post("/api/whatif", json=full({"scenario": SCENARIO, "samples": 200, "seed": 2,
                                              "ranges": {"crisis.balance": [0.9, 0.9]}}))
    assert pinned.status_code == 200 and pinned.json()["outcomes"] != body["outcomes"]
    bad = client.post("/api/whatif", json=full({"scenario": SCENARIO, "samples": 200, "ranges": {"crisis.balance": [2, 3]}}))
    assert bad.status_code == 422 and bad.json()["where"] == "ranges.crisis.balance"
    t = client.post("/api/tree", json=full({"scenario": SCENARIO}, "/api/tree"))
    assert t.status_code == 200 and t.json()["nodes"] >= 2 and t.json()["root"]["on_path"]


# ---- solvers ---------------------------------------------------------------------------------------


def test_the_solvers_listed_are_the_registry() -> None:
    from brink.solvers.registry import SOLVERS

    with TestClient(make_app()) as c:
        listed = c.get("/api/health").json()["solvers"]
    assert [s["name"] for s in listed] == ["auto", *SOLVERS]
    assert {s["name"] for s in listed if s["lambda"]} == {k for k, e in SOLVERS.items() if "lam" in e.parameters}


def test_a_whatif_and_a_run_use_the_solver_and_lambda_asked_for() -> None:
    """On ukraine-2022 the subgame-perfect equilibrium and QBI (lambda 3) settle in different
    shares of samples: the app gives each solver's numbers, equal to a WhatIf of the same model."""
    from brink.model import CrisisModel
    from brink.scenario import load_scenario
    from brink.web.whatif import WhatIf

    with TestClient(make_app()) as c:
        spe = c.post("/api/whatif", json=full({"scenario": "ukraine-2022", "samples": 200, "solver": "spe"})).json()
        qbi = c.post("/api/whatif", json=full({"scenario": "ukraine-2022", "samples": 200, "solver": "qbi", "lam": 3})).json()
        job = c.post("/api/runs", json=full({"scenario": "ukraine-2022", "samples": 200, "solver": "qbi", "lam": 3})).json()
        done = wait_job(c.app, job["id"], 120)
    direct = WhatIf(CrisisModel(load_scenario("ukraine-2022"), "qbi", 3.0), 200, 0).evaluate()
    direct_spe = WhatIf(CrisisModel(load_scenario("ukraine-2022"), "spe"), 200, 0).evaluate()
    assert spe["outcomes"]["settlement"]["mean"] == pytest.approx(direct_spe.outcomes["settlement"][0], abs=1e-12)
    assert spe["outcomes"]["settlement"]["mean"] != pytest.approx(qbi["outcomes"]["settlement"]["mean"], abs=0.01)
    assert qbi["outcomes"]["settlement"]["mean"] == pytest.approx(direct.outcomes["settlement"][0], abs=1e-12)
    assert qbi["outcomes"]["settlement"]["mean"] < 0.95
    assert done.status == "done" and done.result["solver"] == "qbi" and done.result["lambda"] == 3.0
    assert done.result["outcomes"]["settlement"]["p"] == pytest.approx(qbi["outcomes"]["settlement"]["mean"], abs=1e-12)


@pytest.mark.parametrize(("solver", "lam", "words"), [("nope", None, "unknown solver"), ("spe", 3.0, "lambda"),
                                                      ("auto", 3.0, "lambda")])  # auto is spe on this template
def test_a_bad_solver_or_lambda_is_422_with_the_choices(solver: str, lam: float | None, words: str) -> None:
    body: dict[str, Any] = {"scenario": SCENARIO, "samples": 10, "solver": solver}
    if lam is not None:
        body["lam"] = lam
    with TestClient(make_app()) as c:
        r = c.post("/api/whatif", json=full(body))
    assert r.status_code == 422 and words in r.json()["error"]


# ---- a stored run's report ---------------------------------------------------------------------------


def test_a_stored_runs_report_uses_its_solver_and_is_bounded_in_time() -> None:
    """The report of a stored run is rebuilt from its scenario text, seed and solver (qbi, lambda 3:
    its outcome table shows the run's own first-samples numbers), and it is built as a job: past the
    server's time limit the request gets 422 naming the limit, and the job list keeps no copy of it."""
    from brink.runs import run
    from brink.scenario import load_scenario

    app = make_app(time_limit=60.0)
    with TestClient(app) as c:
        job = c.post("/api/runs", json=full({"scenario": "deterrence-rudimentary", "samples": 300, "solver": "qbi", "lam": 3})).json()
        done = wait_job(app, job["id"])
        run_id = done.result["run_id"]
        r = c.get(f"/api/store/runs/{run_id}/report")
        assert r.status_code == 200 and f"brink report: run {run_id}" in r.text
        assert "attachment" in r.headers["content-disposition"]
        direct = run(load_scenario("deterrence-rudimentary"), 300, 0, solver="qbi", lam=3.0).to_json()
        challenge = direct["outcomes"]["challenge"]["p"]
        assert f"{100 * challenge:.1f}%" in r.text  # the qbi run's number, not SPE's
        reports = [j for j in app.state.jobs._jobs.values() if j.kind == "report"]
        assert reports and all("html" not in (j.result or {}) for j in reports)
        job = c.post("/api/runs", json=full({"scenario": "ukraine-2022", "samples": 200})).json()
        run_id = wait_job(app, job["id"]).result["run_id"]
    # the same store; solving 200 samples of the escalation crisis takes longer than the limit
    slow = make_app(time_limit=0.05)
    with TestClient(slow) as c:
        r = c.get(f"/api/store/runs/{run_id}/report")
    assert r.status_code == 422 and "limit of 0.05 s" in r.json()["error"]


# ---- issue 24: every setting stated, the numbers of the command line -------------------------------

MISSING = [
    ("/api/runs", {"scenario": SCENARIO, "samples": 10, "seed": 0, "lam": None}, "solver"),
    ("/api/runs", {"scenario": SCENARIO, "samples": 10, "seed": 0, "solver": "auto"}, "lam"),
    ("/api/runs", {"scenario": SCENARIO, "seed": 0, "solver": "auto", "lam": None}, "samples"),
    ("/api/runs", {"scenario": SCENARIO, "samples": 10, "solver": "auto", "lam": None}, "seed"),
    ("/api/whatif", {"scenario": SCENARIO, "seed": 0, "solver": "auto", "lam": None}, "samples"),
    ("/api/tree", {"scenario": SCENARIO, "seed": 0, "solver": "auto", "lam": None}, "sample"),
    ("/api/compare", {"a": {"scenario": SCENARIO, "solver": "qbi", "lam": 3}, "b": {"scenario": SCENARIO},
                      "samples": 10, "seed": 0}, "b.solver"),
    ("/api/compare", {"a": {"scenario": SCENARIO, "solver": "auto", "lam": None},
                      "b": {"scenario": SCENARIO, "solver": "auto", "lam": None}, "seed": 0}, "samples"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "sensitivity", "outcome": "partners_abandon", "seed": 0,
                       "solver": "auto", "lam": None}, "base_samples"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "sensitivity", "base_samples": 8, "seed": 0,
                       "solver": "auto", "lam": None}, "outcome"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "discovery", "outcome": "partners_abandon", "samples": 100,
                       "direction": "above", "seed": 0, "solver": "auto", "lam": None}, "threshold"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "discovery", "outcome": "partners_abandon", "samples": 100,
                       "threshold": 0.3, "seed": 0, "solver": "auto", "lam": None}, "direction"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "policies", "outcome": "partners_abandon", "samples": 100,
                       "seed": 0, "solver": "auto", "lam": None}, "minimize"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "simulate", "seed": 0, "solver": "auto", "lam": None},
     "samples"),
    ("/api/analyses", {"scenario": SCENARIO, "kind": "simulate", "samples": 10, "solver": "auto", "lam": None},
     "seed"),
]


@pytest.mark.parametrize(("path", "body", "setting"), MISSING)
def test_a_request_without_a_setting_is_refused_naming_it(path: str, body: dict[str, Any], setting: str) -> None:
    """The server fills in no setting: a request that leaves one out is 422, naming it, and starts nothing."""
    app = make_app()
    with TestClient(app) as c:
        r = c.post(path, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["where"] == setting and setting in r.json()["error"]
        assert app.state.jobs.running() == 0 and not app.state.jobs._jobs


def cli_json(*args: str) -> Any:
    """``brink ARGS --json --no-store`` in process: the command line's numbers."""
    import json

    from typer.testing import CliRunner

    import brink.cli.analysis  # noqa: F401  (registers the analysis commands)
    from brink.cli import app

    result = CliRunner().invoke(app, [*args, "--json", "--no-store"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def solver_args(solver: str, lam: float | None) -> list[str]:
    return ["--solver", solver, *(["--lambda", str(lam)] if lam is not None else [])]


def analysis(c: TestClient, app: FastAPI, body: dict[str, Any]) -> dict[str, Any]:
    r = c.post("/api/analyses", json=body)
    assert r.status_code == 202, r.text
    job = wait_job(app, r.json()["id"], 300)
    assert job.status == "done", job.error
    out: dict[str, Any] = job.result
    return out


SOLVERS = [("auto", None), ("qbi", 3.0)]


@pytest.mark.parametrize(("solver", "lam"), SOLVERS)
def test_each_analysis_is_the_command_lines_with_the_same_settings(solver: str, lam: float | None) -> None:
    """Sobol' with the base samples asked for, PRIM with the threshold asked for, policies in the
    direction asked for: the numbers of brink sensitivity / discover / policies."""
    app = make_app(max_samples=2000, max_base_samples=64, time_limit=120.0)
    ref = {"scenario": SCENARIO, "solver": solver, "lam": lam, "seed": 3}
    flags = [SCENARIO, "--seed", "3", *solver_args(solver, lam)]
    with TestClient(app) as c:
        sens = analysis(c, app, {**ref, "kind": "sensitivity", "outcome": "partners_abandon", "base_samples": 16})
        prim = analysis(c, app, {**ref, "kind": "discovery", "outcome": "partners_abandon", "samples": 400,
                                 "threshold": 0.3, "direction": "above"})
        pol = analysis(c, app, {**ref, "kind": "policies", "outcome": "partners_abandon", "samples": 100,
                                "minimize": False})
    cli = cli_json("sensitivity", *flags, "--outcome", "partners_abandon", "--samples", "16")
    assert sens["n_base"] == cli["n_base"] == 16
    assert sens["rows"] == cli["table"]
    cli = cli_json("discover", *flags, "--outcome", "partners_abandon", "--samples", "400", "--threshold", "0.3")
    assert prim["threshold"] == cli["threshold"] == 0.3 and prim["base_density"] == cli["base_density"]
    assert [b["limits"] for b in prim["boxes"]] == [b["limits"] for b in cli["boxes"]]
    cli = cli_json("policies", *flags, "--outcome", "partners_abandon", "--samples", "100", "--maximize")
    assert pol["policies"] == cli["policies"] and pol["minimize"] is False


def test_prim_below_a_threshold_is_prim_above_it_of_the_complement() -> None:
    """direction=below takes the samples under the threshold as the cases of interest: their share
    is one minus the share above it (no sample sits exactly at it here), and no sample or every
    sample being a case is refused, naming the threshold."""
    app = make_app(max_samples=2000, time_limit=120.0)
    ref = {"scenario": SCENARIO, "solver": "auto", "lam": None, "seed": 1, "kind": "discovery",
           "outcome": "partners_abandon", "samples": 400}
    with TestClient(app) as c:
        above = analysis(c, app, {**ref, "threshold": 0.3, "direction": "above"})
        below = analysis(c, app, {**ref, "threshold": 0.3, "direction": "below"})
        assert below["direction"] == "below" and below["n"] == above["n"]
        assert below["base_density"] == pytest.approx(1 - above["base_density"], abs=1e-12)
        r = c.post("/api/analyses", json={**ref, "threshold": 1.0, "direction": "above"})
        job = wait_job(app, r.json()["id"], 300)
    assert job.status == "failed" and "no sample has partners_abandon above 1" in job.error


@pytest.mark.parametrize(("solver", "lam"), [("spe", None), ("qbi", 3.0)])
def test_compare_of_a_library_scenario_with_itself_is_zero_under_each_solver(solver: str, lam: float | None) -> None:
    """The defect of issue 24: B from the library was solved with the default solver. Now both sides
    carry theirs, the result names them, and a scenario compared with itself differs by 0.0."""
    app = make_app(max_samples=2000, time_limit=120.0)
    side = {"solver": solver, "lam": lam}
    with TestClient(app) as c:
        r = c.post("/api/compare", json={"a": {"text": bundled_text("ukraine-2022"), **side},
                                         "b": {"scenario": "ukraine-2022", **side}, "samples": 60, "seed": 0})
        done = wait_job(app, r.json()["id"], 300)
        assert done.status == "done", done.error
        out = done.result
        assert out["same_solver"] and "warning" not in out
        assert out["sides"]["a"] == out["sides"]["b"] == {"solver": solver, "lambda": lam}
        diffs = [row["difference"]["mean"] for row in out["rows"] if row["difference"]["mean"] is not None]
        assert diffs and all(d == 0.0 for d in diffs)
        mixed = c.post("/api/compare", json={"a": {"scenario": SCENARIO, "solver": "auto", "lam": None},
                                             "b": {"scenario": SCENARIO, "solver": "qbi", "lam": 3},
                                             "samples": 50, "seed": 0})
        out = wait_job(app, mixed.json()["id"], 300).result
    assert out["same_solver"] is False and "qbi (λ = 3)" in out["warning"] and "auto" in out["warning"]


def test_history_opens_a_simulate_run_and_a_report_job_shows_progress(tmp_path: Path) -> None:
    """A stored simulate run opens with its three figures; a stored run's report is a job whose
    progress can be polled, and its page is sent once."""
    app = create_app(ServeSettings(store=tmp_path / "runs.duckdb", scenario_dir=tmp_path, **{**SMALL, "time_limit": 120.0}))
    ref = {"scenario": SCENARIO, "solver": "auto", "lam": None, "seed": 0}
    with TestClient(app) as c:
        sim = analysis(c, app, {**ref, "scenario": "ukraine-2022", "kind": "simulate", "samples": 20})
        opened = c.get(f"/api/store/runs/{sim['run_id']}").json()
        assert opened["kind"] == "simulate" and set(opened["figures"]) == {"survival", "reserves", "partners"}
        assert all(f["data"] for f in opened["figures"].values()) and opened["facts"]
        job = c.post("/api/runs", json={**ref, "samples": 50}).json()
        run_id = wait_job(app, job["id"]).result["run_id"]
        started = c.post(f"/api/store/runs/{run_id}/report")
        assert started.status_code == 202 and started.json()["kind"] == "report"
        done = wait_job(app, started.json()["id"], 120)
        polled = c.get(f"/api/jobs/{done.id}").json()
        assert polled["status"] == "done" and polled["total"] >= 1 and polled["done"] == polled["total"]
        page = c.get(f"/api/reports/{polled['result']['report']}")
        assert page.status_code == 200 and f"run {run_id}" in page.text
        assert len(page.text) == polled["result"]["bytes"]
        assert c.get(f"/api/reports/{polled['result']['report']}").status_code == 404


def test_outcomes_offered_are_those_that_vary_on_the_draw() -> None:
    """/api/outcomes: each outcome's mean, range and variance on the draw, the most variable first;
    under spe no ukraine-2022 sample reaches central-attack (three rounds, one rung a round), so that rung is flat
    (not offered)."""
    from brink.model import CrisisModel

    ref = {"solver": "auto", "lam": None, "seed": 4, "samples": 128}
    with TestClient(make_app()) as c:
        exchange = c.post("/api/outcomes", json={**ref, "scenario": SCENARIO}).json()
        escalation = c.post("/api/outcomes", json={**ref, "scenario": "ukraine-2022", "solver": "spe"}).json()
    model = CrisisModel(load_scenario(SCENARIO))
    ev = model.evaluate(model.draw(4, 0, 128))
    ok = ~np.asarray(ev.failed, dtype=bool)
    rows = {r["name"]: r for r in exchange["outcomes"]}
    assert set(rows) == set(ev.outcomes)
    for name, values in ev.outcomes.items():
        v = np.asarray(values, dtype=float)[ok]
        assert rows[name]["mean"] == pytest.approx(float(v.mean()), abs=1e-12)
        assert rows[name]["varies"] == (float(v.max() - v.min()) > 1e-9)
    variances = [r["variance"] for r in exchange["outcomes"]]
    assert variances == sorted(variances, reverse=True)
    flat = {r["name"] for r in escalation["outcomes"] if not r["varies"]}
    assert "rung.central-attack" in flat and "partners_abandon" not in flat and "settlement" not in flat


# ---- the Host check (DNS rebinding) ----------------------------------------------------------------


def _concrete(path: str) -> str:
    """A route's path with every ``{param}`` filled in (``samples.{fmt}`` with csv)."""
    import re

    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: "csv" if m.group(1) == "fmt" else "x1", path)


def test_a_foreign_host_gets_400_from_every_endpoint() -> None:
    """A page that rebinds its own name to 127.0.0.1 still sends that name: every route the app
    has (the page, static files, the schema, every API endpoint, an unknown path) refuses it
    before it runs, with the app's JSON error naming the Host."""
    from starlette.routing import Route

    app = make_app()
    routes = [r for r in app.routes if isinstance(r, Route)]
    assert len(routes) >= 20
    tried = 0
    with TestClient(app) as c:
        for route in routes:
            for method in sorted(route.methods or {"GET"}):
                if method == "HEAD":
                    continue
                for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", "127.0.0.1:1", ""):
                    r = c.request(method, _concrete(route.path), headers={"host": host},
                                  json=full({"scenario": SCENARIO}, route.path) if method == "POST" else None)
                    assert r.status_code == 400, (method, route.path, host, r.status_code)
                    assert r.json()["where"] == "Host" and "--allow-host" in r.json()["fix"]
                    tried += 1
        for path in ("/static/app.css", "/static/plotly.min.js", "/nowhere"):
            assert c.get(path, headers={"host": "evil.example"}).status_code == 400
        assert c.get("/api/health").status_code == 200  # testserver is allowed in these tests
    assert tried >= 5 * len(routes)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1:8765", True), ("localhost:8765", True), ("LOCALHOST:8765", True), ("[::1]:8765", True),
     ("127.0.0.1:8766", False), ("127.0.0.1", False), ("localhost", False), ("evil.example:8765", False),
     ("lab.example", True), ("lab.example:9000", True), ("pinned.example:8765", True),
     ("pinned.example:8766", False), ("pinned.example", False), ("localhost:87x5", False), (":8765", False)],
)
def test_the_hosts_the_server_answers(host: str, allowed: bool) -> None:
    s = ServeSettings(allow_host=("lab.example", "pinned.example:8765"))
    assert s.host_allowed(host) is allowed
    app = create_app(ServeSettings(store=_ROOT / "runs.duckdb", scenario_dir=_ROOT / "scenarios",
                                   allow_host=("lab.example", "pinned.example:8765")))
    with TestClient(app) as c:
        assert c.get("/api/health", headers={"host": host}).status_code == (200 if allowed else 400)


def test_any_port_is_answered_when_the_system_chose_it() -> None:
    s = ServeSettings(port=0)
    assert s.host_allowed("127.0.0.1:40123") and s.host_allowed("localhost:1")
    assert not s.host_allowed("evil.example:40123") and not s.host_allowed(None)


def test_non_finite_or_zero_limits_are_refused_by_the_settings() -> None:
    for bad in (float("inf"), float("nan"), 0.0, -1.0):
        with pytest.raises(ValueError, match="time_limit"):
            ServeSettings(time_limit=bad)
    with pytest.raises(ValueError, match="max_trees"):
        ServeSettings(max_trees=0)


# ---- the game tree's limits ----------------------------------------------------------------------

#: issue 25's reproducer, resized to issue 22's game: 116,165 nodes (the reproducer's 118,193-node game's
#: 200 samples took the server from 545 MB to 3.0-3.5 GB), over the view's limit, under the builder's.
BIG_TREE = {"scenario": "ukraine-2022", "overrides": ["process.rounds=4", "process.offers=[0.2,0.4,0.6,0.8]"]}
#: 12,281 nodes: under the node limit (issue 25's 16,553-node game, resized to issue 22's).
MID_TREE = {"scenario": "ukraine-2022", "overrides": ["process.rounds=3", "process.offers=[0.1,0.5,0.9]"]}


@pytest.mark.parametrize("path", ["/api/tree", "/api/tree.efg"])
def test_a_tree_past_the_node_limit_is_422_naming_it(client: TestClient, path: str) -> None:
    started = time.monotonic()
    r = client.post(path, json=full(BIG_TREE, "/api/tree"))
    assert r.status_code == 422
    assert "nodes, over the tree view's limit of 50,000" in r.json()["error"] and r.json()["where"] == "overrides"
    assert time.monotonic() - started < 5  # refused from the count, before the game is built


def test_a_tree_past_the_memory_budget_is_422_naming_it() -> None:
    """fearon-1995's template cannot count its nodes beforehand: the footprint of one sample is the check."""
    with TestClient(make_app(tree_memory=64 * 2**20)) as c:
        r = c.post("/api/tree", json=full({"scenario": "fearon-1995"}, "/api/tree"))
        assert r.status_code == 422 and "MiB" in r.json()["error"] and "64 MiB" in r.json()["error"]
        assert c.post("/api/tree", json=full({"scenario": SCENARIO}, "/api/tree")).status_code == 200


def test_a_tree_past_the_time_limit_is_422_naming_it() -> None:
    with TestClient(make_app(time_limit=1e-6)) as c:
        r = c.post("/api/tree", json=full({"scenario": SCENARIO}, "/api/tree"))
        assert r.status_code == 422 and "time limit" in r.json()["error"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 15, "nuclear", True])
def test_a_tree_refuses_a_lever_value_the_whatif_refuses(client: TestClient, value: Any) -> None:
    lever = "energy_discount.offered_usd_per_bbl" if not isinstance(value, str) else "doctrines.NATO.declared"
    for path in ("/api/whatif", "/api/tree", "/api/tree.efg"):
        body = full({"scenario": SCENARIO, "samples": 50, "levers": {lever: value}}, path)
        if path != "/api/whatif":
            body = full({"scenario": SCENARIO, "levers": {lever: value}}, "/api/tree")
        r = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 422, (path, value)
        assert r.json()["where"] == f"levers.{lever}"
    ok = client.post("/api/tree", json=full({"scenario": SCENARIO, "levers": {lever: 10}}, "/api/tree"))
    assert ok.status_code == 200 or isinstance(value, str)


def _rss(pid: int, key: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {key} in /proc/{pid}/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's RSS from /proc")
def test_the_servers_memory_stays_bounded_under_tree_requests(tmp_path: Path) -> None:
    """The server in its own process, with one tree at a time and a 768 MiB tree budget.

    The reproducer is refused without the server's peak RSS growing by 64 MiB; three concurrent
    trees of a 12,281-node game (issue 25 measured a 16,553-node one: about 330 MiB each built alone) all succeed, one after another,
    and the peak stays within the budget of one tree above the warmed-up server (without the
    cap, three at once took 1,139 MiB above it here; with it, 510 MiB).
    """
    import concurrent.futures
    import urllib.error
    import urllib.request

    from web_server import serving_process

    def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(url + "/api/tree", json.dumps(full(body, "/api/tree")).encode(),
                                     {"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    budget = 768 * 2**20
    (tmp_path / "scenarios").mkdir()
    with serving_process(tmp_path / "runs.duckdb", tmp_path / "scenarios", max_trees=1, tree_memory=budget) as (url, pid):
        assert post(url, {"scenario": "ukraine-2022"})[0] == 200  # imports and caches warmed up
        base = _rss(pid, "VmHWM")
        code, body = post(url, BIG_TREE)
        assert code == 422 and "50,000" in body["error"]
        assert _rss(pid, "VmHWM") - base < 64 * 2**20
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: post(url, MID_TREE), range(3)))
        assert [a[0] for a in answers] == [200, 200, 200]
        assert all(a[1]["total"] == 12_281 for a in answers)
        peak = _rss(pid, "VmHWM")
        print(f"server RSS: warmed-up peak {base / 2**20:.0f} MiB, after three concurrent trees {peak / 2**20:.0f} MiB")
        assert peak - base < budget


def test_outcomes_are_solved_in_pieces_under_the_time_limit() -> None:
    """/api/outcomes solves its draw in pieces (a what-if slot, the time limit between them):
    4,000 samples in four pieces give the numbers of one evaluation of the whole draw."""
    from brink.model import CrisisModel

    ref = {"solver": "auto", "lam": None, "seed": 4, "samples": 4000, "scenario": SCENARIO}
    with TestClient(make_app()) as c:
        rows = {r["name"]: r for r in c.post("/api/outcomes", json=ref).json()["outcomes"]}
    model = CrisisModel(load_scenario(SCENARIO))
    ev = model.evaluate(model.draw(4, 0, 4000))
    ok = ~np.asarray(ev.failed, dtype=bool)
    for name, row in rows.items():
        v = np.asarray(ev.outcomes[name], dtype=float)[ok]
        assert row["mean"] == pytest.approx(float(v.mean()), abs=1e-12)
        assert row["variance"] == pytest.approx(float(v.var()), abs=1e-12)
    with TestClient(make_app(time_limit=1e-6)) as c:
        r = c.post("/api/outcomes", json=ref)
    assert r.status_code == 422 and "time limit" in r.json()["error"]


def test_a_strict_validation_answers_its_warnings(client: TestClient) -> None:
    """The strict checks solve the model (under a what-if slot); their warnings are those of
    ``brink validate --strict``."""
    from brink.analysis.audit import strict_warnings

    text = resources.files("brink.scenario.bundled").joinpath(f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    r = client.post("/api/validate", json={"text": text, "strict": True})
    assert r.status_code == 200 and r.json()["ok"]
    from brink.scenario import load_scenario_text

    expected = strict_warnings(load_scenario_text(text, "editor.yaml"))
    assert len(r.json()["warnings"]) >= len(expected) > 0 or expected == [] == r.json()["warnings"]
