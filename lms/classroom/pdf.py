"""Printable classroom documents: a session's sign-in sheet and a programme's indicator report (A4 portrait).

As with certificates (lms.certificates.pdf), a Jinja template makes the HTML (in an app context, in the
reader's language) and WeasyPrint turns it into a PDF. WeasyPrint resolves every URL through the same
fetcher as certificates, which serves only static/ and instance/uploads/: user text is autoescaped, and
even a URL that slipped into the markup could read nothing else and reach no network. The fonts are the
bundled Noto fonts (static/fonts), declared by static/css/pdf/document.css, so Greek, Cyrillic and
Serbian Latin names print on every host.

Loading the fonts and parsing the stylesheet is the slow part of a first PDF: one DocumentRenderer per
process and pair of folders keeps them for every later document.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from flask import current_app, has_app_context, has_request_context, render_template
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import select

from lms.auth.models import User
from lms.certificates.pdf import PdfRenderer, asset_url
from lms.classroom.models import ClassSession
from lms.classroom.models import zone as classroom_zone
from lms.classroom.reports import FunderReport
from lms.db import db, utcnow
from lms.enterprises.models import Enterprise
from lms.i18n import _

__all__ = ["DocumentRenderer", "funder_report_html", "render_document", "renderer_for", "sign_in_sheet_html"]

STYLESHEET = "css/pdf/document.css"
LOGOS = ("img/logo.svg", "img/eu-flag.svg")
EU_EMBLEM = "img/eu-flag.svg"
# The part of document.css that styles the charts' SVG shapes (see _with_chart_style).
_CHART_RULES = re.compile(r"/\* charts-svg:start \*/(.*?)/\* charts-svg:end \*/", re.DOTALL)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


class DocumentRenderer(PdfRenderer):
    """The e-classroom's A4 documents, styled by document.css."""

    stylesheet_path = STYLESHEET

    def stylesheet_text(self) -> str:
        # The rules for the charts' SVG shapes (fill) mean nothing to HTML: each chart gets them in
        # its own <style> (see _with_chart_style).
        return _CHART_RULES.sub("", super().stylesheet_text())


# One renderer per (static folder, uploads folder) in this process.
_renderers: dict[tuple[Path, Path], DocumentRenderer] = {}
_renderers_lock = threading.Lock()


def renderer_for(static_dir: Path, uploads_dir: Path) -> DocumentRenderer:
    key = (Path(static_dir).resolve(), Path(uploads_dir).resolve())
    with _renderers_lock:
        if key not in _renderers:
            _renderers[key] = DocumentRenderer(*key)
        return _renderers[key]


def _folders() -> tuple[Path, Path]:
    """The app's static and uploads folders; outside an app, those create_app would use."""
    if has_app_context():
        return Path(current_app.static_folder), Path(current_app.instance_path) / "uploads"
    from lms import asset_dir, instance_path_for

    return Path(asset_dir("static")), instance_path_for() / "uploads"


def render_document(html: str) -> bytes:
    """The PDF of a document's HTML (A4, document.css); needs no app context but uses its folders if any."""
    return renderer_for(*_folders()).pdf_from_html(html)


# --- helpers shared by the templates -----------------------------------------------------------------


@contextmanager
def _reader_language() -> Iterator[Locale]:
    """The reader's locale (the request's, or one set with flask_babel.force_locale). The templates'
    context processors read the request: outside one (a CLI command, a job), as certificates do, pretend
    a request at the site's address, which reads in the default language unless a locale is forced."""
    if has_request_context():
        context = nullcontext()
    else:
        context = current_app.test_request_context(
            base_url=current_app.config.get("BASE_URL", "http://localhost/")
        )
    with context:
        yield get_locale() or Locale.parse(current_app.config.get("DEFAULT_LOCALE", "en"))


def _lang(locale: Locale) -> str:
    """The HTML lang of a Babel locale: sr_Latn -> sr-Latn."""
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def _css_string(text: str) -> str:
    """`text` as a CSS string literal, every character that could end it or the <style> escaped."""
    out = []
    for char in text:
        if char in "\\\"'<>&" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_PAGE_PLACEHOLDER = re.compile(r"%\((pages?)\)s")


def page_numbers_css() -> Markup:
    """A CSS rule printing "Page X of Y" (translated) at the foot of every page."""
    text = _("Page %(page)s of %(pages)s")
    parts, position = [], 0
    for match in _PAGE_PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(_css_string(text[position : match.start()]))
        parts.append(f"counter({match.group(1)})")
        position = match.end()
    if position < len(text):
        parts.append(_css_string(text[position:]))
    rule = "@page { @bottom-right { content: " + " ".join(parts) + "; } }"
    return Markup(rule)  # noqa: S704 - counters and escaped CSS strings, built above


# Letters that Unicode does not decompose into a base letter and an accent.
_BASE_LETTERS = str.maketrans("ĐđŁłØøĦħ", "DdLlOoHh")


