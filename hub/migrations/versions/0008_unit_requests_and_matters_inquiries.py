"""appointment requests and matters inquiries

An employing unit asks for one of its posts to be filled, with the cadres it proposes; the Organization Department
accepts the request (the selection it opens is linked) or declines it with a reason. For a personal matters report
the department asks the holders of records (market regulation, real estate, banking, securities) what they hold on
the cadre, one inquiry per holder.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:27:44.778498
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointment_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'declined', name='appointmentrequeststatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('submitted_by_user', sa.String(length=128), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_by_user', sa.String(length=128), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('selection_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'declined' OR decline_reason <> ''", name=op.f('ck_appointment_request_declined_with_reason')),
    sa.CheckConstraint("status = 'submitted' OR decided_by IS NOT NULL", name=op.f('ck_appointment_request_decided_by_someone')),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_appointment_request_post_id_post')),
    sa.ForeignKeyConstraint(['selection_id'], ['selection.id'], name=op.f('fk_appointment_request_selection_id_selection'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_appointment_request_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_request')),
    sa.UniqueConstraint('selection_id', name=op.f('uq_appointment_request_selection_id'))
    )
    with op.batch_alter_table('appointment_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_request_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_request_unit_id'), ['unit_id'], unique=False)

    op.create_table('matters_inquiry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('asked_on', sa.Date(), nullable=False),
    sa.Column('asked_by_user', sa.String(length=128), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_user', sa.String(length=128), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('answered_at IS NULL OR answered_by_user IS NOT NULL', name=op.f('ck_matters_inquiry_answered_by_someone')),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_matters_inquiry_cadre_id_cadre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['personal_matters_report.id'], name=op.f('fk_matters_inquiry_report_id_personal_matters_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matters_inquiry')),
    sa.UniqueConstraint('report_id', 'agency', name='report_agency')
    )
    with op.batch_alter_table('matters_inquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_inquiry_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_inquiry_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_inquiry_report_id'), ['report_id'], unique=False)

    op.create_table('appointment_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_appointment_candidate_cadre_id_cadre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['appointment_request.id'], name=op.f('fk_appointment_candidate_request_id_appointment_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_candidate')),
    sa.UniqueConstraint('request_id', 'cadre_id', name='request_cadre')
    )
    with op.batch_alter_table('appointment_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_candidate_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_candidate_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('appointment_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_candidate_request_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_candidate_cadre_id'))

    op.drop_table('appointment_candidate')
    with op.batch_alter_table('matters_inquiry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_inquiry_report_id'))
        batch_op.drop_index(batch_op.f('ix_matters_inquiry_cadre_id'))
        batch_op.drop_index(batch_op.f('ix_matters_inquiry_agency'))

    op.drop_table('matters_inquiry')
    with op.batch_alter_table('appointment_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_request_unit_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_request_status'))
        batch_op.drop_index(batch_op.f('ix_appointment_request_post_id'))

    op.drop_table('appointment_request')
