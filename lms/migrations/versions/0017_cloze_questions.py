"""embedded-answers (cloze) questions

Revision ID: 0017_cloze_questions
Revises: 0012_question_units
Create Date: 2026-12-01 15:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_cloze_questions'
down_revision = '0012_question_units'
branch_labels = None
depends_on = None

OLD = "kind IN ('multichoice', 'truefalse', 'shortanswer', 'numerical', 'matching', 'essay', 'description')"
NEW = "kind IN ('multichoice', 'truefalse', 'shortanswer', 'numerical', 'matching', 'cloze', 'essay', 'description')"


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_questions_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_questions_kind_known'), NEW)


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_questions_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_questions_kind_known'), OLD)
