"""A SCORM activity's package (its manifest and files) and each trainee's run-time data per SCO."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Activity
from lms.db import UTCDateTime, db, utcnow
from lms.scorm.manifest import Manifest


class ScormPackage(db.Model):
    """The package a trainer uploaded for an activity; its files are stored by hash (lms.storage)."""

    __tablename__ = "scorm_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), unique=True, index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))  # of the zip as uploaded
    version: Mapped[str] = mapped_column(String(10))  # "1.2" or "2004"
    title: Mapped[str] = mapped_column(String(200))
    manifest: Mapped[dict] = mapped_column(JSON)  # Manifest.to_dict()
    files: Mapped[dict] = mapped_column(JSON)  # path in the package -> [sha256, size]
    size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    activity: Mapped[Activity] = relationship()

    def parsed(self) -> Manifest:
        return Manifest.from_dict(self.manifest)

    @staticmethod
    def of(activity_id: int):
        return select(ScormPackage).where(ScormPackage.activity_id == activity_id)


class ScormTrack(db.Model):
    """One trainee's data for one SCO of a package: the CMI values it set, and what they mean."""

    __tablename__ = "scorm_tracks"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", "sco", name="uq_scorm_tracks_activity_user_sco"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sco: Mapped[str] = mapped_column(String(255))  # the item's identifier in the manifest
    values: Mapped[dict] = mapped_column(JSON, default=dict)  # element -> value as the SCO set it
    status: Mapped[str] = mapped_column(String(20), default="not attempted")
    score: Mapped[float | None] = mapped_column(Float)  # percent
    total_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # sessions finished
    session_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # the last session, not yet added
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @staticmethod
    def find(activity_id: int, user_id: int, sco: str):
        return select(ScormTrack).where(
            ScormTrack.activity_id == activity_id, ScormTrack.user_id == user_id, ScormTrack.sco == sco
        )
