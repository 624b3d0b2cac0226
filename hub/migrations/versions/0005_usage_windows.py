"""usage windows: graph time reserved and spent per user and per agency, shared by every hub process

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usage_window',
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('window', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('graph_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'window', name=op.f('pk_usage_window'))
    )


def downgrade() -> None:
    op.drop_table('usage_window')
