"""The game-template API: how a scenario becomes a game, and a game's solution outcomes.

A *template* turns a validated scenario and arrays of parameter draws into ONE
:class:`brink.games.Game` with a leading sample dimension, and reads the
outcomes of interest off a solved game.  The design follows Axelrod's strategy
classes (Knight et al. 2016): one small class per template, registered by name
in :data:`REGISTRY`; a scenario picks its template with its ``template:`` field
(default ``crisis``).

A template owns its part of the scenario schema.  A small theory template
declares a pydantic ``Spec`` of the scenario's ``game:`` mapping and reads it
through :meth:`Template.spec`; a template with sections of its own (the crisis
template's ``crisis``, ``commitments``, ``doctrines``, ...) declares them as fields
of a subclass of :class:`brink.scenario.Scenario` and names it ``scenario_class``.
:func:`register` hands both to the scenario layer (:mod:`brink.scenario.registry`),
which imports no template.

Numbers in a spec are :class:`brink.scenario.Quantity` values: a number, a
distribution string (``"beta(6, 3)"``) or an expression string.  The scenario
layer collects them by dotted path (``game.p``) and draws them; templates only
ever see ``params``: a mapping from those dotted paths to ``(S,)`` float arrays.

A template is stateless: what it computes once per chunk of samples (the crisis
template's per-war-class quantities) it returns from :meth:`Template.prepare` as a
value, which the caller hands back to :meth:`~Template.build` and
:meth:`~Template.read_out`.  Its extension points are declared here with defaults:
:meth:`~Template.read_out` (outcomes and metrics in one pass),
:meth:`~Template.terminal_read_out` (the fast read-out from the terminal reach of a
subgame-perfect equilibrium, when :attr:`Capabilities.fast_read_out`) and
:meth:`~Template.theory_terms` (theoretical thresholds for ``brink explain``).  Each
template publishes a :class:`Capabilities` record.

Writing a template::

    class Fearon1995(Template):
        name = "fearon-1995"
        description = "Crisis bargaining with private costs (Fearon 1995)."
        Spec = FearonSpec                       # pydantic model of ``game:``

        capabilities = Capabilities(
            players=("A", "B"), information_sets=False, solvers=("spe", "qre"),
            outcomes=("war", "deal"), metrics=("payoff.*", "offer"))

        def build(self, scenario, params, *, information="perfect", prepared=None):
            ...                                  # TreeBuilder with (S, players) payoffs
        def outcomes(self, scenario, params, solution, prepared=None):
            return {"war": solution.reach[:, war_terminals].sum(axis=1)}

    register(Fearon1995())

The guide with a complete, tested example is ``docs/writing-a-template.md``.
"""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, get_args, get_origin

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.scenario import Scenario, register_schema
from brink.scenario.document import Document, validation_error
from brink.scenario.registry import discover_templates

if TYPE_CHECKING:
    from brink.games import Game
    from brink.solvers.result import Solution

__all__ = [
    "REGISTRY",
    "Capabilities",
    "FusedReadOut",
    "Information",
    "ParameterValues",
    "Params",
    "ReadOut",
    "Template",
    "column_sum",
    "get_template",
    "register",
    "sample_count",
]

#: Parameter draws by dotted path, each an ``(S,)`` array (one entry per sample).
Params = Mapping[str, FloatArray]
#: ``"perfect"``: types as chance, later movers see them (fast SPE); ``"imperfect"``:
#: the information-set version (for QRE).
Information = Literal["perfect", "imperfect"]
#: Outcomes and metrics by name, each ``(S,)``.
ReadOut = tuple[dict[str, FloatArray], dict[str, FloatArray]]


class FusedReadOut(NamedTuple):
    """What :meth:`Template.fused_read_out` gives: outcomes and metrics (as :meth:`Template.read_out`),
    each sample's modal terminal (its position in ``game.terminals``) and the game whose tree
    it was solved on (for the path labels)."""

    outcomes: dict[str, FloatArray]
    metrics: dict[str, FloatArray]
    modal: NDArray[np.int64]
    game: Game


