"""Counting an organiser election, and breaking ties by lot: pure, no Flask, no database.

The rule (published on every election page):
- Each member may choose up to as many candidates as there are seats, at most once each
  (one seat: a single choice, so plurality). The candidates with the most votes take the
  seats. A candidate needs at least one vote to be elected; seats nobody can fill stay empty.
- A tie that decides a seat is broken by lot. Each candidate's lot is
  SHA-256("<seed>:<candidate id>") in hex, where the seed is the audit log's root hash (hex)
  at the moment the count began, published in the count's audit entry. Among candidates
  with equal votes, the lower lot ranks first. Nobody can choose the seed (it depends on
  every entry before the count), and anyone holding the log can redo the draw.

A recall passes when more members vote yes than no and at least half the electorate voted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

RULE = (
    "Each member may choose up to as many candidates as there are seats, at most once each. "
    "The candidates with the most votes take the seats; a candidate needs at least one vote. "
    "A tie for the last seat is broken by lot: each tied candidate's lot is "
    'SHA-256("<seed>:<candidate id>") in hex, the lower lot winning, where the seed is the '
    "audit log's root hash when the count began, published with the count."
)
RULE_RECALL = (
    "The recall passes when more members vote yes than no and at least half of the members "
    "who could vote did. If it passes, the organiser returns to being a member."
)


def lot(seed: str, candidate_id: int) -> str:
    """The candidate's draw in the lots: lower wins a tie."""
    return hashlib.sha256(f"{seed}:{candidate_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Count:
    """The result: `votes` per candidate, every candidate in final order (`ranking`), the
    `elected` ones, and `by_lot`: the candidates whose places a tie at the last seat put to
    the lots (empty when no tie decided a seat)."""

    votes: dict[int, int]
    ranking: list[int]
    elected: list[int]
    by_lot: list[int]
    lots: dict[int, str]


def count(
    candidates: Sequence[int], ballots: Iterable[Sequence[int]], seats: int, seed: str
) -> Count:
    """Count `ballots` (each a list of candidate ids) for `seats` seats."""
    if seats < 1:
        raise ValueError("an election has at least one seat")
    votes = dict.fromkeys(candidates, 0)
    for ballot in ballots:
        chosen = set(ballot)
        if len(chosen) > seats or not chosen <= votes.keys():
            raise ValueError(f"a ballot chose {sorted(chosen)}: not a valid ballot")
        for candidate in chosen:
            votes[candidate] += 1
    lots = {c: lot(seed, c) for c in candidates}
    ranking = sorted(candidates, key=lambda c: (-votes[c], lots[c]))
    supported = [c for c in ranking if votes[c] > 0]
    elected = supported[:seats]
    by_lot: list[int] = []
    if len(supported) > seats and votes[supported[seats - 1]] == votes[supported[seats]]:
        tied = votes[supported[seats - 1]]
        by_lot = [c for c in supported if votes[c] == tied]
    return Count(votes, ranking, elected, by_lot, lots)


def recall_passes(yes: int, no: int, electorate: int) -> bool:
    """More yes than no, and at least half the electorate voted."""
    return yes > no and 2 * (yes + no) >= electorate
