"""What the account holds about its owner, for their data export (lms.privacy)."""

from lms.i18n import _
from lms.privacy import Table, moment


def profile(user) -> list[Table]:
    columns = ["name", "email", "role", "language", "time_zone", "country", "gender", "enterprise", "founder"]
    columns += ["account_created_utc", "last_login_utc"]
    row = [
        user.name,
        user.email,
        user.role,
        user.locale or "",
        user.timezone or "",
        user.country or "",
        user.gender or "",
        user.enterprise.name if user.enterprise else "",
        "yes" if user.founder else "no",
        moment(user.created_at),
        moment(user.last_login_at),
    ]
    return [
        Table(
            "profile.csv",
            _("Your profile: name, e-mail address, language and the details you gave."),
            columns,
            [row],
        )
    ]
