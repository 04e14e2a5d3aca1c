"""Feedback is idempotent on the whole item and the service it was posted to, not on (card, outcome,
outcomeTimestamp).

The old key took a second item for the same card, outcome and time that now carried an override reason (or
other accepted suggestions) for a retry and dropped it: it was never stored and never snoozed. Rows already
stored get the digest the service computes for the same item (frozen here as it is at this revision), so that a
retry of one of them after the upgrade is still a duplicate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_feedback = sa.table(
    "feedback", sa.column("id", sa.Integer), sa.column("card_uuid", sa.String), sa.column("item_digest", sa.String),
    sa.column("outcome", sa.String), sa.column("outcome_timestamp", sa.String),
    sa.column("accepted_suggestions", sa.JSON), sa.column("override_system", sa.String),
    sa.column("override_code", sa.String), sa.column("override_display", sa.String),
    sa.column("user_comment", sa.Text))


def _digest(row: Any) -> str:
    """FeedbackItem.digest as it is at this revision, frozen here: a later change to the service's digest must not
    change what this migration did (it needs a migration of its own)."""
    content = [row.card_uuid, row.outcome, row.outcome_timestamp, sorted(row.accepted_suggestions or ()),
               row.override_system, row.override_code, row.override_display, row.user_comment]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("item_digest", sa.String(64)))
    connection = op.get_bind()
    digests = [{"row_id": row.id, "digest": _digest(row)} for row in connection.execute(sa.select(_feedback))]
    if digests:
        connection.execute(_feedback.update().where(_feedback.c.id == sa.bindparam("row_id"))
                           .values(item_digest=sa.bindparam("digest")), digests)
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("item_digest", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("uq_feedback_item", type_="unique")
        batch.create_unique_constraint("uq_feedback_item", ["card_uuid", "service_id", "item_digest"])


def downgrade() -> None:
    """Back to one row per (card, outcome, outcomeTimestamp): of the items that differ only in what they say,
    the first stored is kept."""
    connection = op.get_bind()
    keep = sa.select(sa.func.min(_feedback.c.id)).group_by(
        _feedback.c.card_uuid, _feedback.c.outcome, _feedback.c.outcome_timestamp)
    connection.execute(_feedback.delete().where(_feedback.c.id.not_in(keep)))
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_item", type_="unique")
        batch.create_unique_constraint("uq_feedback_item", ["card_uuid", "outcome", "outcome_timestamp"])
        batch.drop_column("item_digest")
