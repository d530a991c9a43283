"""numerical questions may declare units

Revision ID: 0012_question_units
Revises: 0008_programme_certificates
Create Date: 2026-12-01 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_question_units'
down_revision = '0008_programme_certificates'
branch_labels = None
depends_on = None


def upgrade():
    # Existing questions take bare numbers, as before: an empty list of units.
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('units', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('units')
