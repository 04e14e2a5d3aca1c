"""Feedback is idempotent per EHR (client) as well: the same item from two EHRs is two records.

The key was (card, service posted to, item digest): an EHR that posted an item identical to one another EHR had
posted first got "duplicate", and its own record (and the snooze it asked for) was never stored. Rows already
stored take their client as the key ('' where none was recorded: authentication off).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_feedback = sa.table("feedback", sa.column("client", sa.String), sa.column("client_key", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("client_key", sa.String(512), nullable=False, server_default=""))
    op.get_bind().execute(_feedback.update().values(client_key=sa.func.coalesce(_feedback.c.client, "")))
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_item", type_="unique")
        batch.create_unique_constraint("uq_feedback_item", ["card_uuid", "service_id", "client_key", "item_digest"])


def downgrade() -> None:
    """Back to one row per (card, service, item): of the same item from several EHRs, the first stored is kept."""
    connection = op.get_bind()
    feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("card_uuid", sa.String),
                        sa.column("service_id", sa.String), sa.column("item_digest", sa.String))
    keep = sa.select(sa.func.min(feedback.c.id)).group_by(feedback.c.card_uuid, feedback.c.service_id,
                                                          feedback.c.item_digest)
    connection.execute(feedback.delete().where(feedback.c.id.not_in(keep)))
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_item", type_="unique")
        batch.create_unique_constraint("uq_feedback_item", ["card_uuid", "service_id", "item_digest"])
        batch.drop_column("client_key")
