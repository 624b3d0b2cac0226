"""lapsed alerts: a detection alert whose evidence a later run no longer finds

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BEFORE = ('new', 'acknowledged', 'dismissed', 'escalated', 'reopened')
AFTER = (*BEFORE, 'lapsed')


def _allow(values: tuple[str, ...]) -> None:
    with op.batch_alter_table('detection_alert', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_detection_alert_alertstatus'), type_='check')
        batch_op.create_check_constraint('alertstatus', sa.text(
            "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"))


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    op.execute("UPDATE detection_alert SET status = 'new' WHERE status = 'lapsed'")  # a new alert again, unhandled
    _allow(BEFORE)
