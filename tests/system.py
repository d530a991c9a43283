"""What some tests need from the machine, and the Debian package that provides each.

A test that needs one calls `needs("pdftoppm")` (in the test, or at the top of its module) or carries
`@pytest.mark.needs("pango")`; without it the test is skipped with a reason that names the package.
`.ci/run` installs them all; `.ci/without-system-tools` checks that the tests pass without them.
"""

import os
import shutil
from functools import cache

import pytest

# what a test needs -> the Debian packages that provide it
PACKAGES = {
    "chromium": "chromium",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfdetach": "poppler-utils",
    "pdfimages": "poppler-utils",
    "zbarimg": "zbar-tools",
    "pango": "libpango-1.0-0 libpangoft2-1.0-0",
}


def chromium_path() -> str | None:
    """LMS_TEST_CHROMIUM when set, else the `chromium` on PATH."""
    configured = os.environ.get("LMS_TEST_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium")


@cache
def _pango_problem() -> str | None:
    """Why WeasyPrint cannot load Pango (it raises OSError on import), or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        return str(error)
    return None


def missing(name: str) -> str | None:
    """None when `name` is available, else what is wrong."""
    if name == "chromium":
        return None if chromium_path() else "no `chromium` on PATH (nor LMS_TEST_CHROMIUM)"
    if name == "pango":
        return _pango_problem()
    if name in PACKAGES:
        return None if shutil.which(name) else f"no `{name}` on PATH"
    raise ValueError(f"unknown system requirement {name!r}: add it to tests/system.py")


def needs(*names: str) -> None:
    """Skip the calling test (or module) unless every named tool is installed."""
    for name in names:
        problem = missing(name)
        if problem:
            pytest.skip(f"{problem}: apt-get install {PACKAGES[name]}", allow_module_level=True)
