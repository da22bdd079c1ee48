"""grouping index: LSH band keys and the letters' place index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_lsh_bands',
    sa.Column('letter_id', sa.String(length=32), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('letter_id', 'band')
    )
    with op.batch_alter_table('letter_lsh_bands', schema=None) as batch_op:
        batch_op.create_index('ix_letter_lsh_bands_band_bucket', ['band', 'bucket'], unique=False)

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index('ix_letters_place', ['township', 'county', 'category'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index('ix_letters_place')

    with op.batch_alter_table('letter_lsh_bands', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_lsh_bands_band_bucket')

    op.drop_table('letter_lsh_bands')
