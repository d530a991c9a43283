"""What a user was told (one row per event, user and key) and how they like to be told."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, utcnow

CHANNELS = ("app", "mail", "digest", "off")


class Notification(db.Model):
    """One thing a user was told. (event, user, key) is unique: telling it again does nothing, so a
    scheduled job that runs twice tells once. The subject is kept in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event", "user_id", "key", name="uq_notifications_event_user_key"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(500), default="")  # a path on this site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Waiting for the user's daily digest mail (their preference for the event is "digest").
    digest_pending: Mapped[bool] = mapped_column(default=False, index=True)
    # The mail's text, kept only while it waits for the digest.
    digest_text: Mapped[str | None] = mapped_column(String(4000))

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @staticmethod
    def of(user_id: int):
        return (
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )


class NotificationPreference(db.Model):
    """How a user wants one event type: in-app only, by mail, in the daily digest, or not at all.
    No row: the event's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint("channel IN ('app', 'mail', 'digest', 'off')", name="channel_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
