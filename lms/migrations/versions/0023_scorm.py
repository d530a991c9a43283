"""SCORM packages and trainees' run-time data

Revision ID: 0023_scorm
Revises: 0013a_assignments
Create Date: 2026-12-01 18:00:00

"""
from alembic import op
import sqlalchemy as sa
import lms.db


# revision identifiers, used by Alembic.
revision = '0023_scorm'
down_revision = '0013a_assignments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scorm_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_scorm_packages_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_scorm_packages_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_packages'))
    )
    with op.batch_alter_table('scorm_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_packages_activity_id'), ['activity_id'], unique=True)

    op.create_table('scorm_tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sco', sa.String(length=255), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('total_seconds', sa.Float(), nullable=False),
    sa.Column('session_seconds', sa.Float(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_scorm_tracks_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scorm_tracks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_tracks')),
    sa.UniqueConstraint('activity_id', 'user_id', 'sco', name='uq_scorm_tracks_activity_user_sco')
    )
    with op.batch_alter_table('scorm_tracks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_tracks_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorm_tracks_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scorm_tracks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_tracks_user_id'))
        batch_op.drop_index(batch_op.f('ix_scorm_tracks_activity_id'))

    op.drop_table('scorm_tracks')
    with op.batch_alter_table('scorm_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_packages_activity_id'))

    op.drop_table('scorm_packages')
