"""Gambit ``.efg`` files: read them into a :class:`~brink.games.Game`, write a game back.

The format is Gambit's extensive-form savefile, version 2 (McKelvey, McLennan &
Turocy, *Gambit: Software Tools for Game Theory*; "Game representation formats"
in its manual).  A file is a header ``EFG 2 R "title" { "player" ... }``, an
optional comment string, and the tree in preorder, one node per record:

* ``c "node" set "set label" { "action" prob ... } outcome`` -- a chance node;
* ``p "node" player set "set label" { "action" ... } outcome`` -- a personal node;
* ``t "node" outcome`` -- a terminal node.

``outcome`` is a number, ``0`` for none, optionally followed by its label and
payoff block ``"label" { u1, u2, ... }``.  An outcome or information set is
*defined* once and later *referenced* by its number alone; numbers are scoped
per player for information sets, as in Gambit.  Outcomes may sit on
non-terminal nodes; their payoffs add up along the path.

The reader is more tolerant than pygambit 16.7 in one way users need: duplicate
node and information-set labels are accepted (several files of Gambit's own
example collection have them).  Every error names ``file:line:column`` and what
was expected there.

**Limits.**  Whatever the file holds, reading it takes time and memory linear in its
size, and anything brink could not compute with is refused with a located message
before it is converted (so that no input can crash the reader or keep it busy):

* a file of at most :data:`MAX_FILE_BYTES` bytes and a tree of at most
  :data:`brink.games.MAX_NODES` nodes (and :data:`brink.games.MAX_NODE_PAYOFFS`
  nodes x players);
* numbers with at most :data:`MAX_DIGITS` digits in a numerator, denominator or
  decimal mantissa (enough for the exact decimal of every double), an exponent of at
  most :data:`MAX_EXPONENT_DIGITS` digits, and a magnitude of at most
  :data:`brink.games.MAX_MAGNITUDE` (so that sums of payoffs along any path stay finite);
* player, information-set and outcome numbers of at most :data:`MAX_INTEGER`
  (2^31 - 1, Gambit's ``int``).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np

from brink.errors import InputError
from brink.games import (
    CHANCE,
    MAX_MAGNITUDE,
    MAX_NODE_PAYOFFS,
    MAX_NODES,
    PROBABILITY_TOLERANCE,
    Game,
    GameError,
    NodeKind,
)

__all__ = [
    "MAX_DIGITS",
    "MAX_EXPONENT_DIGITS",
    "MAX_FILE_BYTES",
    "MAX_INTEGER",
    "EfgSyntaxError",
    "format_number",
    "gambit_label",
    "parse_efg",
    "probability_texts",
    "read_efg",
    "write_efg",
]

#: Most digits in a numerator, a denominator, or a decimal's mantissa (before and after
#: the point together).  400 covers the exact decimal of every double that
#: :func:`format_number` writes (at most 17 significant digits, 10^-324 and up) and the
#: exact remainders :func:`write_efg` writes to make chance probabilities sum to one.
MAX_DIGITS = 400
#: Most digits in a decimal exponent (``1e999`` at most), so that no number needs a power
#: of ten larger than 10^(999 + MAX_DIGITS) in exact arithmetic.
MAX_EXPONENT_DIGITS = 3
#: Largest player, information-set or outcome number: Gambit's ``int`` (2^31 - 1).
MAX_INTEGER = 2**31 - 1
_INTEGER_DIGITS = len(str(MAX_INTEGER))
#: Largest ``.efg`` file brink reads (512 MiB; a 2-million-node file is about 40 MB).
MAX_FILE_BYTES = 512 * 2**20


class EfgSyntaxError(InputError):
    """A ``.efg`` file could not be read; the message is ``file:line:column: what was expected``."""

    def __init__(self, source: str, line: int, column: int, what: str) -> None:
        self.source = source
        self.line = line
        self.column = column
        super().__init__(what, where=f"{source}:{line}:{column}")


# --------------------------------------------------------------------------- lexer

#: One token after optional white space; ``eof`` matches at the end of the text.  Digits
#: are ASCII only, so that every number's digits can be counted before conversion.  The
#: number and label patterns are atomic (no backtracking into them): with backtracking, a
#: run of 16,000 digits followed by a letter took 10 s to scan, 100,000 digits hours.
_TOKEN_RE = re.compile(
    r"""
    \s*(?:
      (?P<text>"(?>(?:[^"\\]|\\.)*)")
    | (?P<open_text>")
    | (?P<number>(?>[+-]?(?:[0-9]++/[0-9]++|(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?))(?![\w./]))
    | (?P<lbrace>\{)
    | (?P<rbrace>\})
    | (?P<comma>,)
    | (?P<symbol>[^\s{}",]+)
    | (?P<eof>\Z)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_NUMBER_RE = re.compile(
    r"(?P<sign>[+-]?)(?:(?P<num>[0-9]+)/(?P<den>[0-9]+)"
    r"|(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?)"
)
_ESCAPE_RE = re.compile(r"\\([\\\"])")
_BIG = Fraction(MAX_MAGNITUDE)


class _Token(NamedTuple):
    kind: str  # text, number, lbrace, rbrace, comma, symbol, eof
    text: str
    offset: int  # where the token starts in the text; line and column are derived on error


def _unescape(body: str) -> str:
    r"""``\"`` is a quote and ``\\`` a backslash; any other backslash stands for itself."""
    return _ESCAPE_RE.sub(r"\1", body) if "\\" in body else body


class _Lexer:
    """Tokens one at a time (``current``), in memory independent of the file's length.

    Positions are kept as offsets and turned into ``line:column`` only for an error
    message, which keeps reading a file of millions of nodes linear and fast.
    """

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self._pos = 0
        self._match = _TOKEN_RE.match
        self.current = self._next()

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def error(self, what: str, token: _Token | None = None) -> EfgSyntaxError:
        tok = token or self.current
        line, col = self.position(tok.offset)
        return EfgSyntaxError(self.source, line, col, what)

    def _next(self) -> _Token:
        m = self._match(self.text, self._pos)
        assert m is not None and m.lastgroup is not None  # symbol or eof matches anything else
        kind = m.lastgroup
        start = m.start(kind)
        if kind == "open_text":
            line, col = self.position(start)
            raise EfgSyntaxError(self.source, line, col, "expected a closing '\"' for this label")
        self._pos = m.end()
        body = m.group(kind)
        if kind == "text":
            body = _unescape(body[1:-1])
        return _Token(kind, body, start)

    def advance(self) -> _Token:
        tok = self.current
        if tok.kind != "eof":
            self.current = self._next()
        return tok

    def expect(self, kind: str, what: str) -> _Token:
        if self.current.kind != kind:
            raise self.error(f"expected {what}")
        return self.advance()

    def accept(self, kind: str) -> _Token | None:
        return self.advance() if self.current.kind == kind else None

    def number(self, what: str) -> tuple[Fraction, _Token]:
        """The next token as an exact number, within brink's limits (see the module doc)."""
        tok = self.expect("number", what)
        return _exact(tok.text, lambda msg: self.error(f"expected {what}; {msg}", tok)), tok

    def integer(self, what: str, minimum: int) -> tuple[int, _Token]:
        """The next token as a whole number from ``minimum`` to :data:`MAX_INTEGER`; the
        digits are counted before conversion."""
        tok = self.current
        text = tok.text
        if tok.kind != "number" or not (text.isdigit() or (text[0] == "+" and text[1:].isdigit())):
            raise self.error(f"expected {what}")
        digits = text.lstrip("+").lstrip("0")
        value = int(digits) if 0 < len(digits) <= _INTEGER_DIGITS else 0
        if len(digits) > _INTEGER_DIGITS or value > MAX_INTEGER:
            shown = digits if len(digits) <= 20 else f"a number of {len(digits)} digits"
            raise self.error(
                f"expected {what} of at most {MAX_INTEGER} (2^31 - 1, Gambit's limit), "
                f"found {shown}"
            )
        if value < minimum:
            raise self.error(f"expected {what} (at least {minimum})")
        self.advance()
        return value, tok


_ErrorFactory = Callable[[str], EfgSyntaxError]


def _exact(text: str, error: _ErrorFactory) -> Fraction:
    """``text`` (an integer, ``p/q`` or a decimal with exponent) as an exact fraction.

    Digits and exponent are counted on the text first, so that no conversion runs on a
    number brink would refuse anyway (``1e99999999`` would take minutes; a 5,000-digit
    integer trips Python's digit limit); then the magnitude is checked exactly.
    """
    m = _NUMBER_RE.fullmatch(text)
    if m is None:  # pragma: no cover - the lexer's number pattern is the same language
        raise error("not a number")
    sign = -1 if m["sign"] == "-" else 1
    if m["num"] is not None:
        num, den = m["num"], m["den"]
        if max(len(num), len(den)) > MAX_DIGITS:
            raise error(
                f"{max(len(num), len(den))} digits is more than brink reads (at most "
                f"{MAX_DIGITS} digits in a numerator or denominator)"
            )
        if int(den) == 0:
            raise error(f"{text} divides by zero")
        value = Fraction(sign * int(num), int(den))
    else:
        whole, frac, exp = m["int"], m["frac"] or "", m["exp"] or "0"
        if len(whole) + len(frac) > MAX_DIGITS:
            raise error(
                f"{len(whole) + len(frac)} digits is more than brink reads (at most "
                f"{MAX_DIGITS} digits before and after the decimal point together)"
            )
        exp_digits = exp.lstrip("+-").lstrip("0")
        if len(exp_digits) > MAX_EXPONENT_DIGITS:
            raise error(
                f"the exponent {exp} is out of range (brink reads exponents of at most "
                f"{MAX_EXPONENT_DIGITS} digits, and magnitudes up to {MAX_MAGNITUDE:g})"
            )
        scale = int(exp) - len(frac)
        mantissa = sign * int(whole + frac or "0")
        value = (
            Fraction(mantissa * 10**scale) if scale >= 0 else Fraction(mantissa, 10**-scale)
        )
    if abs(value) > _BIG:
        raise error(
            f"{text} is larger in magnitude than brink reads (at most {MAX_MAGNITUDE:g}, so "
            f"that payoffs summed along a path stay finite)"
        )
    return value


# --------------------------------------------------------------------------- parser


@dataclass(slots=True)
class _SetDef:
    player: int
    number: int
    label: str
    actions: tuple[str, ...]
    probs: tuple[Fraction, ...] | None
    offset: int  # of its number in the text; the line is derived only for a message


@dataclass
class _Parsed:
    """The tree as read, in flat typed arrays (a few bytes per node, not Python objects)."""

    kind: array[int] = field(default_factory=lambda: array("b"))
    parent: array[int] = field(default_factory=lambda: array("i"))
    labels: list[str] = field(default_factory=list)
    set_id: array[int] = field(default_factory=lambda: array("i"))  # into ``sets``, -1 none
    outcome_number: array[int] = field(default_factory=lambda: array("q"))
    sets: list[_SetDef] = field(default_factory=list)
    #: ``(player + 1) << 32 | number`` -> index into ``sets`` (an int key: no tuple per set)
    set_ids: dict[int, int] = field(default_factory=dict)
    #: one shared tuple per distinct list of action labels (most sets repeat a few)
    action_tuples: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    #: number -> (label, payoffs, offset of its definition)
    outcomes: dict[int, tuple[str, tuple[Fraction, ...], int]] = field(default_factory=dict)
    references: dict[int, _Token] = field(default_factory=dict)


def parse_efg(text: str, source: str = "<string>") -> Game:
    """Parse the text of a Gambit ``.efg`` file (``EFG 2 R`` or ``EFG 2 D``) into a :class:`Game`.

    Information sets keep their numbers from the file (``Game.infoset_number``), so
    ``Game.player_infosets(p)`` lists them as the file numbers them; outcomes are
    indexed by ascending outcome number.  Raises :class:`EfgSyntaxError` located at
    ``source:line:column`` for any syntax or consistency error, and for anything beyond
    the limits in the module doc.
    """
    if not text.strip():
        raise EfgSyntaxError(source, 1, 1, "expected the header 'EFG 2 R', found an empty file")
    lex = _Lexer(text, source)
    header = lex.current
    if header.kind != "symbol" or header.text != "EFG":
        raise lex.error("expected the header 'EFG 2 R' (is this a Gambit .efg file?)")
    lex.advance()
    if lex.current.kind != "number" or lex.current.text != "2":
        raise lex.error("expected the format version 2 after 'EFG'")
    lex.advance()
    if lex.current.kind != "symbol" or lex.current.text not in ("R", "D"):
        raise lex.error("expected the number type 'R' or 'D' after 'EFG 2'")
    lex.advance()
    title = lex.expect("text", "the game title as a quoted string").text
    lex.expect("lbrace", "'{' opening the list of players")
    players: list[str] = []
    while lex.current.kind == "text":
        players.append(lex.advance().text)
    lex.expect("rbrace", "a quoted player name or '}'")
    if not players:
        raise lex.error("expected at least one player in the header")
    description = ""
    if lex.current.kind == "text":
        description = lex.advance().text

    parsed = _Parsed()
    # the largest tree brink holds for this many players (nodes x players payoff cells)
    max_nodes = min(MAX_NODES, MAX_NODE_PAYOFFS // len(players))
    pending: list[list[int]] = []  # [children still to read] of the open nodes
    _parse_node(lex, parsed, -1, len(players))
    _push(parsed, pending)
    while pending:
        left = pending[-1]
        left[1] -= 1
        if left[1] == 0:
            pending.pop()
        if len(parsed.kind) >= max_nodes:
            raise lex.error(
                f"the tree has more than {max_nodes:,} nodes, brink's limit for a game of "
                f"{len(players)} player(s) ({MAX_NODES:,} nodes and {MAX_NODE_PAYOFFS:,} "
                f"nodes x players), so that reading and solving it fit in memory"
            )
        _parse_node(lex, parsed, left[0], len(players))
        _push(parsed, pending)
    if lex.current.kind != "eof":
        raise lex.error("expected the end of the file after the last node of the tree")
    for number, tok in parsed.references.items():
        if number not in parsed.outcomes:
            raise lex.error(
                f"outcome {number} is referenced but never defined; give its label and "
                f'payoffs at its first use, e.g. {number} "label" {{ ... }}',
                tok,
            )
    try:
        return _assemble(parsed, title, tuple(players), description)
    except GameError as exc:
        raise EfgSyntaxError(source, 1, 1, f"the game is invalid: {exc}") from exc


def _push(parsed: _Parsed, pending: list[list[int]]) -> None:
    v = len(parsed.kind) - 1
    s = parsed.set_id[v]
    if s >= 0:
        pending.append([v, len(parsed.sets[s].actions)])


def _parse_node(lex: _Lexer, parsed: _Parsed, parent: int, n_players: int) -> None:
    tok = lex.current
    if tok.kind == "eof":
        raise lex.error(
            "expected a node ('c', 'p' or 't'): the file ends before the tree is complete"
        )
    if tok.kind != "symbol" or tok.text not in ("c", "p", "t"):
        shown = tok.text if tok.kind != "text" else f'"{tok.text}"'
        if len(shown) > 40:
            shown = shown[:40] + "..."
        raise lex.error(f"expected a node type 'c', 'p' or 't', found unknown node type {shown!r}")
    lex.advance()
    label = lex.expect("text", "the node label as a quoted string").text
    set_id = -1
    if tok.text == "t":
        kind = NodeKind.TERMINAL
    else:
        if tok.text == "p":
            kind = NodeKind.PERSONAL
            player, ptok = lex.integer("a player number", 1)
            if player > n_players:
                raise lex.error(
                    f"expected a player number from 1 to {n_players}, found {player}", ptok
                )
            player -= 1
        else:
            kind = NodeKind.CHANCE
            player = CHANCE
        number, stok = lex.integer("an information set number", 1)
        set_id = _parse_infoset(lex, parsed, (player, number), stok)
    parsed.kind.append(int(kind))
    parsed.parent.append(parent)
    parsed.labels.append(label)
    parsed.set_id.append(set_id)
    parsed.outcome_number.append(_parse_outcome(lex, parsed, n_players))


def _who(key: tuple[int, int]) -> str:
    player, number = key
    return f"chance information set {number}" if player == CHANCE else (
        f"information set {number} of player {player + 1}"
    )


def _parse_infoset(lex: _Lexer, parsed: _Parsed, key: tuple[int, int], stok: _Token) -> int:
    """Read a set's optional label and actions; return the set's index in ``parsed.sets``."""
    known_id = parsed.set_ids.get((key[0] + 1) << 32 | key[1])
    if lex.current.kind != "text":
        if known_id is None:
            raise lex.error(
                f"expected the label and actions of {_who(key)}, which is not defined yet "
                f'(write e.g. "label" {{ "action" ... }} at its first node)'
            )
        return known_id
    set_label = lex.advance().text
    open_tok = lex.expect("lbrace", "'{' opening the list of actions")
    actions: list[str] = []
    probs: list[Fraction] = []
    chance = key[0] == CHANCE
    while lex.current.kind == "text":
        actions.append(lex.advance().text)
        if chance:
            p, ptok = lex.number(f"the probability of chance action {actions[-1][:40]!r}")
            if not 0 <= p <= 1:
                raise lex.error(f"expected a probability between 0 and 1, found {ptok.text}", ptok)
            probs.append(p)
    if lex.current.kind != "rbrace":
        raise lex.error("expected a quoted action label or '}'")
    if not actions:
        raise lex.error("expected at least one action before '}'")
    close_tok = lex.advance()
    if chance and abs(float(sum(probs)) - 1.0) > PROBABILITY_TOLERANCE * len(probs):
        raise lex.error(
            f"expected chance probabilities that sum to 1; these sum to {float(sum(probs)):.12g}",
            open_tok,
        )
    if known_id is None:
        parsed.set_ids[(key[0] + 1) << 32 | key[1]] = len(parsed.sets)
        shared = parsed.action_tuples.setdefault(tuple(actions), tuple(actions))
        parsed.sets.append(
            _SetDef(
                key[0], key[1], set_label, shared, tuple(probs) if chance else None,
                stok.offset,
            )
        )
        return len(parsed.sets) - 1
    known = parsed.sets[known_id]
    if known.actions != tuple(actions):
        shown = [a[:40] for a in known.actions[:10]]
        raise lex.error(
            f"expected the same actions as at the first node of {_who(key)} (line "
            f"{lex.position(known.offset)[0]}: {shown}{'...' if len(known.actions) > 10 else ''}), found "
            f"{[a[:40] for a in actions[:10]]}{'...' if len(actions) > 10 else ''}",
            stok,
        )
    if chance and known.probs != tuple(probs):
        raise lex.error(
            f"expected the same probabilities as at the first node of {_who(key)} "
            f"(line {lex.position(known.offset)[0]})",
            close_tok,
        )
    return known_id


def _parse_outcome(lex: _Lexer, parsed: _Parsed, n_players: int) -> int:
    number, otok = lex.integer("an outcome number (0 for none)", 0)
    if lex.current.kind != "text":
        if number:
            parsed.references.setdefault(number, otok)
        return number
    if number == 0:
        raise lex.error("expected a positive outcome number before an outcome label", otok)
    out_label = lex.advance().text
    lex.expect("lbrace", "'{' opening the payoffs of the outcome")
    payoffs: list[Fraction] = []
    found = 0
    while lex.current.kind != "rbrace":
        if lex.current.kind != "number":
            raise lex.error("expected a number or '}'")
        if found < n_players:
            payoffs.append(lex.number("a payoff")[0])
        else:  # counted for the message, never converted
            lex.advance()
        found += 1
        lex.accept("comma")
    close = lex.advance()
    if found != n_players:
        raise lex.error(f"expected {n_players} payoffs (one per player), found {found}", close)
    known = parsed.outcomes.get(number)
    if known is None:
        parsed.outcomes[number] = (out_label, tuple(payoffs), otok.offset)
    elif known[1] != tuple(payoffs):
        raise lex.error(
            f"expected the same payoffs as the first definition of outcome {number} "
            f"(line {lex.position(known[2])[0]})",
            otok,
        )
    return number


def _assemble(parsed: _Parsed, title: str, players: tuple[str, ...], description: str) -> Game:
    """The :class:`Game` of the parsed tree, with vectorised index arithmetic only."""
    n = len(parsed.kind)
    parent = np.frombuffer(parsed.parent, dtype=np.intc).astype(np.int32)
    # nodes are in preorder and each node's children in file order, so a stable sort of
    # the non-root nodes by parent lists every node's children in action order
    counts = np.bincount(parent[1:], minlength=n).astype(np.int64)
    child_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    children = (np.argsort(parent[1:], kind="stable") + 1).astype(np.int32)
    # information sets: personal ones by player and number, chance sets last
    sets = parsed.sets
    set_player = np.array([x.player for x in sets], dtype=np.int64)
    set_number = np.array([x.number for x in sets], dtype=np.int64)
    order = np.lexsort((set_number, set_player, set_player == CHANCE))
    new_index = np.empty(len(sets) + 1, dtype=np.int32)
    new_index[order] = np.arange(len(sets), dtype=np.int32)
    new_index[-1] = -1  # set_id -1 (a terminal) stays -1
    old_set = np.frombuffer(parsed.set_id, dtype=np.intc).astype(np.int64)
    infoset = new_index[old_set]
    # chance probabilities: edge e of node v is action e - child_ptr[v] of v's set
    set_sizes = np.array([len(s.actions) for s in sets], dtype=np.int64)
    set_ptr = np.concatenate([[0], np.cumsum(set_sizes)]).astype(np.int64)
    flat_probs = np.zeros(int(set_ptr[-1]), dtype=np.float64)
    for i, s in enumerate(sets):
        if s.probs is not None:
            flat_probs[set_ptr[i] : set_ptr[i + 1]] = [float(p) for p in s.probs]
    edge_parent = np.repeat(np.arange(n, dtype=np.int64), counts)
    edge_action = np.arange(edge_parent.size, dtype=np.int64) - child_ptr[edge_parent]
    edge_set = old_set[edge_parent]
    kind = np.frombuffer(parsed.kind, dtype=np.int8).copy()
    probs = np.where(
        kind[edge_parent] == NodeKind.CHANCE, flat_probs[set_ptr[edge_set] + edge_action], 0.0
    ) if edge_parent.size else np.zeros(0, dtype=np.float64)
    out_numbers = sorted(parsed.outcomes)
    numbers = np.frombuffer(parsed.outcome_number, dtype=np.int64)
    outcome = np.where(
        numbers > 0, np.searchsorted(np.array(out_numbers, dtype=np.int64), numbers), -1
    ).astype(np.int32)
    payoffs = np.array(
        [[float(x) for x in parsed.outcomes[num][1]] for num in out_numbers], dtype=np.float64
    ).reshape(len(out_numbers), len(players))
    return Game(
        title=title,
        players=players,
        kind=kind,
        parent=parent,
        child_ptr=child_ptr,
        children=children,
        infoset=infoset,
        node_labels=tuple(parsed.labels),
        infoset_player=set_player[order].astype(np.int32),
        infoset_number=set_number[order].astype(np.int32),
        infoset_labels=tuple(sets[i].label for i in order.tolist()),
        action_labels=tuple(sets[i].actions for i in order.tolist()),
        chance_probs=np.ascontiguousarray(probs, dtype=np.float64),
        outcome=outcome,
        outcome_labels=tuple(parsed.outcomes[num][0] for num in out_numbers),
        outcome_payoffs=payoffs,
        description=description,
    )


def read_efg(path: str | Path) -> Game:
    """Read a Gambit ``.efg`` file; a missing, unreadable, special or too large file is an
    :class:`InputError` (a device or pipe is never read: it could be endless)."""
    p = Path(path)
    try:
        info = os.stat(p)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                "not a regular file (a directory, device or pipe)", where=str(p),
                fix="give the path of a .efg file",
            )
        with open(p, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(
            "file not found", where=str(p), fix="Check the path (and the current directory)"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", where=str(p)) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"the file is larger than {MAX_FILE_BYTES:,} bytes, brink's limit for a .efg "
            f"file", where=str(p),
            fix=f"brink reads trees of up to {MAX_NODES:,} nodes; split or simplify the game",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not a UTF-8 text file (byte {exc.start})", where=str(p),
            fix="Save the game as plain UTF-8 text",
        ) from None
    del data
    return parse_efg(text, source=str(p))


# --------------------------------------------------------------------------- writer


def format_number(x: float) -> str:
    """Write ``x`` exactly: ``p/q`` when a fraction with ``q <= 10**6`` equals ``x``, else
    Python's shortest round-tripping decimal (an exponent without ``+``, which Gambit
    refuses: ``1e20``, not ``1e+20``).

    Fractions keep chance probabilities such as thirds summing to exactly 1 when
    Gambit reads them back in rational arithmetic.
    """
    value = float(x)
    if not np.isfinite(value):
        raise GameError(f"cannot write the non-finite number {value!r}")
    frac = Fraction(value).limit_denominator(10**6)
    if float(frac) == value and abs(frac.numerator) < 10**15:
        if frac.denominator == 1:
            return str(frac.numerator)
        return f"{frac.numerator}/{frac.denominator}"
    return repr(value).replace("e+", "e")


def _exact_text(value: Fraction) -> str:
    """``value`` exactly: a decimal when its denominator divides a power of ten, else ``p/q``."""
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return sign + (f"{digits[:-places]}.{digits[-places:]}" if places else digits)


def _text_digits(text: str) -> int:
    """Digits of the longest numerator, denominator or mantissa in a written number."""
    return max(len(re.sub(r"[^0-9]", "", part.split("e")[0])) for part in text.split("/"))


def probability_texts(probs: tuple[float, ...] | list[float]) -> list[str]:
    """Chance probabilities written as exact numbers that sum to exactly one.

    Gambit reads ``.efg`` numbers as exact rationals and refuses a chance node whose
    probabilities do not sum to exactly 1 ("Probabilities must sum to exactly one"),
    while floats that sum to 1 in floating point rarely do so exactly (``0.6841154473613668``
    and ``0.31588455263863324`` sum to 1.00000000000000004).  Each probability is written
    as :func:`format_number` writes it (exactly the float); if these do not sum to 1, one
    of them is replaced by one minus the others, exactly: the first (largest first) whose
    replacement reads back as the same float, so that the file still reads back as the
    same game, else the largest, which then moves by about one unit in the last place
    (far less than the tolerance of the game's own check).
    """
    values = np.asarray(probs, dtype=np.float64)
    texts = [format_number(x) for x in values]
    if sum(Fraction(t) for t in texts) == 1:
        return texts
    order = [int(i) for i in np.argsort(-values, kind="stable")]
    for attempt in (texts, [repr(float(x)).replace("e+", "e") for x in values]):
        # the second attempt writes every probability as a decimal, so that a remainder's
        # denominator is a power of ten (several p/q forms could multiply up)
        exact = [Fraction(t) for t in attempt]
        total = sum(exact, Fraction(0))
        choices: list[tuple[int, str]] = []
        for j in order:
            remainder = 1 - (total - exact[j])
            if remainder < 0:
                continue
            text = _exact_text(remainder)
            if _text_digits(text) > MAX_DIGITS:
                continue
            if float(remainder) == values[j]:
                choices = [(j, text)]
                break
            choices.append((j, text))
        if choices:
            j, text = choices[0]
            return [text if i == j else t for i, t in enumerate(attempt)]
    raise GameError(
        f"cannot write chance probabilities {values[:10].tolist()} as exact numbers that "
        f"sum to one (they sum to {float(sum(Fraction(t) for t in texts)):.17g})"
    )


def _quote(label: str) -> str:
    r"""Quote a label: ``"`` becomes ``\"``; a backslash is doubled only where it would
    otherwise be read as an escape (before ``\`` or ``"``, or at the end), so ordinary
    backslashes stay as Gambit itself writes and reads them."""
    out: list[str] = []
    for i, ch in enumerate(label):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            nxt = label[i + 1] if i + 1 < len(label) else ""
            out.append("\\\\" if nxt in ("", "\\", '"') else "\\")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def write_efg(game: Game, sample: int | None = None, *, exact_labels: bool = False) -> str:
    """The game as the text of a Gambit ``EFG 2 R`` file that Gambit 16 reads.

    Information sets keep their numbers; outcomes are numbered by index + 1 and
    written with label and payoffs at every node that carries them (as Gambit
    does).  Chance probabilities are written as exact numbers that sum to exactly one
    (:func:`probability_texts`).  Chance nodes of one set whose probabilities differ
    (possible in a sampled game built node by node) are written as separate chance
    sets.  A game with a sample dimension needs ``sample``.

    Labels are written as Gambit 16 accepts them (:func:`gambit_label`: printable ASCII,
    single inner spaces; node labels unique in the game and information-set labels unique
    per player, later duplicates getting ``_2``, ``_3``, ...); labels that already qualify
    are written unchanged.  ``exact_labels=True`` writes every label as it is instead:
    brink reads such a file back identically, Gambit may refuse it.
    """
    if game.samples is not None:
        if sample is None:
            raise InputError(
                f"the game has {game.samples} samples; a .efg file holds one",
                where="write_efg",
                fix="choose one with sample=K (brink export --sample K)",
            )
        if not 0 <= sample < game.samples:
            raise InputError(
                f"sample {sample} is out of range (the game has {game.samples} samples)",
                where="write_efg",
                fix=f"use 0 to {game.samples - 1}",
            )
        game = game.sample(sample)
    label = (lambda x: x) if exact_labels else gambit_label
    text = (lambda x: x) if exact_labels else _gambit_text
    node_labels = (
        list(game.node_labels) if exact_labels
        else _distinct([gambit_label(x) for x in game.node_labels])
    )
    set_labels = _SetLabels(game, exact_labels)
    numbers = _unique_numbers(game)
    probs = game.chance_probs
    pay = game.outcome_payoffs
    chance_numbers: dict[tuple[int, tuple[float, ...]], tuple[int, list[str]]] = {}
    next_chance = int(max(numbers[game.infoset_player == CHANCE], default=0)) + 1
    split_sets: set[int] = set()
    players = " ".join(_quote(label(p)) for p in game.players)
    lines = [
        f"EFG 2 R {_quote(text(game.title))} {{ {players} }}", _quote(text(game.description)), ""
    ]
    stack = [0]
    while stack:
        v = stack.pop()
        lo, hi = int(game.child_ptr[v]), int(game.child_ptr[v + 1])
        stack.extend(int(c) for c in game.children[lo:hi][::-1])
        head = _quote(node_labels[v])
        h = int(game.infoset[v])
        if game.kind[v] == NodeKind.TERMINAL:
            record = f"t {head}"
        else:
            acts = [label(a) for a in game.action_labels[h]]
            if game.kind[v] == NodeKind.CHANCE:
                p = tuple(float(x) for x in probs[lo:hi])
                known = chance_numbers.get((h, p))
                if known is None:
                    if h in split_sets:
                        num, next_chance = next_chance, next_chance + 1
                    else:
                        num = int(numbers[h])
                        split_sets.add(h)
                    known = chance_numbers[(h, p)] = (num, probability_texts(p))
                num, texts = known
                body = " ".join(f"{_quote(a)} {t}" for a, t in zip(acts, texts, strict=True))
                set_label = _quote(set_labels.get(h, CHANCE, num))
                record = f"c {head} {num} {set_label} {{ {body} }}"
            else:
                pl = int(game.infoset_player[h])
                body = " ".join(_quote(a) for a in acts)
                set_label = _quote(set_labels.get(h, pl, int(numbers[h])))
                record = f"p {head} {pl + 1} {int(numbers[h])} {set_label} {{ {body} }}"
        o = int(game.outcome[v])
        if o < 0:
            record += " 0"
        else:
            values = ", ".join(format_number(x) for x in pay[o])
            record += f" {o + 1} {_quote(label(game.outcome_labels[o]))} {{ {values} }}"
        lines.append(record)
    return "\n".join(lines) + "\n"


_GAMBIT_LABEL = re.compile(r"(?:[!-~]+(?: [!-~]+)*)?")


def _gambit_text(text: str, *, label: bool = False) -> str:
    """``text`` in the characters Gambit 16 reads: printable ASCII (accents dropped,
    other characters as ``?``), no backslash (Gambit does not read ``\\`` back); a
    ``label`` also has its white space collapsed to single inner spaces."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        if ch == "\\":
            out.append("/")
        elif ch.isspace():
            out.append(" " if label or ch not in "\n\t" else ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append("?")
    result = "".join(out)
    return " ".join(result.split()) if label else result


def gambit_label(label: str) -> str:
    """``label`` as Gambit 16 accepts a player, node, set, action or outcome label:
    printable ASCII and single spaces, none at either end (unchanged if it already is)."""
    return label if _GAMBIT_LABEL.fullmatch(label) and "\\" not in label else _gambit_text(
        label, label=True
    )


class _Distinct:
    """Hands out non-empty labels made distinct: the first of equal ones is kept, later
    ones get ``_2``, ``_3``, ... skipping every label ``reserved`` (those still to come)
    or already handed out.  A counter per label keeps this linear in the labels."""

    def __init__(self, reserved: set[str]) -> None:
        self.taken = set(reserved)
        self.seen: set[str] = set()
        self.counter: dict[str, int] = {}

    def __call__(self, x: str) -> str:
        if x and x in self.seen:
            k = self.counter.get(x, 2)
            while f"{x}_{k}" in self.taken:
                k += 1
            self.counter[x] = k + 1
            x = f"{x}_{k}"
            self.taken.add(x)
        self.seen.add(x)
        return x


def _distinct(labels: list[str]) -> list[str]:
    """``labels`` made distinct by :class:`_Distinct`, in order."""
    give = _Distinct(set(labels))
    return [give(x) for x in labels]


class _SetLabels:
    """Labels of the information sets as written: per player, distinct (Gambit 16 refuses
    two sets of one player with the same label), including chance sets split by
    :func:`write_efg`; each written set keeps one label at all its nodes."""

    def __init__(self, game: Game, exact: bool) -> None:
        self.game = game
        self.exact = exact
        self.given: dict[tuple[int, int], str] = {}
        self.per_player: dict[int, _Distinct] = {}
        if not exact:
            reserved: dict[int, set[str]] = {}
            for h, x in enumerate(game.infoset_labels):
                reserved.setdefault(int(game.infoset_player[h]), set()).add(gambit_label(x))
            self.per_player = {pl: _Distinct(labels) for pl, labels in reserved.items()}

    def get(self, h: int, player: int, number: int) -> str:
        """The label of set ``h``, written as ``player``'s set ``number``."""
        if self.exact:
            return self.game.infoset_labels[h]
        key = (player, number)
        known = self.given.get(key)
        if known is None:
            known = self.given[key] = self.per_player[player](
                gambit_label(self.game.infoset_labels[h])
            )
        return known


def _unique_numbers(game: Game) -> np.ndarray:
    """Information-set numbers, renumbered 1..k within a player only if the game's clash."""
    numbers = game.infoset_number.astype(np.int64).copy()
    for pl in np.unique(game.infoset_player):
        idx = np.flatnonzero(game.infoset_player == pl)
        nums = numbers[idx]
        if len(np.unique(nums)) != len(nums) or np.any(nums < 1):
            numbers[idx] = np.arange(1, len(idx) + 1)
    return numbers
