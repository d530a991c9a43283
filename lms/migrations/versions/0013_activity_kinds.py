"""activity kinds from the registry

The activity kind is no longer a fixed list in the schema: `kind IN ('lesson', 'quiz')` becomes
"kind is named", and lms.activities (the registry) says which kinds exist. Kind names may be up to 20
characters, in activities.kind and in completions.source (a kind's own rule completes with its name).
Rows, their kinds and every trainee's completions are kept as they are.

Revision ID: 0013_activity_kinds
Revises: 0015_enterprises
Create Date: 2026-12-01 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_activity_kinds'
down_revision = '0015_enterprises'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_kind_known'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=10), type_=sa.String(length=20),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_activities_kind_named'), "kind <> ''")
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=10), type_=sa.String(length=20),
                              existing_nullable=False)


def downgrade():
    # Only lessons and quizzes fit the old schema: a database with other kinds cannot go back.
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=20), type_=sa.String(length=10),
                              existing_nullable=False)
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_kind_named'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=10),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_activities_kind_known'), "kind IN ('lesson', 'quiz')")
