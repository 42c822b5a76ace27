"""Paper and assisted participation for public votes and consultations (issue 17).

An officer at a desk (library, housing office, phone line) enters a numbered paper vote or
consultation form for a resident, who can contest it (the contest follows the flow every
paper entry shares, `civic.contests`). Budget rounds keep their own paper ballots
(civic.budgets); this package reuses their ideas and `civic.ballot_box`."""
