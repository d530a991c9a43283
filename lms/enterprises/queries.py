"""Reads the enterprise pages share."""

from sqlalchemy import func, select

from lms.auth.models import User
from lms.db import db


def people_counts(enterprise_ids: list[int]) -> dict[int, int]:
    """How many people work for each of these enterprises (one query)."""
    return dict(
        db.session.execute(
            select(User.enterprise_id, func.count())
            .where(User.enterprise_id.in_(enterprise_ids))
            .group_by(User.enterprise_id)
        ).all()
    )
