"""Demo data for `lms demo`: idempotent, so running it again changes nothing."""

from lms.auth.models import User
from lms.auth.services import create_user
from lms.db import db


def load_demo(users, password: str) -> None:
    for email, name, role, locale, country in users:
        if db.session.scalar(User.by_email(email)) is None:
            create_user(
                email,
                name,
                password,
                role=role,
                locale=locale,
                country=country,
                organisation="Demo SME",
                timezone="Europe/Athens",
            )
