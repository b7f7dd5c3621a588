"""How a crisis ends for the challenger: the four outcomes of the war lottery.

Both crisis templates give every terminal (or class of terminals) a lottery over
victory, stalemate, defeat and concession, the outcomes on which the leader's fate
turns (Goemans 2000; Chiozza & Goemans 2011).  The codes below index the last axis of
those lotteries, in the order of :class:`brink.mechanisms.survival.WarOutcome`.
"""

from __future__ import annotations

from brink.mechanisms.survival import WarOutcome

__all__ = ["CONCESSION", "DEFEAT", "STALEMATE", "VICTORY"]

#: Outcome codes (columns of a war lottery), as in :class:`brink.mechanisms.survival.WarOutcome`.
VICTORY, STALEMATE, DEFEAT, CONCESSION = range(len(WarOutcome))
