"""Initial schema: issued cards, audit calls, feedback, snoozes, JWT replay cache.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issued_cards",
        sa.Column("uuid", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("hook_instance", sa.String(256), nullable=False),
        sa.Column("patient_id", sa.String(256)),
        sa.Column("encounter_id", sa.String(256)),
        sa.Column("client", sa.String(512)),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("suggestion_uuids", sa.JSON, nullable=False),
    )
    op.create_index("ix_issued_cards_rule_id", "issued_cards", ["rule_id"])
    op.create_index("ix_issued_cards_issued_at", "issued_cards", ["issued_at"])

    op.create_table(
        "audit_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("called_at", TZ, nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("hook_instance", sa.String(256), nullable=False),
        sa.Column("client", sa.String(512)),
        sa.Column("patient_id", sa.String(256)),
        sa.Column("encounter_id", sa.String(256)),
        sa.Column("fired", sa.JSON, nullable=False),
        sa.Column("suppressed", sa.JSON, nullable=False),
        sa.Column("not_evaluable", sa.JSON, nullable=False),
        sa.Column("snoozed", sa.JSON, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("cards", sa.JSON, nullable=False),
        sa.Column("knowledge_version", sa.String(128), nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("request_body", sa.JSON),
    )
    op.create_index("ix_audit_calls_called_at", "audit_calls", ["called_at"])
    op.create_index("ix_audit_calls_hook_instance", "audit_calls", ["hook_instance"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("card_uuid", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_timestamp", sa.String(64), nullable=False),
        sa.Column("outcome_at", TZ),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("client", sa.String(512)),
        sa.Column("known_card", sa.Boolean, nullable=False),
        sa.Column("rule_id", sa.String(128)),
        sa.Column("indicator", sa.String(16)),
        sa.Column("patient_id", sa.String(256)),
        sa.Column("accepted_suggestions", sa.JSON, nullable=False),
        sa.Column("override_system", sa.String(512)),
        sa.Column("override_code", sa.String(128)),
        sa.Column("override_display", sa.String(512)),
        sa.Column("user_comment", sa.Text),
        sa.Column("snoozed_until", TZ),
        sa.UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_item"),
    )
    op.create_index("ix_feedback_card_uuid", "feedback", ["card_uuid"])
    op.create_index("ix_feedback_received_at", "feedback", ["received_at"])
    op.create_index("ix_feedback_rule_id", "feedback", ["rule_id"])

    op.create_table(
        "snoozes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(256), nullable=False),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("reason_code", sa.String(128)),
        sa.Column("reason_display", sa.String(512)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("until", TZ, nullable=False),
        sa.Column("card_uuid", sa.String(64), nullable=False),
    )
    op.create_index("ix_snoozes_patient_rule", "snoozes", ["patient_id", "rule_id", "until"])

    op.create_table(
        "jwt_replay",
        sa.Column("iss", sa.String(512), primary_key=True),
        sa.Column("jti", sa.String(256), primary_key=True),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_jwt_replay_expires_at", "jwt_replay", ["expires_at"])


def downgrade() -> None:
    for table in ("jwt_replay", "snoozes", "feedback", "audit_calls", "issued_cards"):
        op.drop_table(table)