@dataclass(frozen=True)
class Capabilities:
    """What a template offers, for the CLI, the contract tests and the docs.

    ``outcomes`` and ``metrics`` are name patterns (:mod:`fnmatch`): ``rung.*`` stands for
    one outcome per rung of the scenario's ladder.
    """

    #: The players' roles, in the game's player order (the crisis game names its players
    #: after the scenario's actors; the roles are fixed).
    players: tuple[str, ...]
    #: Whether ``build(information="imperfect")`` gives information sets that are not
    #: singletons (the crisis game's type-blind counters); ``False``: perfect information.
    information_sets: bool
    #: Solvers that apply to the template's games (names as ``brink run --solver`` takes them).
    solvers: tuple[str, ...]
    #: Outcome names (probabilities in [0, 1]) as patterns.
    outcomes: tuple[str, ...]
    #: Metric names (real values) as patterns.
    metrics: tuple[str, ...]
    #: Whether private types change what *other* players should do, so that the
    #: information-set version is a different game whose equilibria need not give the
    #: perfect-information SPE's payoffs (a screening or signalling game: Fearon 1994,
    #: 1995).  ``False``: a type changes only its owner's payoffs, and the SPE of the
    #: perfect-information version is also an equilibrium of the information-set version.
    private_information: bool = False
    #: Whether :meth:`Template.terminal_read_out` gives outcomes and metrics from the
    #: terminal reach of a subgame-perfect equilibrium (no full solution needed).
    fast_read_out: bool = False
    #: Whether the template plays the post-war game (:mod:`brink.aftermath`) after the
    #: crisis and implements ``endings(scenario, params, reach, prepared)``, the
    #: ``(S, K)`` probability of each ending it starts from (``brink simulate`` draws them).
    post_war: bool = False
    #: Whether :meth:`Template.fused_read_out` solves and reads out in one pass for some
    #: solvers (payoffs and chance probabilities computed as the solver visits them, the
    #: read-out accumulated per block of samples), with the numbers of the fast read-out.
    fused_read_out: bool = False
    #: The solver ``"auto"`` stands for on this template's scenarios (``""``: the registry's
    #: rule, the first registered solver that accepts the game: ``spe``), resolved by
    #: :func:`brink.solvers.registry.template_default`.
    default_solver: str = ""
    #: Where the default solver's logit precision comes from: a name in
    #: :data:`brink.solvers.registry.LAMBDA_SOURCES` (``"fit:icb"``), ``""`` for the solver's own.
    default_lambda: str = ""

    def unmatched(self, names: Iterable[str], kind: Literal["outcomes", "metrics"]) -> list[str]:
        """The ``names`` that no pattern of ``kind`` covers."""
        patterns = getattr(self, kind)
        return [n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in patterns)]


