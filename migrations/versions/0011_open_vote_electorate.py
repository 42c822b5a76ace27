"""open votes: the public electorate is the one counted when voting opened

Votes opened before this revision have no stored electorate, so their pages would show the
live count, which moves the minute a named newcomer redeems a letter code. Store today's
count for them; votes opened from now on store it when they open.

Revision ID: 0011_open_vote_electorate
Revises: 0010_paper_ballot_contest
"""

from __future__ import annotations

from alembic import op

revision = "0011_open_vote_electorate"
down_revision = "0010_paper_ballot_contest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE proposal SET eligible_count = (
            SELECT count(*) FROM eligibility
            JOIN user_account ON user_account.id = eligibility.user_id
            WHERE eligibility.area_id = proposal.area_id AND user_account.active
        )
        WHERE state = 'voting' AND eligible_count IS NULL
        """
    )


def downgrade() -> None:
    """Nothing to undo: the stored count is what the close sets again."""
