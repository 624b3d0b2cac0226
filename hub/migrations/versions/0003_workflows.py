"""workflows: reporting rounds, joint reviews, personal matters checks, rectification items, decision ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:46:31.053010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporting_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opened_by_user', sa.String(length=128), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('deadline >= period_start', name=op.f('ck_reporting_round_deadline_after_start')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_reporting_round_period_in_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_round'))
    )
    with op.batch_alter_table('reporting_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_round_deadline'), ['deadline'], unique=False)

    op.create_table('report_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('agency', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('kind', sa.Enum('round_return', 'urgent', name='submissionkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_user', sa.String(length=128), nullable=True),
    sa.Column('nil_return', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(round_id IS NULL) = (kind = 'urgent')", name=op.f('ck_report_submission_round_unless_urgent')),
    sa.CheckConstraint('submitted_on IS NOT NULL OR NOT nil_return', name=op.f('ck_report_submission_nil_return_is_submitted')),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_report_submission_round_id_reporting_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_submission')),
    sa.UniqueConstraint('round_id', 'agency', name='round_agency')
    )
    with op.batch_alter_table('report_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submission_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_submission_round_id'), ['round_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_decision_cadre_id_cadre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index('ix_decision_subject', ['subject', 'subject_id'], unique=False)

    op.create_table('joint_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('selection_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'concluded', name='reviewstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opened_by', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='opening_agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opened_by_user', sa.String(length=128), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('last_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conclusion', sa.Enum('proceed', 'stop', 'suspend', name='reviewconclusion', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('concluded_by', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='concluding_agency', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('concluded_by_user', sa.String(length=128), nullable=True),
    sa.Column('concluded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'concluded') = (conclusion IS NOT NULL)", name=op.f('ck_joint_review_concluded_with_conclusion')),
    sa.ForeignKeyConstraint(['candidate_id'], ['cadre.id'], name=op.f('fk_joint_review_candidate_id_cadre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_joint_review_post_id_post')),
    sa.ForeignKeyConstraint(['selection_id'], ['selection.id'], name=op.f('fk_joint_review_selection_id_selection'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_review'))
    )
    with op.batch_alter_table('joint_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_review_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_review_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_review_selection_id'), ['selection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_review_status'), ['status'], unique=False)
        batch_op.create_index('uq_joint_review_open_candidate_post', ['candidate_id', 'post_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('matters_verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Enum('consistent', 'omission', 'concealment', 'pending', name='matterfinding', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('follow_up', sa.Enum('none', 'criticism_and_education', 'admonishment', name='followup', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('promotion_withdrawn', sa.Boolean(), nullable=False),
    sa.Column('supervision_action_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_by_user', sa.String(length=128), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['personal_matters_report.id'], name=op.f('fk_matters_verification_report_id_personal_matters_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervision_action_id'], ['supervision_action.id'], name=op.f('fk_matters_verification_supervision_action_id_supervision_action'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matters_verification')),
    sa.UniqueConstraint('report_id', name=op.f('uq_matters_verification_report_id'))
    )
    with op.batch_alter_table('matters_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_verification_supervision_action_id'), ['supervision_action_id'], unique=False)

    op.create_table('rectification_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('completed_by_user', sa.String(length=128), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('completed_on IS NULL OR completed_by_user IS NOT NULL', name=op.f('ck_rectification_item_completed_by_someone')),
    sa.ForeignKeyConstraint(['action_id'], ['supervision_action.id'], name=op.f('fk_rectification_item_action_id_supervision_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_item'))
    )
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_item_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_item_due_on'), ['due_on'], unique=False)

    op.create_table('submitted_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('negative_record_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['negative_record_id'], ['negative_record.id'], name=op.f('fk_submitted_record_negative_record_id_negative_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submission.id'], name=op.f('fk_submitted_record_submission_id_report_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submitted_record')),
    sa.UniqueConstraint('negative_record_id', name=op.f('uq_submitted_record_negative_record_id'))
    )
    with op.batch_alter_table('submitted_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submitted_record_submission_id'), ['submission_id'], unique=False)

    op.create_table('matter_gap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verification_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('marriage', 'emigration', 'employment', 'study', 'business', 'real_estate', 'investment', 'insurance', name='mattercategory', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('intentional', sa.Boolean(), nullable=False),
    sa.Column('finding', sa.Enum('consistent', 'omission', 'concealment', 'pending', name='matterfinding', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['matter_item.id'], name=op.f('fk_matter_gap_item_id_matter_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verification_id'], ['matters_verification.id'], name=op.f('fk_matter_gap_verification_id_matters_verification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_gap')),
    sa.UniqueConstraint('item_id', name=op.f('uq_matter_gap_item_id'))
    )
    with op.batch_alter_table('matter_gap', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_gap_verification_id'), ['verification_id'], unique=False)

    op.create_table('review_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.Enum('org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security', name='agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('verdict', sa.Enum('normal', 'abnormal', name='reviewverdict', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_user', sa.String(length=128), nullable=True),
    sa.Column('counted_in_conclusion', sa.Boolean(), nullable=False),
    sa.CheckConstraint('verdict IS NOT NULL OR NOT counted_in_conclusion', name=op.f('ck_review_answer_counted_only_if_answered')),
    sa.ForeignKeyConstraint(['review_id'], ['joint_review.id'], name=op.f('fk_review_answer_review_id_joint_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_answer')),
    sa.UniqueConstraint('review_id', 'agency', name='review_agency')
    )
    with op.batch_alter_table('review_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_answer_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_answer_review_id'), ['review_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_answer_review_id'))
        batch_op.drop_index(batch_op.f('ix_review_answer_agency'))

    op.drop_table('review_answer')
    with op.batch_alter_table('matter_gap', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matter_gap_verification_id'))

    op.drop_table('matter_gap')
    with op.batch_alter_table('submitted_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submitted_record_submission_id'))

    op.drop_table('submitted_record')
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_item_due_on'))
        batch_op.drop_index(batch_op.f('ix_rectification_item_action_id'))

    op.drop_table('rectification_item')
    with op.batch_alter_table('matters_verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_verification_supervision_action_id'))

    op.drop_table('matters_verification')
    with op.batch_alter_table('joint_review', schema=None) as batch_op:
        batch_op.drop_index('uq_joint_review_open_candidate_post', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_joint_review_status'))
        batch_op.drop_index(batch_op.f('ix_joint_review_selection_id'))
        batch_op.drop_index(batch_op.f('ix_joint_review_post_id'))
        batch_op.drop_index(batch_op.f('ix_joint_review_candidate_id'))

    op.drop_table('joint_review')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_subject')
        batch_op.drop_index(batch_op.f('ix_decision_cadre_id'))

    op.drop_table('decision')
    with op.batch_alter_table('report_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submission_round_id'))
        batch_op.drop_index(batch_op.f('ix_report_submission_agency'))

    op.drop_table('report_submission')
    with op.batch_alter_table('reporting_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_round_deadline'))

    op.drop_table('reporting_round')
