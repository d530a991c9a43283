"""attendance honesty: membership end dates, the programme's time zone, failed check-in codes

Revision ID: 0010_attendance_honesty
Revises: 0009_session_security
Create Date: 2026-12-01 15:00:00

Leaving a cohort now keeps the membership row (left_at) so the attendance of past sessions stays
right; existing memberships are all current. Existing programmes get Europe/Athens, the default.
"""
from alembic import op
import sqlalchemy as sa
import lms.db


# revision identifiers, used by Alembic.
revision = '0010_attendance_honesty'
down_revision = '0009_session_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'check_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', lms.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], name=op.f('fk_check_in_failures_session_id_class_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_check_in_failures_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_failures')),
    )
    with op.batch_alter_table('check_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_failures_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_failures_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_failures_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', lms.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('timezone', sa.String(length=64), server_default='Europe/Athens', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('left_at')

    with op.batch_alter_table('check_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_failures_user_id'))
        batch_op.drop_index(batch_op.f('ix_check_in_failures_session_id'))
        batch_op.drop_index(batch_op.f('ix_check_in_failures_at'))
        batch_op.drop_index(batch_op.f('ix_check_in_failures_address'))

    op.drop_table('check_in_failures')
