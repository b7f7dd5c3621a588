"""The ``brink serve`` application: a local web workbench over brink's runs and analyses.

One page (``/``, with its script and style and plotly.js from the installed ``plotly``
package: nothing is fetched from outside) talks to a JSON API under ``/api``:

- the scenario library (bundled scenarios and the files of the scenario folder), the
  text of one, validation with located errors, and help for every schema field;
- Monte Carlo runs in the background with progress, stored in the run store;
- live what-if (:mod:`brink.web.whatif`): sliders over every uncertainty's range and menus
  of every lever, re-solving one fixed draw of samples on common random numbers;
- the game tree as a collapsible outline (:mod:`brink.web.tree`);
- sensitivity (Sobol'), discovery (PRIM with its peeling trajectory), compare, policies and
  the months after the war (``brink simulate``), each a background job;
- the run history of the store: a run's summary and scenario, its per-sample table as CSV
  or Parquet, its report.

Charts are the report's own plotly figures (:mod:`brink.report.figures`) sent as JSON, so
the app and the report draw the same pictures.  Limits: :mod:`brink.web.settings`.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from brink import __version__
from brink.errors import BrinkError, InputError
from brink.scenario.random import MAX_SEED
from brink.web.jobs import Jobs, PacedExecutor, Progress
from brink.web.settings import ServeSettings

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Files the page loads, by the name it asks for: the package's own and plotly.js.
STATIC = {
    "app.js": ("brink.web.static", "app.js", "text/javascript"),
    "app.css": ("brink.web.static", "app.css", "text/css"),
    "plotly.min.js": ("plotly", "package_data/plotly.min.js", "text/javascript"),
}
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
#: Largest scenario text (characters) a request may carry.
MAX_TEXT = 256 * 1024
#: Most samples a stored run's report re-solves (its numbers are the run's own first samples).
REPORT_SAMPLES = 2000
#: Rows per chunk of an analysis started from the app: the steps of its progress bar and of its time limit.
ANALYSIS_CHUNK = 1024
#: An outcome varies across samples when its largest and smallest per-sample values differ by more
#: than this (a probability of 1 - 1e-12 in one sample is a rounding of 1, not a different answer).
VARIES = 1e-9
#: Samples drawn for the game tree's reach probabilities.
TREE_SAMPLES = 200
#: Most samples /api/outcomes solves between looks at the time limit (pieces of nearly equal size).
OUTCOMES_PIECE = 1024

Seed = Annotated[int, Field(ge=0, lt=MAX_SEED, description="Random seed (common random numbers).")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Text = Annotated[str, Field(max_length=MAX_TEXT, description="Scenario YAML (or JSON) text.")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioRef(_Body):
    """A scenario by library name or as text (the text wins when both are given), with its solver.

    ``solver`` and ``lam`` are required (``lam`` may be ``null``: the solver's own default, or a
    solver that takes none): a request that leaves a setting out is refused, never filled in,
    so two numbers the page shows side by side are always solved as the page says.
    """

    scenario: Name | None = Field(None, description="Name from /api/scenarios.")
    text: Text | None = None
    overrides: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=50, description="Changes PATH=VALUE, as brink run --set."
    )
    solver: Annotated[str, Field(max_length=40, description="A registered solver (/api/health) or auto.")]
    lam: Annotated[float | None, Field(gt=0, le=1e6, description="Logit precision of qre or qbi (null: none, or "
                                       "the solver's default).")]


class ValidateBody(_Body):
    text: Text
    strict: bool = Field(False, description="Also warn of unsourced numbers, inert commitments and levers.")


class RunBody(ScenarioRef):
    samples: int = Field(ge=1, description="Monte Carlo samples (capped by the server).")
    seed: Seed


class WhatIfBody(ScenarioRef):
    samples: int = Field(ge=1)
    first: int | None = Field(None, ge=1, description="Solve only the draw's first samples (a quick preview).")
    seed: Seed
    ranges: dict[Annotated[str, Field(max_length=200)], tuple[float, float]] = Field(
        default_factory=dict, max_length=500, description="Uncertainty -> [low, high] (low = high pins it)."
    )
    levers: dict[Annotated[str, Field(max_length=200)], str | float | int | bool] = Field(
        default_factory=dict, max_length=100
    )


class TreeBody(ScenarioRef):
    seed: Seed
    sample: int = Field(ge=0, lt=TREE_SAMPLES, description="Which sample of the draw the tree shows.")
    levers: dict[Annotated[str, Field(max_length=200)], str | float | int | bool] = Field(
        default_factory=dict, max_length=100, description="Lever settings (none: the scenario as written)."
    )


class AnalysisBody(ScenarioRef):
    """An analysis; the settings each kind needs (:data:`ANALYSIS_NEEDS`) must all be given."""

    kind: Literal["sensitivity", "discovery", "policies", "simulate"]
    seed: Seed
    outcome: Annotated[str, Field(max_length=200)] | None = Field(None, description="Outcome to analyse.")
    samples: int | None = Field(None, ge=1, description="Samples (discovery, policies, simulate).")
    base_samples: int | None = Field(None, ge=1, description="Sobol' base samples (sensitivity).")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="PRIM: the outcome's threshold.")
    direction: Literal["above", "below"] | None = Field(
        None, description="PRIM: a case of interest is above the threshold (brink discover) or below it."
    )
    minimize: bool | None = Field(None, description="Policies: minimise the outcome (else maximise).")


#: The settings each kind of analysis needs; a request without one of them is refused (422).
ANALYSIS_NEEDS: dict[str, tuple[str, ...]] = {
    "sensitivity": ("outcome", "base_samples"),
    "discovery": ("outcome", "samples", "threshold", "direction"),
    "policies": ("outcome", "samples", "minimize"),
    "simulate": ("samples",),
}


class OutcomesBody(ScenarioRef):
    seed: Seed
    samples: int = Field(ge=2, le=4096, description="Samples of the draw the outcomes are summarised on.")


class CompareBody(_Body):
    a: ScenarioRef
    b: ScenarioRef
    samples: int = Field(ge=1)
    seed: Seed


class _Cache:
    """A small least-recently-used map, safe across the server's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def pop(self, key: Any) -> Any:
        with self._lock:
            return self._items.pop(key, None)

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413, however it is sent.

    A declared ``Content-Length`` over the limit is refused before anything is read; a body
    sent in chunks is read up to the limit (at most ``limit`` bytes held) and refused as soon
    as it passes it, else handed on whole.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        chunks: list[bytes] = []
        seen, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = bytes(message.get("body", b""))
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"the request body is larger than {limit:,} bytes",
                       "fix": "send a smaller scenario (brink serve --max-body raises the limit)"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _error(status: int, message: str, where: str = "", fix: str = "") -> JSONResponse:
    return JSONResponse({"error": message, "where": where, "fix": fix}, status_code=status)


