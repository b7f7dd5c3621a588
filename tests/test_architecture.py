"""The shape of the code: who may import whom, and what every template declares (issue #11).

* The scenario language (``brink.scenario``) imports no template: templates register
  their schema with it (:mod:`brink.scenario.registry`), never the reverse.
* The import graph of ``src/brink`` has no cycle (imports under ``TYPE_CHECKING`` are
  annotations only and do not count).
* No template package imports another's modules: what the crisis templates share lives
  in :mod:`brink.crisis`, which imports no template (issue #21).
* The core (games, its drawing, solvers, templates, mechanisms, the post-war game, the
  scenario language, ...) imports nothing from the report, the workbench or the command
  line: they call the core, never the reverse (issue #21).
* A theory template's scenario carries only its own numbers, not the crisis template's.
* Every registered template publishes a :class:`~brink.templates.base.Capabilities`
  record that matches what its bundled scenarios give.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from brink.builder import compile_game
from brink.scenario import Scenario, load_scenario
from brink.scenario.registry import SCHEMAS
from brink.solvers import solve
from brink.templates import REGISTRY
from brink.templates.base import Capabilities, Template

SRC = Path(__file__).resolve().parents[1] / "src"


def _modules(src: Path = SRC) -> dict[str, Path]:
    out = {}
    for path in (src / "brink").rglob("*.py"):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The brink modules ``name`` imports anywhere in its text, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules:
                    yield full
                elif base in modules:
                    yield base


def _graph(src: Path = SRC) -> dict[str, set[str]]:
    """Who imports whom among the modules of ``src/brink`` (another checkout's with ``src``)."""
    modules = _modules(src)
    return {name: set(_imports(name, path, modules)) - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan 1972), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(frozenset(component))
    return out


def test_the_scenario_package_imports_no_template() -> None:
    graph = _graph()
    scenario = [name for name in graph if name == "brink.scenario" or name.startswith("brink.scenario.")]
    assert len(scenario) >= 10
    offenders = {
        name: sorted(t for t in graph[name] if t == "brink.templates" or t.startswith("brink.templates."))
        for name in scenario
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_import_graph_of_brink_has_no_cycle() -> None:
    cycles = _cycles(_graph())
    assert [sorted(c) for c in cycles] == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _template_of(name: str) -> str | None:
    """The template package or module ``name`` belongs to (``brink.templates.escalation`` for
    ``brink.templates.escalation.tree``); ``None`` outside the templates, for the registry
    (``brink.templates``) and for the base every template builds on (``brink.templates.base``)."""
    parts = name.split(".")
    if len(parts) < 3 or parts[:2] != ["brink", "templates"] or parts[2] == "base":
        return None
    return ".".join(parts[:3])


def _cross_template_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a template's module imports another template's."""
    return sorted(
        (m, d) for m, deps in graph.items() if (t := _template_of(m)) is not None
        for d in deps if _template_of(d) not in (None, t)
    )


#: The core: what the command line, the report and the workbench call.
CORE = (
    "brink.games", "brink.drawing", "brink.solvers", "brink.templates", "brink.mechanisms", "brink.aftermath",
    "brink.scenario", "brink.crisis", "brink.builder", "brink.arrays", "brink.errors", "brink.efg",
    "brink.evaluation", "brink.model",
)
#: The edges of the data flow, which call the core.
EDGES = ("brink.report", "brink.web", "brink.cli")


def _core_imports_of_edges(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(core module, report / workbench / command-line module it imports) pairs."""
    return sorted((m, d) for m, deps in graph.items() if _within(m, CORE) for d in deps if _within(d, EDGES))


def test_no_template_imports_another_template() -> None:
    """The escalation template reads the crisis concepts from :mod:`brink.crisis`, not from
    the crisis template's modules; every template package keeps to itself."""
    graph = _graph()
    assert {_template_of(m) for m in graph} >= {"brink.templates.crisis", "brink.templates.escalation"}
    assert _cross_template_imports(graph) == []


def test_the_shared_crisis_concepts_import_no_template() -> None:
    """:mod:`brink.crisis` may use the template API (:mod:`brink.templates.base`), no template."""
    graph = _graph()
    shared = [m for m in graph if _within(m, ("brink.crisis",))]
    assert {"brink.crisis.schema", "brink.crisis.terms", "brink.crisis.rungs", "brink.crisis.outcomes"} <= set(shared)
    assert sorted((m, d) for m in shared for d in graph[m] if d == "brink.templates" or _template_of(d)) == []


def test_the_core_imports_no_report_workbench_or_command_line() -> None:
    """``Game.draw()`` draws with the core's :mod:`brink.drawing`, which the report imports."""
    graph = _graph()
    assert all(any(_within(m, (c,)) for m in graph) for c in CORE)
    assert _core_imports_of_edges(graph) == []
    assert "brink.drawing" in graph["brink.report.figures"] and "brink.drawing" in graph["brink.games"]


def test_the_import_rules_find_offenders() -> None:
    graph = {
        "brink.templates.escalation.spec": {"brink.templates.crisis.spec", "brink.templates.base", "brink.crisis"},
        "brink.templates.crisis.tree": {"brink.templates.crisis.spec"},
        "brink.templates": {"brink.templates.crisis", "brink.templates.fearon"},
        "brink.templates.fearon": {"brink.templates.base"},
        "brink.games": {"brink.report.figures", "brink.arrays"},
        "brink.solvers.spe": {"brink.cli.options"},
        "brink.report.figures": {"brink.games"},
    }
    assert _cross_template_imports(graph) == [("brink.templates.escalation.spec", "brink.templates.crisis.spec")]
    assert _core_imports_of_edges(graph) == [("brink.games", "brink.report.figures"), ("brink.solvers.spe", "brink.cli.options")]


#: Sections that only the crisis template declares.
CRISIS_SECTIONS = ("crisis", "commitments", "doctrines", "partners", "energy_discount", "survival", "costs")


@pytest.mark.parametrize("name", ["fearon-1995", "deterrence-rudimentary", "tripartite-crisis", "alternating-offers",
                                  "audience-costs", "brinkmanship", "war-of-attrition"])
def test_theory_scenarios_carry_no_crisis_parameters(name: str) -> None:
    sc = load_scenario(name)
    names = sc.parameters.names
    assert names and all(n.startswith(("game.", "actors.")) for n in names), names
    assert not [n for n in names if n.split(".", 1)[0] in CRISIS_SECTIONS]
    assert not any(hasattr(sc, section) for section in CRISIS_SECTIONS)


def test_fearon_parameters_are_its_game_only() -> None:
    assert load_scenario("fearon-1995").parameters.names == [
        "game.p", "game.c_A", "game.c_bar", "game.offers", "game.types"
    ]


def test_a_crisis_scenario_keeps_its_sections() -> None:
    names = load_scenario("ukraine-2022-exchange").parameters.names
    for prefix in ("energy_discount.", "survival.", "costs.", "crisis.", "doctrines."):
        assert any(n.startswith(prefix) for n in names), prefix


def _bundled() -> dict[str, list[str]]:
    """Bundled scenario names by template."""
    import yaml

    out: dict[str, list[str]] = {}
    for item in sorted(resources.files("brink.scenario.bundled").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8"))
            out.setdefault(data.get("template", "crisis"), []).append(item.name[:-5])
    return out


def test_every_bundled_template_is_registered_and_every_registered_one_has_a_scenario() -> None:
    bundled = _bundled()
    assert set(bundled) <= set(REGISTRY)
    assert {name for name, t in REGISTRY.items() if type(t).__module__.startswith("brink.templates")} <= set(bundled)


@pytest.mark.parametrize("name", sorted({n for names in _bundled().values() for n in names}))
def test_capabilities_match_the_bundled_scenarios(name: str) -> None:
    """Names, players, information sets and the fast read-out as each template declares them."""
    _check_contract(load_scenario(name))


def _check_contract(sc: Scenario) -> dict[str, np.ndarray]:
    """The checks every template passes on a scenario; returns the outcomes of 16 samples."""
    template = REGISTRY[sc.template]
    caps = template.capabilities
    assert isinstance(caps, Capabilities)
    assert "spe" in caps.solvers
    params = sc.parameters.draw(0, 0, 16)
    prepared = template.prepare(sc, params)
    game = compile_game(sc, params, "perfect", prepared)
    assert game.n_players == len(caps.players)
    solution = solve(game, "spe")
    outcomes, metrics = template.read_out(sc, params, solution, prepared)
    assert caps.unmatched(outcomes, "outcomes") == []
    assert caps.unmatched(metrics, "metrics") == []
    for key, value in outcomes.items():
        assert value.shape == (16,) and np.all((value >= 0) & (value <= 1)), key
    # read_out without the prepared value (the template computes it) gives the same numbers
    again = template.read_out(sc, params, solution)
    for key in outcomes:
        np.testing.assert_array_equal(again[0][key], outcomes[key], err_msg=key)
    imperfect = compile_game(sc, params, "imperfect")
    infoset = np.asarray(imperfect.infoset)
    shared = bool((np.bincount(infoset[infoset >= 0]) > 1).any())
    assert shared == caps.information_sets
    if caps.fast_read_out:
        from brink.solvers.spe import spe_terminal_reach

        eq = spe_terminal_reach(game)
        fast = template.terminal_read_out(sc, params, game, eq.payoffs, eq.reach, prepared)
        for got, want in zip(fast, (outcomes, metrics), strict=True):
            assert set(got) == set(want)
            for key in want:
                np.testing.assert_allclose(got[key], want[key], rtol=0, atol=1e-12, err_msg=key)
    else:
        with pytest.raises(NotImplementedError):
            template.terminal_read_out(sc, params, game, np.zeros((16, game.n_players)), np.zeros((16, 1)))
    return outcomes


def test_templates_keep_no_state_between_calls() -> None:
    """No caches keyed by object identity: a template instance has no per-evaluation attributes."""
    for template in REGISTRY.values():
        assert vars(template) == {}, type(template).__name__
        assert not hasattr(template, "release")
    assert Template.theory_terms is not REGISTRY["crisis"].theory_terms.__func__  # type: ignore[attr-defined]


def _blocks(text: str, language: str) -> list[str]:
    fence = "`" * 3
    return [block.split("\n", 1)[1] for block in text.split(fence + language)[1:] for block in [block.split(fence)[0]]]


def test_the_guide_example_passes_the_contract(tmp_path: Path) -> None:
    """docs/writing-a-template.md: its module and scenario file, as written, make a working template."""
    guide = (Path(__file__).resolve().parents[1] / "docs" / "writing-a-template.md").read_text(encoding="utf-8")
    (code,) = _blocks(guide, "python")
    (scenario,) = _blocks(guide, "yaml")
    try:
        exec(compile(code, "writing-a-template.md", "exec"), {"__name__": "guide_example"})
        assert "entry-deterrence" in REGISTRY and "entry-deterrence" in SCHEMAS
        path = tmp_path / "entry-deterrence.yaml"
        path.write_text(scenario, encoding="utf-8")
        sc = load_scenario(path)
        assert sc.parameters.names == ["game.monopoly", "game.duopoly", "game.c_fight", "game.c_entrant"]
        assert sc.unsourced() == []
        outcomes = _check_contract(sc)
        np.testing.assert_array_equal(outcomes["entry"], 1.0)
        np.testing.assert_array_equal(outcomes["price_war"], 0.0)
        path.write_text(scenario.replace("duopoly: 1.0", "duopoly: -2"), encoding="utf-8")
        np.testing.assert_array_equal(_check_contract(load_scenario(path))["entry"], 0.0)
    finally:
        REGISTRY.pop("entry-deterrence", None)
        SCHEMAS.pop("entry-deterrence", None)


def test_war_classes_are_derived_from_what_the_mechanisms_declare() -> None:
    """``CLASS_READS`` names the terminal features each per-class mechanism reads; the war
    classes are the distinct rows of their union, and ``prepare`` sees nothing else."""
    from brink.templates.crisis.payoffs import CLASS_FEATURES, CLASS_READS
    from brink.templates.crisis.tree import TERMINAL_FEATURES

    assert set(CLASS_FEATURES) == {f for reads in CLASS_READS.values() for f in reads} <= set(TERMINAL_FEATURES)
    sk = REGISTRY["crisis"].skeleton(load_scenario("ukraine-2022-exchange"))  # type: ignore[attr-defined]
    assert tuple(sk.class_features) == CLASS_FEATURES
    with pytest.raises(KeyError):
        sk.class_features["resolute"]  # not declared by any mechanism: not readable per class
    key = sk.terms.class_key(CLASS_FEATURES)
    assert len(np.unique(key, axis=0)) == len(sk.representatives)
    np.testing.assert_array_equal(key, key[sk.representatives][sk.war_class])


def test_the_web_app_is_an_edge_of_the_data_flow() -> None:
    """The workbench (``brink.web``) calls the core like the command line does: no core module
    imports it, and it imports nothing from the command line (data flows one way)."""
    graph = _graph()
    into_web = sorted(
        m for m, deps in graph.items()
        if not m.startswith(("brink.web", "brink.cli")) and any(d.startswith("brink.web") for d in deps)
    )
    assert into_web == []
    web_to_cli = sorted(
        (m, d) for m, deps in graph.items() if m.startswith("brink.web") for d in deps if d.startswith("brink.cli")
    )
    assert web_to_cli == []
    assert "brink.web.app" in graph["brink.cli.serve"] or "brink.web" in graph["brink.cli.serve"]
