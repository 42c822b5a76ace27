"""The counting rule and its tie-break by lot, alone (no database)."""

from __future__ import annotations

import hashlib

import pytest

from civic.groups.election_count import count, lot, recall_passes

SEED = "ab" * 32


def test_single_seat_is_plurality():
    result = count([1, 2, 3], [[1], [2], [2], [3], [2]], seats=1, seed=SEED)
    assert result.votes == {1: 1, 2: 3, 3: 1}
    assert result.elected == [2]
    assert result.by_lot == []  # the tie between 1 and 3 decides no seat


def test_several_seats_take_the_most_voted():
    ballots = [[1, 2], [1, 3], [1, 2], [4], [2]]
    result = count([1, 2, 3, 4], ballots, seats=2, seed=SEED)
    assert result.votes == {1: 3, 2: 3, 3: 1, 4: 1}
    assert sorted(result.elected) == [1, 2]
    assert result.by_lot == []


def test_a_candidate_without_votes_is_never_elected():
    result = count([1, 2, 3], [[1], [1]], seats=2, seed=SEED)
    assert result.elected == [1]


def test_a_tie_for_the_last_seat_is_drawn_by_the_published_lot():
    result = count([7, 8, 9], [[7, 8], [9, 7], [8]], seats=2, seed=SEED)
    # 7 has 2; 8 and 9 tie... 8 has 2 too: 7 and 8 take both seats with no lot
    assert sorted(result.elected) == [7, 8] and result.by_lot == []
    tied = count([7, 8, 9], [[7], [8], [9]], seats=2, seed=SEED)
    assert sorted(tied.by_lot) == [7, 8, 9]
    expected = sorted([7, 8, 9], key=lambda c: hashlib.sha256(f"{SEED}:{c}".encode()).hexdigest())
    assert tied.elected == expected[:2]  # anyone can redo the draw from the seed


def test_the_draw_depends_on_the_seed_and_nothing_else():
    ballots = [[1], [2]]
    outcomes = {tuple(count([1, 2], ballots, 1, f"{n:064x}").elected) for n in range(40)}
    assert outcomes == {(1,), (2,)}  # different seeds draw differently
    again = {tuple(count([1, 2], list(reversed(ballots)), 1, SEED).elected) for _ in range(5)}
    assert len(again) == 1  # and the same seed always the same way, whatever the order
    assert lot(SEED, 1) == hashlib.sha256(f"{SEED}:1".encode()).hexdigest()


@pytest.mark.parametrize("ballot", [[1, 2], [5]])
def test_a_ballot_with_too_many_or_unknown_choices_is_refused(ballot):
    with pytest.raises(ValueError):
        count([1, 2], [ballot], seats=1, seed=SEED)


def test_no_seats_is_refused():
    with pytest.raises(ValueError):
        count([1], [], seats=0, seed=SEED)


@pytest.mark.parametrize(
    ("yes", "no", "electorate", "passes"),
    [(3, 2, 10, True), (3, 3, 10, False), (2, 1, 10, False), (5, 0, 10, True), (0, 0, 0, False)],
)
def test_recall_needs_a_majority_and_half_the_members_voting(yes, no, electorate, passes):
    assert recall_passes(yes, no, electorate) is passes
