"""How a crisis ends for the challenger: the outcomes of the war lottery, and the settlement.

Both crisis templates give every terminal (or class of terminals) a lottery over
victory, stalemate, defeat and concession, the outcomes on which the leader's fate
turns (Goemans 2000; Chiozza & Goemans 2011).  The codes below index the last axis of
those lotteries (:data:`WAR_OUTCOMES` columns), in the order of
:class:`brink.mechanisms.survival.WarOutcome`.

:data:`SETTLEMENT` is the fifth ending: a negotiated division at a share ``x`` of the stake,
which the post-war game starts from as itself (partners see the challenger win ``x``; the
coalition judges ``x`` against the leader's announced war aims), not as a lottery of
victory and concession.  Build the post-war game's endings with
:func:`brink.aftermath.inputs.crisis_endings` to include it.
"""

from __future__ import annotations

from brink.mechanisms.survival import WarOutcome

__all__ = ["CONCESSION", "DEFEAT", "ENDINGS", "SETTLEMENT", "STALEMATE", "VICTORY", "WAR_OUTCOMES"]

#: Outcome codes (columns of a war lottery), as in :class:`brink.mechanisms.survival.WarOutcome`.
VICTORY, STALEMATE, DEFEAT, CONCESSION = range(4)
#: The code of a settlement, an ending of the post-war game of its own (not a lottery column).
SETTLEMENT = 4
#: Columns of a war lottery: victory, stalemate, defeat, concession.
WAR_OUTCOMES = 4
#: Every ending the post-war game starts from (the war outcomes and the settlement).
ENDINGS = len(WarOutcome)

assert tuple(WarOutcome)[SETTLEMENT] is WarOutcome.SETTLEMENT and ENDINGS == WAR_OUTCOMES + 1
