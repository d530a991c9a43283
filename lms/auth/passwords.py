"""Password policy: long enough, and not easy to guess (ASVS 2.1.7).

Length alone lets `aaaaaaaaaa` and `1234567890` through. zxcvbn (Dropbox's estimator, as a PyPI package)
knows the 30,000 most common passwords of breach corpora, common words and names, keyboard rows, repeats,
sequences and dates; a password it scores below GOOD_SCORE is refused with the reason it found, in the
reader's language. The rules apply wherever a person chooses a password: registration, change, reset,
the CSV upload and `lms users create`.
"""

from zxcvbn import zxcvbn

from lms.i18n import _, _l

PASSWORD_MIN = 10
PASSWORD_MAX = 200
GOOD_SCORE = 3  # zxcvbn's 0..4: 3 is "safely unguessable", about 10^8 guesses or more
CHECKED_CHARACTERS = 72  # zxcvbn's own limit; a longer password is never weak for the first 72


# Shown under every field where a password is chosen.
PASSWORD_HINT = _l(
    "At least %(min)d characters, not a common password, a name or a pattern such as 1234567890 or "
    "qwerty. A short sentence of unrelated words is strong and easy to remember.",
    min=PASSWORD_MIN,
)


def password_problem(password: str, *personal: str) -> str | None:
    """Why `password` is refused (a translated sentence), or None. `personal` are the e-mail address
    and name of its owner, which a password must not be built from."""
    if len(password) < PASSWORD_MIN:
        return _("A password needs at least %(min)d characters.", min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("A password can have at most %(max)d characters.", max=PASSWORD_MAX)
    inputs = [part for text in personal if text for part in (text, *text.replace("@", " ").split())]
    result = zxcvbn(password[:CHECKED_CHARACTERS], user_inputs=inputs)
    if result["score"] >= GOOD_SCORE:
        return None
    return _("This password is too easy to guess: %(reason)s", reason=_weakness(result["sequence"]))


def _weakness(matches: list[dict]) -> str:
    """The reason zxcvbn found, from the longest pattern it matched."""
    longest = max(matches, key=lambda match: len(match["token"]), default={"pattern": "bruteforce"})
    pattern = longest["pattern"]
    if pattern == "dictionary":
        name = longest.get("dictionary_name")
        if name == "user_inputs":
            return _("it contains your name or e-mail address.")
        if name == "passwords":
            return _("it is one of the most common passwords, or close to one.")
        if name in ("surnames", "male_names", "female_names"):
            return _("a name on its own is easy to guess.")
        return _("a single word is easy to guess.")
    if pattern == "spatial":
        return _("it follows a row or pattern of keys on the keyboard.")
    if pattern == "repeat":
        return _("it repeats the same characters or words.")
    if pattern == "sequence":
        return _("it is a sequence such as abcdef or 654321.")
    if pattern in ("date", "regex"):
        return _("dates and years are easy to guess.")
    return _("it is short and simple. Add a few more words.")
