"""A snooze holds a card back only for the EHR (client) and the CDS service that showed the overridden card.

A FHIR patient id is unique only within one EHR: keyed by the patient alone, one EHR's override hid another EHR's
card for a different patient with the same id (and told it the first one's reason). And an override of a
patient-view card held back the order-sign card of the same rule about a new draft. Rows already stored take the
client and service of the card they were made for; the few whose card is gone keep no service and so match
nothing (they would have expired within the snooze period anyway).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_snoozes = sa.table("snoozes", sa.column("card_uuid", sa.String), sa.column("client", sa.String),
                    sa.column("service_id", sa.String))
_issued = sa.table("issued_cards", sa.column("uuid", sa.String), sa.column("client", sa.String),
                   sa.column("service_id", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("snoozes") as batch:
        batch.add_column(sa.Column("client", sa.String(512), nullable=False, server_default=""))
        batch.add_column(sa.Column("service_id", sa.String(64)))
    card = _issued.c.uuid == _snoozes.c.card_uuid
    op.get_bind().execute(_snoozes.update().values(
        client=sa.func.coalesce(sa.select(_issued.c.client).where(card).scalar_subquery(), ""),
        service_id=sa.select(_issued.c.service_id).where(card).scalar_subquery()))
    op.drop_index("ix_snoozes_patient_rule", "snoozes")
    op.create_index("ix_snoozes_scope", "snoozes", ["patient_id", "service_id", "client", "until"])


def downgrade() -> None:
    op.drop_index("ix_snoozes_scope", "snoozes")
    op.create_index("ix_snoozes_patient_rule", "snoozes", ["patient_id", "rule_id", "until"])
    with op.batch_alter_table("snoozes") as batch:
        batch.drop_column("service_id")
        batch.drop_column("client")