def _sort_key(name: str) -> tuple[str, str]:
    """Alphabetical regardless of case and accents (Ά with Α, Č with C, Đ with D), then exact."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return plain.translate(_BASE_LETTERS).casefold(), name


def _document_context(locale: Locale) -> dict:
    return {
        "lang": _lang(locale),
        "asset_url": asset_url,
        "logos": LOGOS,
        "eu_emblem": EU_EMBLEM,
        "page_numbers_css": page_numbers_css(),
    }


# --- the sign-in sheet -------------------------------------------------------------------------------


def sign_in_sheet_html(session: ClassSession) -> str:
    """The session's attendance sheet, one row per cohort member sorted by name, in the reader's
    language, times in the cohort's time zone; needs an app context."""
    with _reader_language() as locale:
        return _sign_in_sheet_html(session, locale)


def _sign_in_sheet_html(session: ClassSession, locale: Locale) -> str:
    cohort = session.cohort
    programme = cohort.programme
    zone = classroom_zone(cohort.timezone)
    date_pattern = locale.date_formats["full"].pattern
    time_pattern = locale.time_formats["short"].pattern
    from lms.classroom.services import session_roll

    roll = [m.user_id for m in session_roll(session)]  # members on the day, not those who joined later
    members = db.session.execute(
        select(User.name, Enterprise.name.label("organisation"))
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
        .where(User.id.in_(roll))
    ).all()
    if session.trainer is not None:
        trainer = session.trainer.name
    else:
        trainer = ", ".join(t.name for t in cohort.trainers)
    return render_template(
        "pdf/sign_in_sheet.html",
        class_session=session,
        cohort=cohort,
        programme=programme,
        day=format_datetime(session.starts_at, date_pattern, tzinfo=zone, locale=locale),
        starts=format_datetime(session.starts_at, time_pattern, tzinfo=zone, locale=locale),
        ends=format_datetime(session.ends_at, time_pattern, tzinfo=zone, locale=locale),
        timezone=str(zone.key),
        trainer=trainer,
        members=sorted(members, key=lambda member: _sort_key(member.name)),
        **_document_context(locale),
    )


# --- the funder's indicator report -------------------------------------------------------------------


def _period(report: FunderReport, locale: Locale) -> str:
    start = format_date(report.period_start, "long", locale=locale) if report.period_start else None
    end = format_date(report.period_end, "long", locale=locale) if report.period_end else None
    if start and end:
        return f"{start} – {end}"
    if start:
        return _("From %(date)s", date=start)
    if end:
        return _("Until %(date)s", date=end)
    return _("All time")


def _rate(rate: float | None, locale: Locale) -> str:
    return "—" if rate is None else format_percent(rate / 100, "#,##0.#%", locale=locale)


@lru_cache(maxsize=4)
def _chart_rules(stylesheet: Path) -> str:
    match = _CHART_RULES.search(stylesheet.read_text(encoding="utf-8"))
    rules = match.group(1) if match else ""
    if "<" in rules or "&" in rules:  # parsed as markup inside <svg>, not as raw text
        raise ValueError(f"The chart rules in {stylesheet} must not contain '<' or '&'")
    return rules.strip()


def _with_chart_style(chart: Markup) -> Markup:
    """The chart with document.css's chart rules in a <style> inside its <svg>: WeasyPrint applies
    the document's stylesheets to HTML only, an inline SVG gets nothing but its own <style>."""
    if not isinstance(chart, Markup):
        chart = escape(chart)  # text, not markup: printed as it is
    rules = _chart_rules(Path(current_app.static_folder) / STYLESHEET)
    if not rules:
        return chart
    style = f"<style>{rules}</style>"
    return Markup(_SVG_OPEN.sub(lambda m: m.group(0) + style, str(chart), count=1))  # noqa: S704 - our CSS


def funder_report_html(report: FunderReport, charts: dict[str, Markup]) -> str:
    """The programme's indicator report in the reader's language: key figures, the four breakdown charts
    (inline SVG from lms.charts.bar_chart), the cohorts and the co-funding line; needs an app context."""
    with _reader_language() as locale:
        return _funder_report_html(report, charts, locale)


def _funder_report_html(report: FunderReport, charts: dict[str, Markup], locale: Locale) -> str:

    def number(value: float) -> str:
        return format_decimal(value, "#,##0.#", locale=locale)

    def value(figure) -> str:
        if figure.key == "attendance":
            return _rate(figure.value, locale)
        if figure.key == "satisfaction" and figure.value is not None:
            return format_decimal(figure.value, "0.00", locale=locale) + " / 5"
        return "—" if figure.value is None else number(figure.value)

    figures = [
        {
            "title": figure.title,
            "definition": figure.definition,
            "value": value(figure),
            "rows": [(label, number(count)) for label, count, _group in figure.rows],
            "chart": _with_chart_style(charts[figure.key])
            if charts.get(figure.key) and figure.value
            else None,
        }
        for figure in report.figures
    ]
    cohorts = [
        {"name": name, "people": number(people), "sessions": number(sessions), "rate": _rate(rate, locale)}
        for name, people, sessions, rate in report.cohorts
    ]
    return render_template(
        "pdf/funder_report.html",
        report=report,
        period=_period(report, locale),
        figures=figures,
        cohorts=cohorts,
        generated_on=format_date(utcnow().astimezone(classroom_zone(report.timezone)), "long", locale=locale),
        **_document_context(locale),
    )
