"""audit alerts: the anomalies the audit review found, where it stopped, and the audit searchable by user and time

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('entry_ids', sa.JSON(), nullable=False),
    sa.Column('cadre_ids', sa.JSON(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_alert')),
    sa.UniqueConstraint('key', name=op.f('uq_audit_alert_key'))
    )
    with op.batch_alter_table('audit_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_alert_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_alert_user'), ['user'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_alert_agency'), ['agency'], unique=False)
    op.create_table('audit_review_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_entry_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_review_state'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_user'), ['user'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_user'))
    op.drop_table('audit_review_state')
    with op.batch_alter_table('audit_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_alert_agency'))
        batch_op.drop_index(batch_op.f('ix_audit_alert_user'))
        batch_op.drop_index(batch_op.f('ix_audit_alert_rule'))
    op.drop_table('audit_alert')