def _finite(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become ``None`` (JSON has neither); a dict stays a dict."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _clean(value: dict[str, Any]) -> dict[str, Any]:
    """:func:`_finite` of a JSON object."""
    out: dict[str, Any] = _finite(value)
    return out


def _figure(fig: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(fig.to_json())
    return out


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The FastAPI application of ``brink serve`` with ``settings`` (default: loopback, default store)."""
    settings = settings or ServeSettings()
    app = FastAPI(
        title="brink",
        version=__version__,
        description="brink's local workbench: scenarios, runs, live what-if, game trees and analyses.",
        docs_url=None,
        redoc_url=None,
    )
    jobs = Jobs(settings.max_runs, settings.time_limit)
    scenarios = _Cache(settings.cache_size)
    whatifs = _Cache(settings.cache_size)
    reports = _Cache(4)
    whatif_slots = threading.BoundedSemaphore(settings.max_whatif)
    tree_slots = threading.BoundedSemaphore(settings.max_trees)
    pool = ThreadPoolExecutor(settings.threads, thread_name_prefix="brink-whatif")
    app.state.settings, app.state.jobs = settings, jobs

    @app.middleware("http")
    async def token_check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if settings.token is not None:
            given = request.headers.get("x-brink-token") or request.query_params.get("token")
            if given != settings.token:
                return _error(401, "this server asks for its token", "token",
                              "open the address brink serve printed (it carries ?token=...)")
        return await call_next(request)

    @app.exception_handler(BrinkError)
    async def brink_error(_: Request, exc: BrinkError) -> JSONResponse:
        if isinstance(exc, InputError):
            return _error(422, str(exc), exc.where, exc.fix)
        return _error(422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()[:10]
        missing = [".".join(str(p) for p in e.get("loc", ())[1:]) or "body" for e in errors
                   if e.get("type") == "missing"]
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors
            if e.get("type") != "missing"
        ]
        if missing:
            return _error(422, "; ".join(["the request leaves out the setting(s) " + ", ".join(missing)
                                          + ": every request states every setting, none is filled in", *problems]),
                          missing[0], "send them all (the API schema at /openapi.json lists them)")
        return _error(422, "; ".join(problems) or "malformed request", "request body",
                      "see the API schema at /openapi.json")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    app.add_middleware(BodyLimit, limit=settings.max_body)

    @app.middleware("http")
    async def host_check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # outermost: a page that rebinds its own name to this machine is refused before anything runs
        host = request.headers.get("host")
        if not settings.host_allowed(host):
            return _error(400, f"this server does not answer to the host {str(host)[:200]!r}", "Host",
                          "open the address brink serve printed, or start it with --allow-host NAME")
        return await call_next(request)

    # ---- the scenario library ------------------------------------------------------------

    from brink.scenario import bundled_scenarios

    bundled = {name: {"name": name, "title": title, "origin": "bundled"} for name, title in bundled_scenarios().items()}

    def library() -> dict[str, dict[str, str]]:
        out = dict(bundled)
        folder = settings.scenario_dir
        if folder is not None and folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.suffix in SCENARIO_SUFFIXES and p.is_file() and not p.is_symlink():
                    out.setdefault(p.name, {"name": p.name, "title": "", "origin": "folder"})
        return out

    def scenario_text(name: str) -> tuple[str, str]:
        """The text and source name of a library entry; only listed names are read."""
        entry = library().get(name)
        if entry is None:
            raise InputError(f"no scenario named {name!r} in the library", "scenario",
                             "choose one listed by /api/scenarios")
        if entry["origin"] == "bundled":
            item = resources.files("brink.scenario.bundled").joinpath(f"{name}.yaml")
            return item.read_text(encoding="utf-8"), f"{name}.yaml"
        assert settings.scenario_dir is not None
        from brink.scenario.document import read_document_text

        return read_document_text(settings.scenario_dir / name), name

    def resolve(ref: ScenarioRef) -> tuple[str, str]:
        if ref.text is not None:
            return ref.text, "editor.yaml"
        if ref.scenario is not None:
            return scenario_text(ref.scenario)
        raise InputError("no scenario given", "scenario", "give a library name (scenario) or its text (text)")

    def model_of(ref: ScenarioRef) -> Any:
        """The scenario's model, cached by its text (parsing and compiling once)."""
        from brink.model import CrisisModel
        from brink.scenario import load_scenario_text
        from brink.solvers.registry import check_solver

        text, source = resolve(ref)
        changes = list(ref.overrides)
        solver = check_solver(ref.solver, ref.lam, auto_takes_lambda=True)  # the model refuses auto where it is spe
        key = hashlib.sha256(json.dumps([source, text, changes, solver, ref.lam]).encode()).hexdigest()
        model = scenarios.get(
            key, lambda: CrisisModel(load_scenario_text(text, source, changes), solver, ref.lam, settings.memory)
        )
        if changes:
            text += "\n# brink serve overrides: " + ", ".join(c.replace("\n", " ") for c in changes) + "\n"
        return model, text

    def capped(n: int, cap: int, what: str) -> int:
        if n > cap:
            raise InputError(f"{n:,} {what} is more than this server allows ({cap:,})", what,
                             f"ask for at most {cap:,} (brink serve's limits are in its --help)")
        return n

    # ---- pages -----------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        html = resources.files("brink.web.static").joinpath("index.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("__BRINK_VERSION__", __version__))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        entry = STATIC.get(name)
        if entry is None:
            raise HTTPException(404, f"no static file {name!r}")
        package, path, media = entry
        return Response(resources.files(package).joinpath(path).read_bytes(), media_type=media,
                        headers={"cache-control": "max-age=3600"})

    # ---- scenarios ---------------------------------------------------------------------------

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        """Version, the registered solvers, limits and how many runs are running."""
        from brink.solvers.registry import AUTO, SOLVERS

        return {"version": __version__, "running": jobs.running(),
                "solvers": [{"name": AUTO, "description": "the template's default: qbi at the lambda fitted on ICB for escalation "
                             "scenarios, else subgame-perfect equilibrium of the perfect-information game",
                             "lambda": False}]
                + [{"name": k, "description": e.description, "lambda": "lam" in e.parameters}
                   for k, e in SOLVERS.items()],
                "limits": {
            "max_body": settings.max_body, "max_samples": settings.max_samples,
            "max_whatif_samples": settings.max_whatif_samples, "max_base_samples": settings.max_base_samples,
            "time_limit": settings.time_limit, "max_runs": settings.max_runs, "max_trees": settings.max_trees,
            "tree_memory": settings.tree_memory, "max_tree_nodes": settings.max_tree_nodes}}

    @app.get("/api/scenarios")
    def scenarios_list() -> list[dict[str, str]]:
        """The library: bundled scenarios, then the scenario folder's files."""
        return list(library().values())

    @app.get("/api/scenarios/{name}")
    def scenario_get(name: Name) -> dict[str, str]:
        """One library scenario's text."""
        text, source = scenario_text(name)
        return {"name": name, "source": source, "text": text}

    @app.post("/api/validate")
    def validate(body: ValidateBody) -> dict[str, Any]:
        """Check a scenario text: ``ok``, or its errors, each at ``line:col`` of the text; with ``strict``
        also the warnings of ``brink validate --strict`` (:mod:`brink.analysis.audit`)."""
        from brink.scenario import load_scenario_text

        try:
            sc = load_scenario_text(body.text, "editor.yaml")
        except InputError as exc:
            return {"ok": False, "errors": located_errors(str(exc)), "warnings": []}
        warnings: list[dict[str, Any]] = []
        if body.strict:
            from brink.analysis.audit import strict_warnings

            # the strict checks solve the model on a small draw per lever option: a what-if's slot
            if not whatif_slots.acquire(timeout=settings.whatif_wait):
                raise HTTPException(503, f"{settings.max_whatif} what-if evaluations are running; try again in a moment")
            try:
                warnings = [w for text in strict_warnings(sc) for w in located_errors(text)]
            finally:
                whatif_slots.release()
        return {"ok": True, "errors": [], "warnings": warnings, "name": sc.name, "template": sc.template,
                "title": getattr(sc, "title", "") or "", "uncertainties": len(sc.parameters.uncertainties),
                "levers": list(sc.levers)}

    @app.get("/api/help")
    def field_help() -> dict[str, str]:
        """Every schema field's description by its key (``crisis.balance`` and ``balance``)."""
        from brink.scenario.schema import json_schema

        return schema_help(json_schema())

    # ---- runs ----------------------------------------------------------------------------------

    def open_store() -> Any:
        from brink.store import Store, default_store_path

        return Store(settings.store or default_store_path())

    @app.post("/api/runs", status_code=202)
    def start_run(body: RunBody) -> dict[str, Any]:
        """Start a Monte Carlo run (stored); poll ``/api/jobs/{id}`` for progress and result."""
        from brink.measures import headline, measure
        from brink.runs import run

        model, text = model_of(body)
        samples = capped(body.samples, settings.max_samples, "samples")

        def work(progress: Progress) -> dict[str, Any]:
            result = run(model.scenario, samples, body.seed, progress=progress, store=open_store(),
                         scenario_text=text, solver=body.solver, lam=body.lam)
            out = result.to_json()
            ok = [(k, o) for k, o in out["outcomes"].items() if o.get("p") is not None]
            out["figure"] = _figure(_outcomes_figure(ok))
            out["run_id"] = result.run_id
            out["words"] = path_words(model, out.get("paths", []))
            out["headline"] = headline(out["outcomes"], model.solver, model.lam, model.auto)
            out["measures"] = {k: {"group": m.group, "meaning": m.meaning, "unit": m.unit}
                               for k in (*out["outcomes"], *out["metrics"]) if (m := measure(k)) is not None}
            return _clean(out)

        return jobs.start("run", work).to_json()

    @app.get("/api/jobs/{job_id}")
    def job_get(job_id: Annotated[str, Field(max_length=64)]) -> dict[str, Any]:
        """A job's status, progress (samples done of total) and, once done, its result."""
        try:
            return jobs.get(job_id).to_json()
        except KeyError:
            raise HTTPException(404, f"no job {job_id!r}") from None

    # ---- what-if and the tree ----------------------------------------------------------------

    @app.post("/api/whatif")
    def whatif(body: WhatIfBody) -> dict[str, Any]:
        """Re-solve the fixed draw under ``ranges`` and ``levers``; with neither, also the controls."""
        from brink.web.whatif import WhatIf

        model, _ = model_of(body)
        n = capped(body.samples, settings.max_whatif_samples, "samples")
        key = (id(model), n, body.seed)
        if not whatif_slots.acquire(timeout=settings.whatif_wait):
            raise HTTPException(503, f"{settings.max_whatif} what-if evaluations are running; try again in a moment")
        try:
            # built inside the slot: a new what-if sizes the model's game (its footprint) first
            w: WhatIf = whatifs.get(key, lambda: WhatIf(model, n, body.seed))
            result = w.evaluate(body.ranges, body.levers, deadline=time.monotonic() + settings.time_limit,
                                pool=pool, first=body.first)
        finally:
            whatif_slots.release()
        out = _clean(result.to_json())
        out["controls"] = [_finite(c.to_json()) for c in w.controls()]
        return out

    def tree_game(body: TreeBody, deadline: float) -> tuple[Any, Any, Any]:
        """The game of the tree's draw and its solution, within the tree's limits.

        Before anything of the size of the game is allocated: the levers are checked as the
        what-if checks them, the template's node count (where it can count without building)
        against ``max_tree_nodes``, then the model's footprint of the draw against
        ``tree_memory``; building and solving stop at the time limit between their stages.
        The caller holds a slot of ``max_trees`` (:func:`tree_slot`) while the game exists.
        """
        from brink.templates.base import get_template
        from brink.web.whatif import check_levers

        model, _ = model_of(body)
        check_levers(model, body.levers)
        levers = body.levers or None
        variant = model._variant(levers)[0]
        count = getattr(get_template(variant.template), "node_estimate", None)
        nodes = int(count(variant)) if count is not None else None
        if nodes is not None and nodes > settings.max_tree_nodes:
            raise InputError(f"the game of {model.name} would have about {nodes:,} nodes, over the tree view's "
                             f"limit of {settings.max_tree_nodes:,}", "overrides",
                             "make the game smaller (fewer rounds, offers or rungs); brink export and "
                             "brink solve take larger games")
        fp = model.footprint(levers)
        need = fp.fixed + TREE_SAMPLES * fp.per_sample
        if fp.nodes > settings.max_tree_nodes or need > settings.tree_memory:
            raise InputError(f"the game of {model.name} ({fp.describe()}) needs about {need / 2**20:,.0f} MiB "
                             f"for the tree's {TREE_SAMPLES} samples, over the tree view's limits of "
                             f"{settings.max_tree_nodes:,} nodes and {settings.tree_memory / 2**20:,.0f} MiB",
                             "overrides", "make the game smaller (fewer rounds, offers or rungs); brink "
                             "export and brink solve take larger games")
        past(deadline)
        params = model.draw(body.seed, 0, TREE_SAMPLES)
        past(deadline)
        game, solution = model.game(params, levers)
        past(deadline)
        return model, game, solution

    @contextmanager
    def tree_slot() -> Iterator[None]:
        """One of ``max_trees`` slots, held while a tree's game exists (built, outlined or written)."""
        if not tree_slots.acquire(timeout=settings.whatif_wait):
            raise HTTPException(503, f"{settings.max_trees} game trees are being built; try again in a moment")
        try:
            yield
        finally:
            tree_slots.release()

    def past(deadline: float) -> None:
        if time.monotonic() > deadline:
            raise InputError(f"the game tree ran past the server's time limit of {settings.time_limit:g} s",
                             "time limit", "make the game smaller, or raise the limit with brink serve --time-limit")

    @app.post("/api/tree")
    def tree(body: TreeBody) -> dict[str, Any]:
        """The game of one sample of the draw as a collapsible outline: payoffs at the leaves,
        information sets, action probabilities and the equilibrium path (:mod:`brink.web.tree`)."""
        from brink.web.tree import tree_outline

        deadline = time.monotonic() + settings.time_limit
        with tree_slot():
            model, game, solution = tree_game(body, deadline)
            out = tree_outline(game, solution, sample=body.sample)
            del game, solution
        past(deadline)
        out.update(solver=model.solver, lam=model.lam, seed=body.seed, levers=body.levers)
        return _clean(out)

    @app.post("/api/tree.efg")
    def tree_efg(body: TreeBody) -> Response:
        """The game of the sample the tree shows as a Gambit ``.efg`` file (:func:`brink.efg.write_efg`,
        as ``brink export``): it loads in Gambit, whose solvers find the page's equilibrium path."""
        from brink.efg import write_efg

        deadline = time.monotonic() + settings.time_limit
        with tree_slot():
            model, game, _ = tree_game(body, deadline)
            text = write_efg(game, body.sample)
            del game
        name = f"{model.name}-seed{body.seed}-sample{body.sample}.efg"
        return Response(text, media_type="text/plain; charset=utf-8", headers=_download(name))

    # ---- analyses --------------------------------------------------------------------------

    @app.post("/api/analyses", status_code=202)
    def analysis(body: AnalysisBody) -> dict[str, Any]:
        """Start sensitivity, discovery (PRIM), policies or the months after the war; poll the job."""
        for need in ANALYSIS_NEEDS[body.kind]:
            if getattr(body, need) is None:
                raise InputError(f"a {body.kind} request needs the setting {need!r}; none is filled in", need,
                                 f"send {', '.join(ANALYSIS_NEEDS[body.kind])} with every {body.kind}")
        model, text = model_of(body)
        samples = capped(body.samples or 1, settings.max_samples, "samples")
        base = capped(body.base_samples or 1, settings.max_base_samples, "base samples")
        outcome = str(body.outcome)
        work: dict[str, Callable[[Progress], dict[str, Any]]] = {
            "sensitivity": lambda p: sensitivity_job(model, outcome, base, body.seed, PacedExecutor(p)),
            "discovery": lambda p: discovery_job(model, outcome, samples, body.seed, float(body.threshold or 0.0),
                                                 PacedExecutor(p), below=body.direction == "below"),
            "policies": lambda p: policies_job(model, outcome, samples, body.seed, bool(body.minimize),
                                               PacedExecutor(p)),
            "simulate": lambda p: simulate_job(model, samples, body.seed, p, open_store(), text),
        }
        unit = "samples" if body.kind == "simulate" else "chunks"
        return jobs.start(body.kind, work[body.kind], unit).to_json()

    @app.post("/api/compare", status_code=202)
    def compare_start(body: CompareBody) -> dict[str, Any]:
        """Start a comparison of two scenarios (B − A) on common random numbers."""
        from brink.analysis.compare import compare
        from brink.report.figures import compare_figure

        model_a, _ = model_of(body.a)
        model_b, _ = model_of(body.b)
        samples = capped(body.samples, settings.max_samples, "samples")

        sides = {k: {"solver": m.solver, "lambda": m.lam} for k, m in (("a", model_a), ("b", model_b))}

        def work(progress: Progress) -> dict[str, Any]:
            result = compare(model_a, model_b, samples, body.seed, executor=PacedExecutor(progress),
                             chunk=ANALYSIS_CHUNK)
            out = result.to_json()
            out["figure"] = _figure(compare_figure(result))
            out["sides"] = sides
            out["same_solver"] = sides["a"] == sides["b"]
            if not out["same_solver"]:
                out["warning"] = (f"A is solved with {_solver_words(sides['a'])} and B with "
                                  f"{_solver_words(sides['b'])}: the differences mix the change with the "
                                  "change of solver")
            return _clean(out)

        return jobs.start("compare", work, "chunks").to_json()

    @app.post("/api/outcomes")
    def outcomes(body: OutcomesBody) -> dict[str, Any]:
        """The scenario's outcomes on a small draw: mean, range, variance and whether each varies
        across samples by more than :data:`VARIES` (only those can be explained by sensitivity or
        split by PRIM), the most variable first."""
        import numpy as np

        from brink.evaluation import concatenate

        model, _ = model_of(body)
        deadline = time.monotonic() + settings.time_limit
        params = model.draw(body.seed, 0, body.samples)
        # a what-if's slot and its time limit between pieces: this solves the model too
        if not whatif_slots.acquire(timeout=settings.whatif_wait):
            raise HTTPException(503, f"{settings.max_whatif} what-if evaluations are running; try again in a moment")
        try:
            pieces: list[Any] = []
            k = -(-body.samples // OUTCOMES_PIECE)
            bounds = [i * body.samples // k for i in range(k + 1)]
            for a, b in pairwise(bounds):
                if time.monotonic() > deadline:
                    raise InputError(f"the outcomes of {body.samples:,} samples ran past the server's time limit of "
                                     f"{settings.time_limit:g} s", "samples",
                                     "use fewer samples, or raise the limit with brink serve --time-limit")
                pieces.append(model.evaluate({k: v[a:b] for k, v in params.items()}))
        finally:
            whatif_slots.release()
        ev = pieces[0] if len(pieces) == 1 else concatenate(pieces)
        ok = ~np.asarray(ev.failed, dtype=bool)
        rows: list[dict[str, Any]] = []
        for name, values in ev.outcomes.items():
            v = np.asarray(values, dtype=np.float64)[ok]
            v = v[np.isfinite(v)]
            if v.size == 0:
                continue
            rows.append({"name": name, "mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()),
                         "median": float(np.median(v)), "variance": float(v.var()),
                         "varies": bool(v.max() - v.min() > VARIES)})
        rows.sort(key=lambda r: -r["variance"])
        return _clean({"samples": body.samples, "seed": body.seed, "solver": model.solver, "lam": model.lam,
                       "outcomes": rows})

    # ---- the run store ---------------------------------------------------------------------

    @app.get("/api/store/runs")
    def runs_list(kind: Annotated[str | None, Field(max_length=40)] = None,
                  limit: Annotated[int, Field(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
        """The newest stored runs (all kinds, or one)."""
        store = open_store()
        records = store.list_runs(kind=kind, limit=limit) if kind else store.list_runs(limit=limit)
        return [_finite(r.to_dict()) for r in records]

    @app.get("/api/store/runs/{run_id}")
    def run_get(run_id: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9\-]+$")]) -> dict[str, Any]:
        """A stored run: its record, summary and scenario text."""
        record = open_store().get_run(run_id)
        out = _clean(record.to_dict(with_scenario=True))
        summary = record.summary or {}
        if record.kind == "run" and summary.get("outcomes"):
            ok = [(k, o) for k, o in summary["outcomes"].items() if o.get("p") is not None]
            out["figure"] = _figure(_outcomes_figure(ok))
        elif record.kind == "simulate" and summary.get("table"):
            out["figures"] = simulate_figures(summary)
        out["facts"] = _summary_facts(summary)
        return out

    @app.get("/api/store/runs/{run_id}/samples.{fmt}")
    def run_samples(run_id: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9\-]+$")],
                    fmt: Literal["csv", "parquet"]) -> FileResponse:
        """The run's per-sample table as a CSV or Parquet download (written to a temporary file)."""
        folder = Path(tempfile.mkdtemp(prefix="brink-export-"))
        path = open_store().export(run_id, folder / f"{run_id}.{fmt}", fmt)

        def clean() -> None:
            path.unlink(missing_ok=True)
            folder.rmdir()

        return FileResponse(path, filename=path.name, background=BackgroundTask(clean),
                            media_type="text/csv" if fmt == "csv" else "application/octet-stream")

    @app.get("/api/store/runs/{run_id}/report", response_class=HTMLResponse)
    def run_report(run_id: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9\-]+$")]) -> HTMLResponse:
        """The stored run's report: an analysis run's own, or a run's outcomes, paths and tree."""
        from brink.report.document import STORED_REPORTS, build_stored_report

        record = open_store().get_run(run_id)
        if record.kind in STORED_REPORTS:
            html, _ = build_stored_report(record.kind, {**(record.summary or {}), "run_id": record.id},
                                          title=f"brink {record.kind}: run {record.id}")
            return HTMLResponse(html, headers=_download(f"brink-{record.id}.html"))
        if record.kind != "run" or not record.scenario_text:
            raise InputError(f"run {record.id} ({record.kind}) has no report", "report",
                             "open a run of kind run, simulate, fit or backtest")
        # built as a job: it counts against --max-runs and stops at the time limit
        job = jobs.start("report", lambda progress: {"html": run_report_html(record, PacedExecutor(progress))}, "chunks")
        done = jobs.wait(job.id, settings.time_limit + 10)
        if done.status != "done" or done.result is None:
            raise InputError(done.error or f"the report of run {record.id} is still being built", "report",
                             "try again later, or start brink serve with a larger --time-limit")
        html = str(done.result["html"])
        done.result = {"bytes": len(html)}  # the job list keeps no copy of the page
        return HTMLResponse(html, headers=_download(f"brink-{record.id}.html"))

    @app.post("/api/store/runs/{run_id}/report", status_code=202)
    def run_report_start(run_id: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9\-]+$")]) -> dict[str, Any]:
        """Start building the stored run's report as a job (poll ``/api/jobs/{id}`` for its progress;
        ``GET /api/reports/{job id}`` then sends the page once)."""
        from brink.report.document import STORED_REPORTS, build_stored_report

        record = open_store().get_run(run_id)
        if record.kind in STORED_REPORTS:
            def stored(progress: Progress) -> dict[str, Any]:
                html, _ = build_stored_report(record.kind, {**(record.summary or {}), "run_id": record.id},
                                              title=f"brink {record.kind}: run {record.id}")
                return keep_report(record.id, html)

            return jobs.start("report", stored, "chunks").to_json()
        if record.kind != "run" or not record.scenario_text:
            raise InputError(f"run {record.id} ({record.kind}) has no report", "report",
                             "open a run of kind run, simulate, fit or backtest")
        return jobs.start("report", lambda progress: keep_report(
            record.id, run_report_html(record, PacedExecutor(progress))), "chunks").to_json()

    def keep_report(run_id: str, html: str) -> dict[str, Any]:
        """Hold a built report for one download (the job itself keeps only its size)."""
        token = hashlib.sha256(f"{run_id}{time.monotonic_ns()}".encode()).hexdigest()[:16]
        reports.get(token, lambda: (run_id, html))
        return {"bytes": len(html), "report": token, "run_id": run_id}

    @app.get("/api/reports/{token}", response_class=HTMLResponse)
    def report_get(token: Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]+$")]) -> HTMLResponse:
        """A report built by ``POST /api/store/runs/{id}/report``, as a download."""
        entry = reports.pop(token)
        if entry is None:
            raise HTTPException(404, f"no report {token!r} (each is sent once; build it again)")
        run_id, html = entry
        return HTMLResponse(html, headers=_download(f"brink-{run_id}.html"))

    def run_report_html(record: Any, executor: PacedExecutor) -> str:
        """A stored run's report from its stored scenario text, at its seed and with its solver
        (outcomes, paths, tree, sensitivity and discovery on at most :data:`REPORT_SAMPLES`)."""
        from brink.model import CrisisModel
        from brink.report import build_report
        from brink.scenario import load_scenario_text

        params = record.parameters or {}
        model = CrisisModel(load_scenario_text(record.scenario_text, f"{record.scenario_name}.yaml"),
                            str(params.get("solver", "auto")), params.get("lambda"), settings.memory)
        n = min(int(record.n_samples or REPORT_SAMPLES), REPORT_SAMPLES)
        game, solution = model.game(model.draw(record.seed, 0, TREE_SAMPLES))
        html, _ = build_report(model, samples=n, seed=record.seed, title=f"brink report: run {record.id}",
                               sensitivity_samples=16, game=game, solution=solution,
                               description=str(getattr(model.scenario, "description", "") or ""),
                               executor=executor, chunk=ANALYSIS_CHUNK)
        return html

    # ---- jobs' bodies and words ------------------------------------------------------------

    def path_words(model: Any, paths: list[dict[str, Any]]) -> list[list[str]]:
        from brink.analysis.explain import players_of
        from brink.evaluation import decision_players
        from brink.web.whatif import path_in_words

        players = decision_players(players_of(model, model.draw(0, 0, 1)))
        return [path_in_words(" > ".join(p["path"]) if isinstance(p.get("path"), list) else str(p.get("path", "")),
                              players) for p in paths[:5]]

    return app


def _download(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"'}


def _outcomes_figure(rows: list[tuple[str, dict[str, Any]]]) -> Any:
    from brink.analysis.intervals import Interval
    from brink.report.figures import outcomes_figure

    return outcomes_figure([(k, Interval(o["p"], o["ci95"][0], o["ci95"][1], o.get("n", 0))) for k, o in rows])


def located_errors(message: str) -> list[dict[str, Any]]:
    """An :class:`InputError`'s message split into one entry per ``editor.yaml:LINE:COL: ...`` line."""
    import re

    out = []
    for part in re.split(r"(?=editor\.yaml:\d+:\d+)", message):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"editor\.yaml:(\d+):(\d+):?\s*(.*)", part, re.S)
        if m:
            out.append({"line": int(m.group(1)), "col": int(m.group(2)), "message": m.group(3).strip()})
        else:
            out.append({"line": None, "col": None, "message": part.removeprefix("editor.yaml: ")})
    return out


def schema_help(schema: dict[str, Any]) -> dict[str, str]:
    """Field descriptions of a JSON schema by dotted key and by last key (first description wins)."""
    defs: dict[str, Any] = schema.get("$defs", {})
    out: dict[str, str] = {}

    def walk(node: Any, path: str, depth: int) -> None:
        if not isinstance(node, dict) or depth > 8:
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            walk(defs.get(ref.rsplit("/", 1)[-1], {}), path, depth + 1)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []) or []:
                walk(sub, path, depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, f"{path}.*" if path else "*", depth + 1)
        for name, sub in (node.get("properties") or {}).items():
            key = f"{path}.{name}" if path else name
            text = sub.get("description") if isinstance(sub, dict) else None
            if isinstance(text, str) and text:
                out.setdefault(key, text)
                out.setdefault(name, text)
            walk(sub, key, depth + 1)

    walk(schema, "", 0)
    return out


def sensitivity_job(model: Any, outcome: str, base: int, seed: int, executor: Any) -> dict[str, Any]:
    """Sobol' indices of ``outcome`` from ``base`` base samples: the numbers of
    ``brink sensitivity --outcome OUTCOME --samples BASE`` with the same seed and solver."""
    from brink.analysis.sensitivity import sobol
    from brink.report.document import sensitivity_warnings
    from brink.report.figures import sensitivity_figure

    result = sobol(model, outcome, base, seed, executor=executor, chunk=ANALYSIS_CHUNK)
    rows = result.table()
    return _clean({"outcome": outcome, "because": f"{outcome} was chosen on the page.", "rows": rows,
                   "n_base": result.n_base, "warnings": sensitivity_warnings(rows, result.n_base),
                   "figure": _figure(sensitivity_figure(result))})


class _Below:
    """A model whose evaluations also carry ``name`` = 1 where ``outcome < threshold`` (else 0), so
    that PRIM's cases of interest (``> 0.5``) are the samples below the threshold."""

    def __init__(self, model: Any, outcome: str, threshold: float, name: str) -> None:
        self._model, self._outcome, self._threshold, self._name = model, outcome, threshold, name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._model, attr)

    def evaluate(self, params: Any, levers: Any = None) -> Any:
        import dataclasses

        import numpy as np

        from brink.analysis.experiments import select_outcome

        ev = self._model.evaluate(params, levers)
        vals = select_outcome(ev, self._outcome)
        below = np.where(vals.failed, np.nan, (vals.values < self._threshold).astype(np.float64))
        return dataclasses.replace(ev, outcomes={**ev.outcomes, self._name: below})


def discovery_job(
    model: Any, outcome: str, samples: int, seed: int, threshold: float, executor: Any, below: bool = False
) -> dict[str, Any]:
    """PRIM on the samples where ``outcome`` is above ``threshold`` (``brink discover``'s cases of
    interest, the same numbers) or, with ``below``, under it; refused when no sample, or every
    sample, is a case (the outcome does not vary across the threshold)."""
    from brink.analysis.prim import discover
    from brink.report.figures import discovery_figure

    evaluator, target, limit = model, outcome, threshold
    if below:
        target = f"{outcome} < {threshold:g}"
        evaluator, limit = _Below(model, outcome, threshold, target), 0.5
    result = discover(evaluator, target, samples, seed, threshold=limit, executor=executor, chunk=ANALYSIS_CHUNK)
    out = result.to_json()
    density = float(out.get("base_density") or 0.0)
    if density <= 0.0 or density >= 1.0:
        side = "below" if below else "above"
        raise InputError(f"{'no' if density <= 0.0 else 'every'} sample has {outcome} {side} {threshold:g}: "
                         "there is nothing for PRIM to separate", "threshold",
                         "choose a threshold inside the outcome's range (the page offers only outcomes that vary)")
    out.update(outcome=outcome, threshold=threshold, direction="below" if below else "above",
               because=f"{outcome} {'<' if below else '>'} {threshold:g}, as chosen on the page.")
    out["steps"] = [[b.limits(result.names) for b in t.boxes] for t in result.trajectories]
    out["figure"] = _figure(discovery_figure(result))
    return _clean(out)


def policies_job(model: Any, outcome: str, samples: int, seed: int, minimize: bool, executor: Any) -> dict[str, Any]:
    """Every lever combination ranked by regret on ``outcome``: the numbers of ``brink policies``."""
    from brink.analysis.policies import policies
    from brink.report.figures import policies_figure

    result = policies(model, outcome, samples, seed, minimize, executor=executor, chunk=ANALYSIS_CHUNK)
    out = result.to_json()
    out["minimize"] = minimize
    out["figure"] = _figure(policies_figure(result))
    return _clean(out)


def simulate_figures(result: dict[str, Any]) -> dict[str, Any]:
    """The survival, reserves and partners' figures of a simulate result (or stored summary)."""
    from brink.report.figures import reserves_figure, support_figure, survival_figure

    return {"survival": _figure(survival_figure(result)), "reserves": _figure(reserves_figure(result)),
            "partners": _figure(support_figure(result))}


def simulate_job(model: Any, samples: int, seed: int, progress: Progress, store: Any, text: str) -> dict[str, Any]:
    from brink.runs.simulate import simulate

    result = simulate(model.scenario, samples, seed, progress=progress, store=store, scenario_text=text,
                      solver=model.solver, lam=model.lam)
    out = result.to_json()
    out["figures"] = simulate_figures(out)
    return _clean(out)


def _solver_words(side: dict[str, Any]) -> str:
    lam = side.get("lambda")
    return f"{side['solver']}" + (f" (λ = {lam:g})" if lam is not None else "")


def _summary_facts(summary: dict[str, Any]) -> list[list[str]]:
    """A stored run's summary as ``[key, value]`` rows of its plain values (every kind of run)."""
    out = []
    for key, value in summary.items():
        if isinstance(value, bool | int | float | str) and key != "run_id":
            out.append([str(key), str(value)])
        elif isinstance(value, dict | list):
            out.append([str(key), f"{len(value)} entries"])
    return out[:40]
