"""session security: login sessions kept on the server, hashed calendar feed tokens

Revision ID: 0009_session_security
Revises: 0017_cloze_questions
Create Date: 2026-12-01 15:30:00.000000

Cookies made before this revision name no login session: everybody logs in once more after upgrading.
Calendar feed addresses made before it stop working; each user makes a new one on the profile page.
"""
from alembic import op
import sqlalchemy as sa
import lms.db


# revision identifiers, used by Alembic.
revision = '0009_session_security'
down_revision = '0017_cloze_questions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token_hash'), ['calendar_token_hash'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token_hash'), type_='unique')
        batch_op.drop_column('calendar_token_hash')

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')