class Template(ABC):
    """One kind of game a scenario can compile to.

    Class attributes:
        name: The key used in a scenario's ``template:`` field.
        description: One line for ``brink scenarios`` / docs.
        Spec: Pydantic model of the scenario's ``game:`` section, or ``None`` when the
            template reads the common sections only.
        probabilities: Keys of ``game:`` whose values must lie in [0, 1].
        scenario_class: The scenario model with the template's own sections
            (:class:`brink.scenario.Scenario` when it reads only ``game:``).
        capabilities: What the template offers (:class:`Capabilities`).
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Spec: ClassVar[type[BaseModel] | None] = None
    scenario_class: ClassVar[type[Scenario]] = Scenario
    capabilities: ClassVar[Capabilities]
    #: Keys of ``game:`` that are probabilities: every value their distribution can take
    #: must lie in [0, 1] (checked when the scenario loads).  ``p`` by the convention of
    #: the theory literature (Fearon 1995's chance of victory, Zagare & Kilgour 2000's
    #: credibility).
    probabilities: ClassVar[frozenset[str]] = frozenset({"p"})
    #: Keys of ``game:`` that must be ``>= 0`` (costs, for instance); checked like
    #: :attr:`probabilities`, on numbers, distributions and evaluated expressions
    #: (:mod:`brink.scenario.ranges`).  Other ``game:`` numbers may take any real value.
    nonnegative: ClassVar[frozenset[str]] = frozenset()

    def sample_bytes(self, scenario: Scenario) -> int:
        """Working memory per sample of the template's own arrays, beyond the game's.

        :class:`brink.model.CrisisModel` adds this to its estimate of the bytes one
        sample needs (from the game's size), to cut evaluations into pieces that fit the
        memory budget.  Templates whose arrays are the game's own return 0.
        """
        del scenario
        return 0

    def fused_sample_bytes(self, scenario: Scenario, solver: str) -> int:
        """Working memory per sample of :meth:`fused_read_out` under ``solver``, all of it (the
        game is not built, so there are no game arrays to add); 0 where the template does not
        fuse that solver (:class:`brink.model.CrisisModel` then sizes pieces by the built game)."""
        del scenario, solver
        return 0

    def spec(self, scenario: Scenario) -> BaseModel | None:
        """The validated ``game:`` section (``None`` if the template has no ``Spec``).

        Every schema error is reported, each located in the scenario file as
        ``file:line:col: game.path: what is wrong. what is allowed``
        (:func:`brink.scenario.document.validation_error`).
        """
        if self.Spec is None:
            return None
        section = scenario.game or {}
        try:
            validated: BaseModel = _game_section(self.Spec).model_validate({"game": section}).game  # type: ignore[attr-defined]
        except ValidationError as exc:
            doc = scenario.document or Document({"game": section}, scenario.source or scenario.name)
            raise InputError(
                f"{validation_error(exc, doc).what}\n(the game: section of template {self.name!r} "
                f"accepts {', '.join(self.Spec.model_fields)})"
            ) from None
        return validated

    def settings(self) -> frozenset[str]:
        """Keys of ``game:`` that are settings (text, choices, flags), not numbers.

        A ``Spec`` field is a number when its type admits ``int`` or ``float`` (the
        scenario layer then reads a text there as a distribution or an expression); any
        other field (``Literal["perfect", "imperfect"]``, ``str``, ``bool``) is a setting,
        passed to the template as written and never drawn.
        """
        if self.Spec is None:
            return frozenset()
        return frozenset(
            name for name, info in self.Spec.model_fields.items() if not _admits_number(info.annotation)
        )

    def check(self, scenario: Scenario) -> None:  # noqa: B027 - optional hook
        """Cross-reference checks beyond the schema; raise :class:`InputError` if broken."""

    def prepare(self, scenario: Scenario, params: Params) -> Any:
        """What the template computes once per chunk of samples, as a value (default ``None``).

        The caller passes it back as ``prepared`` to :meth:`build`, :meth:`read_out`,
        :meth:`terminal_read_out` and :meth:`theory_terms` of the same ``params``; each of
        them computes it itself when given ``None``.  Nothing is kept between calls.
        """
        del scenario, params
        return None

    @abstractmethod
    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect", prepared: Any = None
    ) -> Game:
        """The scenario's game with payoffs ``(S, outcomes, players)`` for ``S`` samples."""

    @abstractmethod
    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Named event probabilities, each ``(S,)`` in [0, 1], under ``solution``."""

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Named real-valued quantities, each ``(S,)``; by default each player's expected payoff."""
        del scenario, params, prepared
        game = solution.game
        pay = np.asarray(solution.payoffs, dtype=np.float64).reshape(-1, game.n_players)
        return {f"payoff.{p}": pay[:, i] for i, p in enumerate(game.players)}

    def read_out(self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None) -> ReadOut:
        """:meth:`outcomes` and :meth:`metrics` of ``solution`` (a template may share work between them)."""
        return (
            self.outcomes(scenario, params, solution, prepared),
            self.metrics(scenario, params, solution, prepared),
        )

    def terminal_read_out(
        self,
        scenario: Scenario,
        params: Params,
        game: Game,
        payoffs: FloatArray,
        terminal_reach: FloatArray,
        prepared: Any = None,
    ) -> ReadOut:
        """:meth:`read_out` from the equilibrium payoffs ``(S, players)`` and the reach of every
        terminal ``(S, terminals)`` (in ``game.terminals`` order), as
        :func:`brink.solvers.spe.spe_terminal_reach` gives them.

        Only for templates whose :attr:`Capabilities.fast_read_out` is true; the numbers
        must equal :meth:`read_out`'s on the full subgame-perfect solution.
        """
        del scenario, params, game, payoffs, terminal_reach, prepared
        raise NotImplementedError(f"template {self.name!r} has no fast read-out (Capabilities.fast_read_out)")

    def fused_read_out(
        self,
        scenario: Scenario,
        params: Params,
        solver: str,
        parameters: Mapping[str, Any],
        prepared: Any = None,
    ) -> FusedReadOut | None:
        """Solve the perfect-information game with ``solver`` (and its ``parameters``, e.g.
        ``lam``) and read it out in one pass, or ``None`` where the template cannot (another
        solver, or inputs that are not finite: the caller then builds the game).

        Only for templates whose :attr:`Capabilities.fused_read_out` is true; the numbers
        must equal, bit for bit, :meth:`terminal_read_out`'s on the built game.
        """
        del scenario, params, solver, parameters, prepared
        return None

    def fused_reach(
        self,
        scenario: Scenario,
        params: Params,
        solver: str,
        parameters: Mapping[str, Any],
        prepared: Any = None,
    ) -> tuple[FloatArray, NDArray[np.int64]] | None:
        """The reach ``(S, terminals)`` of every terminal and the terminal nodes, as
        :meth:`fused_read_out` solves the game (without building it), or ``None`` where it
        cannot; the numbers must equal the built game's, bit for bit."""
        del scenario, params, solver, parameters, prepared
        return None

    def theory_terms(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Theoretical thresholds per sample (``brink explain``), read off the subgame-perfect
        ``solution`` of the perfect-information game; ``{}`` (the default) when the template has none."""
        del scenario, params, solution, prepared
        return {}


def sample_count(params: Params) -> int:
    """How many samples the parameter arrays hold (1 when there are none)."""
    return max((np.asarray(v).size for v in params.values()), default=1)


def column_sum(x: FloatArray, columns: Iterable[int]) -> FloatArray:
    """``x[:, columns].sum(axis=1)`` added column by column in the given order, so that a
    sample's sum does not depend on how many samples are summed with it (chunk invariance)."""
    total = np.zeros(x.shape[0])
    for j in columns:
        total += x[:, j]
    return total


class ParameterValues:
    """Every template's parameter lookup: draws by dotted path, broadcast to ``(S,)``.

    A path with draws in ``params`` gives its ``(S,)`` array; any other path takes the
    fixed ``default`` (the scenario's number or the spec's default), repeated ``S`` times.
    A path with neither is an :class:`InputError` naming it.
    """

    def __init__(self, params: Params, n: int | None = None) -> None:
        self.params = params
        self.n = sample_count(params) if n is None else n

    def __call__(self, path: str, default: object = None) -> FloatArray:
        if path in self.params:
            return np.asarray(self.params[path], dtype=np.float64).reshape(self.n)
        if not isinstance(default, int | float) or isinstance(default, bool):
            raise InputError(f"missing parameter {path}", fix=f"set {path} in the scenario")
        return np.full(self.n, float(default))


def _admits_number(annotation: object) -> bool:
    """Whether a field of this type accepts a number (``float``, ``int``, ``float | str``, ...)."""
    if annotation in (int, float) or annotation is Any:
        return True
    if get_origin(annotation) is Literal:
        return any(isinstance(v, int | float) and not isinstance(v, bool) for v in get_args(annotation))
    return any(_admits_number(arg) for arg in get_args(annotation))


@cache
def _game_section(spec: type[BaseModel]) -> type[BaseModel]:
    """A model ``{game: spec}``, so that validation errors carry the scenario path ``game.*``."""
    return create_model(f"{spec.__name__}Section", __config__=ConfigDict(extra="forbid"), game=(spec, ...))


#: Templates by name.
REGISTRY: dict[str, Template] = {}


def register(template: Template) -> Template:
    """Add ``template`` to :data:`REGISTRY` under ``template.name`` (later wins), hand its schema
    to the scenario layer (:func:`brink.scenario.register_schema`) and return it."""
    REGISTRY[template.name] = template
    register_schema(template)
    return template


def get_template(name: str, where: str = "") -> Template:
    """The registered template ``name``; an :class:`InputError` listing the known ones otherwise."""
    if name not in REGISTRY:
        discover_templates()  # imports brink.templates, which registers the bundled templates
    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(
            f"unknown template {name!r}",
            where=where,
            fix=f"use one of: {', '.join(sorted(REGISTRY))}",
        ) from None


