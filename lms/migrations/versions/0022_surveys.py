"""surveys: who answered and the answers, apart; a session's survey; a programme's satisfaction question

Revision ID: 0022_surveys
Revises: 0023_scorm
Create Date: 2026-12-01 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_surveys'
down_revision = '0023_scorm'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_participations',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('context', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_survey_participations_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_participations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'context', 'user_id', name=op.f('pk_survey_participations')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_participations_user_id'), ['user_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('context', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_survey_responses_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_activity_id'), ['activity_id'], unique=False)

    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_class_sessions_survey_id_activities'), 'activities', ['survey_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('satisfaction_question', sa.String(length=40), server_default='overall', nullable=False))


def downgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('satisfaction_question')

    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_class_sessions_survey_id_activities'), type_='foreignkey')
        batch_op.drop_column('survey_id')

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_activity_id'))
    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_participations_user_id'))
    op.drop_table('survey_participations')
