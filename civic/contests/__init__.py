"""One flow for a resident's contest of a paper entry an officer made for them.

Budget ballots, public votes and consultation responses can all be entered on paper; the
resident can contest what was entered, and a moderator other than the officer who entered
it decides to remove the entry (the resident can then take part again) or keep it. The
rules are the same for every kind and live in `civic.contests.flow`; each kind registers a
small adapter there (how to find its entry, remove it, and which row to lock).
"""
