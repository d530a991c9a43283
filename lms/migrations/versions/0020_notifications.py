"""notifications: in-app notifications, preferences per event type, the unread count on users

Revision ID: 0020_notifications
Revises: 0022_surveys
Create Date: 2026-12-01 18:10:00

"""
from alembic import op
import sqlalchemy as sa
import lms.db


# revision identifiers, used by Alembic.
revision = '0020_notifications'
down_revision = "0022_surveys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('digest_pending', sa.Boolean(), nullable=False),
    sa.Column('digest_text', sa.String(length=4000), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('event', 'user_id', 'key', name='uq_notifications_event_user_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_digest_pending'), ['digest_pending'], unique=False)
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.CheckConstraint("channel IN ('app', 'mail', 'digest', 'off')", name=op.f('ck_notification_preferences_channel_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event', name=op.f('pk_notification_preferences'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), server_default='0', nullable=False))
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('publish_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tell', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(course_id IS NULL) <> (cohort_id IS NULL)', name=op.f('ck_announcements_one_audience')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_announcements_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_announcements_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_publish_at'), ['publish_at'], unique=False)
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_announcements', sa.JSON(), nullable=True))
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_announcements', sa.JSON(), nullable=True))
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cancelled_at', lms.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('latest_announcements')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('latest_announcements')
    op.drop_table('announcements')
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('sequence')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unread_notifications')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_index(batch_op.f('ix_notifications_digest_pending'))
    op.drop_table('notifications')
