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
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from brink.errors import InputError
from brink.games import CHANCE, PROBABILITY_TOLERANCE, Game, GameError, NodeKind

__all__ = ["EfgSyntaxError", "format_number", "parse_efg", "read_efg", "write_efg"]


class EfgSyntaxError(InputError):
    """A ``.efg`` file could not be read; the message is ``file:line:column: what was expected``."""

    def __init__(self, source: str, line: int, column: int, what: str) -> None:
        self.source = source
        self.line = line
        self.column = column
        super().__init__(what, where=f"{source}:{line}:{column}")


# --------------------------------------------------------------------------- lexer

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<text>"(?:[^"\\]|\\.)*")
  | (?P<open_text>")
  | (?P<number>[+-]?(?:\d+/\d+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w./]))
  | (?P<lbrace>\{)
  | (?P<rbrace>\})
  | (?P<comma>,)
  | (?P<symbol>[^\s{}",]+)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE_RE = re.compile(r"\\([\\\"])")


@dataclass(frozen=True)
class _Token:
    kind: str  # text, number, lbrace, rbrace, comma, symbol, eof
    text: str
    line: int
    column: int


def _unescape(body: str) -> str:
    r"""``\"`` is a quote and ``\\`` a backslash; any other backslash stands for itself."""
    return _ESCAPE_RE.sub(r"\1", body)


class _Lexer:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._tokens = self._scan()
        self.current = next(self._tokens)

    def _position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def error(self, what: str, token: _Token | None = None) -> EfgSyntaxError:
        tok = token or self.current
        return EfgSyntaxError(self.source, tok.line, tok.column, what)

    def _scan(self) -> Iterator[_Token]:
        pos, n = 0, len(self.text)
        while pos < n:
            m = _TOKEN_RE.match(self.text, pos)
            assert m is not None and m.lastgroup is not None  # the symbol branch matches anything else
            kind = m.lastgroup
            line, col = self._position(pos)
            if kind == "open_text":
                raise EfgSyntaxError(
                    self.source, line, col, "expected a closing '\"' for this label"
                )
            if kind != "space":
                body = m.group()
                if kind == "text":
                    body = _unescape(body[1:-1])
                yield _Token(kind, body, line, col)
            pos = m.end()
        line, col = self._position(n)
        while True:
            yield _Token("eof", "", line, col)

    def advance(self) -> _Token:
        tok = self.current
        self.current = next(self._tokens)
        return tok

    def expect(self, kind: str, what: str) -> _Token:
        if self.current.kind != kind:
            raise self.error(f"expected {what}")
        return self.advance()

    def accept(self, kind: str) -> _Token | None:
        return self.advance() if self.current.kind == kind else None

    def number(self, what: str) -> tuple[Fraction, _Token]:
        tok = self.expect("number", what)
        try:
            return Fraction(tok.text), tok
        except ZeroDivisionError:
            raise self.error(f"expected {what}; {tok.text} divides by zero", tok) from None

    def integer(self, what: str, minimum: int) -> tuple[int, _Token]:
        tok = self.current
        if tok.kind != "number" or not re.fullmatch(r"\+?\d+", tok.text):
            raise self.error(f"expected {what}")
        value = int(tok.text)
        if value < minimum:
            raise self.error(f"expected {what} (at least {minimum})")
        self.advance()
        return value, tok


# --------------------------------------------------------------------------- parser


@dataclass
class _SetDef:
    player: int
    number: int
    label: str
    actions: tuple[str, ...]
    probs: tuple[Fraction, ...] | None
    line: int


@dataclass
class _Parsed:
    kind: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    set_key: list[tuple[int, int] | None] = field(default_factory=list)
    outcome_number: list[int] = field(default_factory=list)
    children: list[list[int]] = field(default_factory=list)
    sets: dict[tuple[int, int], _SetDef] = field(default_factory=dict)
    outcomes: dict[int, tuple[str, tuple[Fraction, ...], int]] = field(default_factory=dict)
    references: dict[int, _Token] = field(default_factory=dict)


def parse_efg(text: str, source: str = "<string>") -> Game:
    """Parse the text of a Gambit ``.efg`` file (``EFG 2 R`` or ``EFG 2 D``) into a :class:`Game`.

    Information sets keep their numbers from the file (``Game.infoset_number``), so
    ``Game.player_infosets(p)`` lists them as the file numbers them; outcomes are
    indexed by ascending outcome number.  Raises :class:`EfgSyntaxError` located at
    ``source:line:column`` for any syntax or consistency error.
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
    pending: list[tuple[int, int]] = []  # (parent node, children still to read)
    _parse_node(lex, parsed, -1, len(players))
    _push(parsed, pending)
    while pending:
        parent, left = pending[-1]
        if left == 1:
            pending.pop()
        else:
            pending[-1] = (parent, left - 1)
        _parse_node(lex, parsed, parent, len(players))
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


def _push(parsed: _Parsed, pending: list[tuple[int, int]]) -> None:
    v = len(parsed.kind) - 1
    key = parsed.set_key[v]
    if key is not None:
        pending.append((v, len(parsed.sets[key].actions)))


def _parse_node(lex: _Lexer, parsed: _Parsed, parent: int, n_players: int) -> None:
    tok = lex.current
    if tok.kind == "eof":
        raise lex.error(
            "expected a node ('c', 'p' or 't'): the file ends before the tree is complete"
        )
    if tok.kind != "symbol" or tok.text not in ("c", "p", "t"):
        shown = tok.text if tok.kind != "text" else f'"{tok.text}"'
        raise lex.error(f"expected a node type 'c', 'p' or 't', found unknown node type {shown!r}")
    lex.advance()
    label = lex.expect("text", "the node label as a quoted string").text
    key: tuple[int, int] | None = None
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
        key = (player, number)
        _parse_infoset(lex, parsed, key, stok)
    v = len(parsed.kind)
    parsed.kind.append(int(kind))
    parsed.parent.append(parent)
    parsed.labels.append(label)
    parsed.set_key.append(key)
    parsed.children.append([])
    if parent >= 0:
        parsed.children[parent].append(v)
    parsed.outcome_number.append(_parse_outcome(lex, parsed, n_players))


def _who(key: tuple[int, int]) -> str:
    player, number = key
    return f"chance information set {number}" if player == CHANCE else (
        f"information set {number} of player {player + 1}"
    )


def _parse_infoset(lex: _Lexer, parsed: _Parsed, key: tuple[int, int], stok: _Token) -> None:
    known = parsed.sets.get(key)
    if lex.current.kind != "text":
        if known is None:
            raise lex.error(
                f"expected the label and actions of {_who(key)}, which is not defined yet "
                f'(write e.g. "label" {{ "action" ... }} at its first node)'
            )
        return
    set_label = lex.advance().text
    open_tok = lex.expect("lbrace", "'{' opening the list of actions")
    actions: list[str] = []
    probs: list[Fraction] = []
    chance = key[0] == CHANCE
    while lex.current.kind == "text":
        actions.append(lex.advance().text)
        if chance:
            p, ptok = lex.number(f"the probability of chance action {actions[-1]!r}")
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
    if known is None:
        parsed.sets[key] = _SetDef(
            key[0], key[1], set_label, tuple(actions), tuple(probs) if chance else None,
            stok.line,
        )
        return
    if known.actions != tuple(actions):
        raise lex.error(
            f"expected the same actions as at the first node of {_who(key)} (line "
            f"{known.line}: {list(known.actions)}), found {actions}",
            stok,
        )
    if chance and known.probs != tuple(probs):
        raise lex.error(
            f"expected the same probabilities as at the first node of {_who(key)} "
            f"(line {known.line})",
            close_tok,
        )


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
    while lex.current.kind != "rbrace":
        if lex.current.kind != "number":
            raise lex.error("expected a number or '}'")
        payoffs.append(lex.number("a payoff")[0])
        lex.accept("comma")
    close = lex.advance()
    if len(payoffs) != n_players:
        raise lex.error(
            f"expected {n_players} payoffs (one per player), found {len(payoffs)}", close
        )
    known = parsed.outcomes.get(number)
    if known is None:
        parsed.outcomes[number] = (out_label, tuple(payoffs), otok.line)
    elif known[1] != tuple(payoffs):
        raise lex.error(
            f"expected the same payoffs as the first definition of outcome {number} "
            f"(line {known[2]})",
            otok,
        )
    return number


def _assemble(parsed: _Parsed, title: str, players: tuple[str, ...], description: str) -> Game:
    keys = sorted(parsed.sets, key=lambda k: (k[0] == CHANCE, k[0], k[1]))
    set_index = {k: i for i, k in enumerate(keys)}
    out_numbers = sorted(parsed.outcomes)
    out_index = {num: i for i, num in enumerate(out_numbers)}
    n = len(parsed.kind)
    counts = np.array([len(c) for c in parsed.children], dtype=np.int64)
    child_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    children = np.array([c for kids in parsed.children for c in kids], dtype=np.int32)
    probs = np.zeros(int(child_ptr[-1]), dtype=np.float64)
    infoset = np.full(n, -1, dtype=np.int32)
    for v, key in enumerate(parsed.set_key):
        if key is None:
            continue
        infoset[v] = set_index[key]
        sdef = parsed.sets[key]
        if sdef.probs is not None:
            probs[child_ptr[v] : child_ptr[v + 1]] = [float(p) for p in sdef.probs]
    payoffs = np.array(
        [[float(x) for x in parsed.outcomes[num][1]] for num in out_numbers], dtype=np.float64
    ).reshape(len(out_numbers), len(players))
    return Game(
        title=title,
        players=players,
        kind=np.array(parsed.kind, dtype=np.int8),
        parent=np.array(parsed.parent, dtype=np.int32),
        child_ptr=child_ptr,
        children=children,
        infoset=infoset,
        node_labels=tuple(parsed.labels),
        infoset_player=np.array([k[0] for k in keys], dtype=np.int32),
        infoset_number=np.array([k[1] for k in keys], dtype=np.int32),
        infoset_labels=tuple(parsed.sets[k].label for k in keys),
        action_labels=tuple(parsed.sets[k].actions for k in keys),
        chance_probs=probs,
        outcome=np.array(
            [out_index[o] if o else -1 for o in parsed.outcome_number], dtype=np.int32
        ),
        outcome_labels=tuple(parsed.outcomes[num][0] for num in out_numbers),
        outcome_payoffs=payoffs,
        description=description,
    )


def read_efg(path: str | Path) -> Game:
    """Read a Gambit ``.efg`` file; a missing or unreadable file is an :class:`InputError`."""
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(
            "file not found", where=str(p), fix="Check the path (and the current directory)"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not a UTF-8 text file (byte {exc.start})", where=str(p),
            fix="Save the game as plain UTF-8 text",
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", where=str(p)) from None
    return parse_efg(text, source=str(p))


# --------------------------------------------------------------------------- writer


def format_number(x: float) -> str:
    """Write ``x`` exactly: ``p/q`` when a fraction with ``q <= 10**6`` equals ``x``, else ``repr``.

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
    return repr(value)


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


def write_efg(game: Game, sample: int | None = None) -> str:
    """The game as the text of a Gambit ``EFG 2 R`` file.

    Information sets keep their numbers; outcomes are numbered by index + 1 and
    written with label and payoffs at every node that carries them (as Gambit
    does).  Chance nodes of one set whose probabilities differ (possible in a
    sampled game built node by node) are written as separate chance sets.  A game
    with a sample dimension needs ``sample``.
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
    numbers = _unique_numbers(game)
    probs = game.chance_probs
    pay = game.outcome_payoffs
    chance_numbers: dict[tuple[int, tuple[float, ...]], int] = {}
    next_chance = int(max(numbers[game.infoset_player == CHANCE], default=0)) + 1
    split_sets: set[int] = set()
    players = " ".join(_quote(p) for p in game.players)
    lines = [f"EFG 2 R {_quote(game.title)} {{ {players} }}", _quote(game.description), ""]
    stack = [0]
    while stack:
        v = stack.pop()
        lo, hi = int(game.child_ptr[v]), int(game.child_ptr[v + 1])
        stack.extend(int(c) for c in game.children[lo:hi][::-1])
        head = f"{_quote(game.node_labels[v])}"
        h = int(game.infoset[v])
        if game.kind[v] == NodeKind.TERMINAL:
            record = f"t {head}"
        else:
            acts = game.action_labels[h]
            set_label = _quote(game.infoset_labels[h])
            if game.kind[v] == NodeKind.CHANCE:
                p = tuple(float(x) for x in probs[lo:hi])
                num = chance_numbers.get((h, p))
                if num is None:
                    if h in split_sets:
                        num, next_chance = next_chance, next_chance + 1
                    else:
                        num = int(numbers[h])
                        split_sets.add(h)
                    chance_numbers[(h, p)] = num
                body = " ".join(f"{_quote(a)} {format_number(x)}" for a, x in zip(acts, p, strict=True))
                record = f"c {head} {num} {set_label} {{ {body} }}"
            else:
                pl = int(game.infoset_player[h]) + 1
                body = " ".join(_quote(a) for a in acts)
                record = f"p {head} {pl} {int(numbers[h])} {set_label} {{ {body} }}"
        o = int(game.outcome[v])
        if o < 0:
            record += " 0"
        else:
            values = ", ".join(format_number(x) for x in pay[o])
            record += f" {o + 1} {_quote(game.outcome_labels[o])} {{ {values} }}"
        lines.append(record)
    return "\n".join(lines) + "\n"


def _unique_numbers(game: Game) -> np.ndarray:
    """Information-set numbers, renumbered 1..k within a player only if the game's clash."""
    numbers = game.infoset_number.astype(np.int64).copy()
    for pl in np.unique(game.infoset_player):
        idx = np.flatnonzero(game.infoset_player == pl)
        nums = numbers[idx]
        if len(np.unique(nums)) != len(nums) or np.any(nums < 1):
            numbers[idx] = np.arange(1, len(idx) + 1)
    return numbers
