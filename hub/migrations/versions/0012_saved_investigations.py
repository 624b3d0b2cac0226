"""saved investigations: a drawn subgraph, its layout and notes, saved to a case by an agency

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06 08:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_investigation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('author_user', sa.String(length=64), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('subgraph', sa.JSON(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_saved_investigation_case_id_case_file'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_investigation'))
    )
    with op.batch_alter_table('saved_investigation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_investigation_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_investigation_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('saved_investigation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_investigation_case_id'))
        batch_op.drop_index(batch_op.f('ix_saved_investigation_agency'))
    op.drop_table('saved_investigation')
