"""Accounts: who a person is, what role they have, and how they like the site shown."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.hashing import hash_password, verify_password
from lms.db import UTCDateTime, db, start_writing, utcnow
from lms.enterprises.models import Enterprise

ROLES = ("trainee", "trainer", "coordinator")
# A role includes every role before it in this order: a coordinator can do all a trainer can.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
GENDERS = ("female", "male", "other", "undisclosed")
NAME_MAX = 120
EMAIL_MAX = 254


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'coordinator')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique index makes e-mail addresses unique case-insensitively.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="trainee")
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The enterprise the user works for; none, and `founder` set, for a would-be founder ("not yet a
    # company"); neither for someone who has not said.
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    founder: Mapped[bool] = mapped_column(default=False)
    country: Mapped[str | None] = mapped_column(String(2))
    gender: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # SHA-256 of the secret in the personal calendar feed's address; None until the user asks for one.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Unread in-app notifications, kept by lms.notifications (+1 when told, exact again when read): the
    # header shows it with no query of its own.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Loaded with the user (one LEFT JOIN): every list of people shows their enterprise.
    enterprise: Mapped[Enterprise | None] = relationship(back_populates="members", lazy="joined")

    # The login session this request runs in (a LoginSession id), set when logging in or loading the
    # user for a request; part of the id Flask-Login keeps in the session and remember-me cookies.
    login_session_id = None  # str | None, not a column

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def organisation(self) -> str | None:
        """The enterprise's name as lists and sheets show it."""
        return self.enterprise.name if self.enterprise is not None else None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in a suspended account
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.login_session_id}"

    def set_password(self, password: str) -> None:
        # Hash first, then write: a view that reads first (lms.db.reads_first) takes the write lock only now.
        hashed = hash_password(password)
        start_writing(self)
        self.password_hash = hashed

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def has_role(self, role: str) -> bool:
        """True when this user's role is `role` or a role that includes it."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_trainer(self) -> bool:
        return self.has_role("trainer")

    @property
    def is_coordinator(self) -> bool:
        return self.has_role("coordinator")

    @staticmethod
    def by_email(email: str):
        return select(User).where(User.email == normalise_email(email))

    @staticmethod
    def search(text: str = ""):
        query = select(User).order_by(func.lower(User.name))
        if text:
            pattern = f"%{text.strip().lower()}%"
            query = query.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
        return query


class LoginSession(db.Model):
    """One login on one device. The session and remember-me cookies name it; logging out deletes it,
    so a copied or replayed cookie stops working, and a password change or reset, a role change or a
    suspension deletes all of the user's (see lms/auth/sessions.py)."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)  # random, secrets.token_urlsafe(32)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
