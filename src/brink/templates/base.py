"""The game-template API: how a scenario becomes a game, and a game's solution outcomes.

A *template* turns a validated scenario and arrays of parameter draws into ONE
:class:`brink.games.Game` with a leading sample dimension, and reads the
outcomes of interest off a solved game.  The design follows Axelrod's strategy
classes (Knight et al. 2016): one small class per template, registered by name
in :data:`REGISTRY`; a scenario picks its template with its ``template:`` field
(default ``crisis``).

A template that needs its own section of the scenario declares a pydantic
``Spec`` and reads ``scenario.game`` (a free mapping at the top level of the
scenario) through :meth:`Template.spec`; the crisis template reads the common
sections (actors, commitments, crisis, doctrines, ...) instead.

Numbers in a spec are :class:`brink.scenario.Quantity` values: a number, a
distribution string (``"beta(6, 3)"``) or an expression string.  The scenario
layer collects them by dotted path (``game.p``) and draws them; templates only
ever see ``params``: a mapping from those dotted paths to ``(S,)`` float arrays.

Writing a template::

    class Fearon1995(Template):
        name = "fearon-1995"
        description = "Crisis bargaining with private costs (Fearon 1995)."
        Spec = FearonSpec                       # pydantic model of ``game:``

        def build(self, scenario, params, *, information="perfect"):
            ...                                  # TreeBuilder with (S, players) payoffs
        def outcomes(self, scenario, params, solution):
            return {"war": solution.reach[:, war_terminals].sum(axis=1)}

    register(Fearon1995())
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args, get_origin

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from brink.errors import InputError

if TYPE_CHECKING:
    from brink.games import Game
    from brink.scenario import Scenario
    from brink.solvers.result import Solution

__all__ = ["REGISTRY", "Information", "Params", "Template", "get_template", "register"]

FloatArray = NDArray[np.float64]
#: Parameter draws by dotted path, each an ``(S,)`` array (one entry per sample).
Params = Mapping[str, FloatArray]
#: ``"perfect"``: types as chance, later movers see them (fast SPE); ``"imperfect"``:
#: the information-set version (for QRE).
Information = Literal["perfect", "imperfect"]


class Template(ABC):
    """One kind of game a scenario can compile to.

    Class attributes:
        name: The key used in a scenario's ``template:`` field.
        description: One line for ``brink scenarios`` / docs.
        Spec: Pydantic model of the scenario's ``game:`` section, or ``None`` when the
            template reads the common sections only.
        probabilities: Keys of ``game:`` whose values must lie in [0, 1].
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Spec: ClassVar[type[BaseModel] | None] = None
    #: Keys of ``game:`` that are probabilities: every value their distribution can take
    #: must lie in [0, 1] (checked when the scenario loads).  ``p`` by the convention of
    #: the theory literature (Fearon 1995's chance of victory, Zagare & Kilgour 2000's
    #: credibility).
    probabilities: ClassVar[frozenset[str]] = frozenset({"p"})
    #: Keys of ``game:`` that must be ``>= 0`` (costs, for instance); checked like
    #: :attr:`probabilities`, on numbers, distributions and evaluated expressions
    #: (:mod:`brink.ranges`).  Other ``game:`` numbers may take any real value.
    nonnegative: ClassVar[frozenset[str]] = frozenset()

    def sample_bytes(self, scenario: Scenario) -> int:
        """Working memory per sample of the template's own arrays, beyond the game's.

        :class:`brink.model.CrisisModel` adds this to its estimate of the bytes one
        sample needs (from the game's size), to cut evaluations into pieces that fit the
        memory budget.  Templates whose arrays are the game's own return 0.
        """
        del scenario
        return 0

    def spec(self, scenario: Scenario) -> BaseModel | None:
        """The validated ``game:`` section (``None`` if the template has no ``Spec``).

        Every schema error is reported, each located in the scenario file as
        ``file:line:col: game.path: what is wrong. what is allowed``
        (:func:`brink.document.validation_error`).
        """
        if self.Spec is None:
            return None
        from brink.document import Document, validation_error

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

    @abstractmethod
    def build(self, scenario: Scenario, params: Params, *, information: Information = "perfect") -> Game:
        """The scenario's game with payoffs ``(S, outcomes, players)`` for ``S`` samples."""

    @abstractmethod
    def outcomes(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        """Named event probabilities, each ``(S,)`` in [0, 1], under ``solution``."""

    def release(self) -> None:  # noqa: B027 - optional hook
        """Drop whatever the template cached for the last evaluation (called after it)."""

    def metrics(self, scenario: Scenario, params: Params, solution: Solution) -> dict[str, FloatArray]:
        """Named real-valued quantities, each ``(S,)``; by default each player's expected payoff."""
        game = solution.game
        pay = np.asarray(solution.payoffs, dtype=np.float64).reshape(-1, game.n_players)
        return {f"payoff.{p}": pay[:, i] for i, p in enumerate(game.players)}


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
    """Add ``template`` to :data:`REGISTRY` under ``template.name`` (later wins) and return it."""
    REGISTRY[template.name] = template
    return template


def get_template(name: str, where: str = "") -> Template:
    """The registered template ``name``; an :class:`InputError` listing the known ones otherwise."""
    from brink import templates  # noqa: F401 - registers the bundled templates

    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(
            f"unknown template {name!r}",
            where=where,
            fix=f"use one of: {', '.join(sorted(REGISTRY))}",
        ) from None


