"""forums: threads, posts, subscriptions, read state, reports, images

Revision ID: 0021_forums
Revises: 0020_notifications
Create Date: 2026-12-01 18:49:02.145484

"""

from alembic import op
import sqlalchemy as sa
import lms.db


# revision identifiers, used by Alembic.
revision = "0021_forums"
down_revision = "0020_notifications"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "forum_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_forum_images_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_forum_images_uploader_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_images")),
    )
    with op.batch_alter_table("forum_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_images_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "forum_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("last_post_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_post_id", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_forum_threads_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_forum_threads_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_threads")),
    )
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_threads_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_forum_threads_listing", ["activity_id", "pinned", "last_post_at", "id"], unique=False
        )

    op.create_table(
        "forum_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_answer", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column("delete_reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_forum_posts_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_forum_posts_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["users.id"],
            name=op.f("fk_forum_posts_deleted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_posts_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_posts")),
    )
    with op.batch_alter_table("forum_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_posts_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forum_posts_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_forum_posts_thread_id_id", ["thread_id", "id"], unique=False)

    op.create_table(
        "forum_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_reads_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forum_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_forum_reads")),
    )
    with op.batch_alter_table("forum_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_reads_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "forum_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_forum_subscriptions_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_subscriptions_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forum_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_subscriptions")),
        sa.UniqueConstraint("user_id", "activity_id", "thread_id", name="uq_forum_subscriptions_target"),
    )
    with op.batch_alter_table("forum_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_subscriptions_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forum_subscriptions_thread_id"), ["thread_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forum_subscriptions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "forum_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["forum_posts.id"],
            name=op.f("fk_forum_reports_post_id_forum_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_forum_reports_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_forum_reports_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_reports")),
    )
    with op.batch_alter_table("forum_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_reports_post_id"), ["post_id"], unique=False)


def downgrade():

    with op.batch_alter_table("forum_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_reports_post_id"))

    op.drop_table("forum_reports")
    with op.batch_alter_table("forum_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_subscriptions_user_id"))
        batch_op.drop_index(batch_op.f("ix_forum_subscriptions_thread_id"))
        batch_op.drop_index(batch_op.f("ix_forum_subscriptions_activity_id"))

    op.drop_table("forum_subscriptions")
    with op.batch_alter_table("forum_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_reads_thread_id"))

    op.drop_table("forum_reads")
    with op.batch_alter_table("forum_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_forum_posts_thread_id_id")
        batch_op.drop_index(batch_op.f("ix_forum_posts_author_id"))
        batch_op.drop_index(batch_op.f("ix_forum_posts_activity_id"))

    op.drop_table("forum_posts")
    with op.batch_alter_table("forum_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_forum_threads_listing")
        batch_op.drop_index(batch_op.f("ix_forum_threads_author_id"))

    op.drop_table("forum_threads")
    with op.batch_alter_table("forum_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_images_activity_id"))

    op.drop_table("forum_images")
