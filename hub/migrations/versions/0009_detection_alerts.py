"""detection alerts: each rule's finding once per evidence, its handling, the scheduled run's checkpoint, and alerts
linked to cases

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TARGETS = ("(CASE WHEN cadre_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN person_id IS NULL THEN 0 ELSE 1 END)"
           " + (CASE WHEN organization_id IS NULL THEN 0 ELSE 1 END)")
WITH_ALERT = TARGETS + " + (CASE WHEN detection_alert_id IS NULL THEN 0 ELSE 1 END) = 1"


def upgrade() -> None:
    op.create_table('detection_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('jurisdiction', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('new', 'acknowledged', 'dismissed', 'escalated', 'reopened', name='alertstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('assignee_user', sa.String(length=64), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_user', sa.String(length=64), nullable=True),
    sa.Column('times_reopened', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_detection_alert_cadre_id_cadre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detection_alert')),
    sa.UniqueConstraint('rule', 'subject', 'fingerprint', name='rule_subject_fingerprint')
    )
    with op.batch_alter_table('detection_alert', schema=None) as batch_op:
        batch_op.create_index('ix_detection_alert_rule_subject', ['rule', 'subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_detection_alert_assignee_user'), ['assignee_user'], unique=False)
        batch_op.create_index(batch_op.f('ix_detection_alert_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_detection_alert_jurisdiction'), ['jurisdiction'], unique=False)
        batch_op.create_index(batch_op.f('ix_detection_alert_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_detection_alert_status'), ['status'], unique=False)

    op.create_table('detection_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_outbox_id', sa.Integer(), nullable=False),
    sa.Column('last_full_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detection_checkpoint'))
    )

    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detection_alert_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_link_detection_alert_id'), ['detection_alert_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_link_detection_alert_id_detection_alert'), 'detection_alert',
                                    ['detection_alert_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_case_link_exactly_one_target'), type_='check')
        batch_op.create_check_constraint('exactly_one_target', sa.text(WITH_ALERT))


def downgrade() -> None:
    op.execute("DELETE FROM case_link WHERE detection_alert_id IS NOT NULL")
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_link_exactly_one_target'), type_='check')
        batch_op.create_check_constraint('exactly_one_target', sa.text(TARGETS + " = 1"))
        batch_op.drop_constraint(batch_op.f('fk_case_link_detection_alert_id_detection_alert'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_link_detection_alert_id'))
        batch_op.drop_column('detection_alert_id')
    op.drop_table('detection_checkpoint')
    with op.batch_alter_table('detection_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_detection_alert_status'))
        batch_op.drop_index(batch_op.f('ix_detection_alert_rule'))
        batch_op.drop_index(batch_op.f('ix_detection_alert_jurisdiction'))
        batch_op.drop_index(batch_op.f('ix_detection_alert_cadre_id'))
        batch_op.drop_index(batch_op.f('ix_detection_alert_assignee_user'))
        batch_op.drop_index('ix_detection_alert_rule_subject')
    op.drop_table('detection_alert')
