"""Classroom PDFs: a sign-in sheet that paginates cleanly for a large cohort and prints every script in
the bundled fonts, user text printed as text, and a funder report whose key figures and charts print."""

import logging
import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from tests.system import needs

needs("pango")  # WeasyPrint, imported below, cannot load without it

from lms.classroom.models import ClassSession, Cohort, CohortMember, Programme  # noqa: E402
from lms.classroom.pdf import (  # noqa: E402
    funder_report_html,
    render_document,
    renderer_for,
    sign_in_sheet_html,
)
from lms.classroom.reports import Figure, FunderReport, report_charts  # noqa: E402
from lms.db import db  # noqa: E402

GREEK_NAME = "Αικατερίνη Παπαδοπούλου"
CYRILLIC_NAME = "Ѓорѓи Ќосевски-Љубеновиќ"
SERBIAN_NAME = "Đorđe Čačić-Šaržić"
MARKUP_NAME = '<img src="file:///etc/passwd">'
PROGRAMME_TITLE = "Digital skills for small businesses"
FUNDING_LINE = "Co-funded by the European Union — Interreg IPA Greece–North Macedonia"
# The fonts bundled in static/fonts, as document.css names them; any other font would be a fallback.
BUNDLED_FONTS = {"Document-Sans", "Document-Sans-Bold", "Document-Serif", "Document-Serif-Bold"}
A4_PORTRAIT_PT = (595.28, 841.89)


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def write_pdf(tmp_path: Path, pdf: bytes, name: str = "document.pdf") -> Path:
    assert pdf.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_info(path: Path) -> dict[str, str]:
    needs("pdfinfo")
    lines = run("pdfinfo", "-enc", "UTF-8", str(path)).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdf_text(path: Path, *options: str) -> str:
    """The PDF's text with runs of whitespace made single spaces."""
    needs("pdftotext")
    return " ".join(run("pdftotext", "-enc", "UTF-8", *options, str(path), "-").split())


def pdf_fonts(path: Path) -> set[str]:
    needs("pdffonts")
    rows = run("pdffonts", str(path)).splitlines()[2:]
    return {row.split()[0].partition("+")[2] for row in rows}


@pytest.fixture
def weasyprint_log(caplog):
    """WeasyPrint reports a missing image, font or stylesheet through logging, not by raising."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


@pytest.fixture
def make_session(app, create_user):
    """make_session(names) -> a ClassSession of a cohort with one member per name, committed."""

    def make(names: list[str]) -> ClassSession:
        trainer = create_user("trainer", name="Ελένη Παπαδάκη")
        programme = Programme(title=PROGRAMME_TITLE, funding_line=FUNDING_LINE)
        cohort = Cohort(programme=programme, name="Thessaloniki spring 2025", timezone="Europe/Athens")
        cohort.trainers.append(trainer)
        for number, name in enumerate(names):
            member = create_user(name=name, organisation=f"Organisation {number}" if number % 3 else None)
            cohort.members.append(CohortMember(user=member, added_at=datetime(2025, 1, 6, tzinfo=UTC)))
        session = ClassSession(
            cohort=cohort,
            starts_at=datetime(2025, 3, 14, 8, 0, tzinfo=UTC),  # 10:00 in Athens
            minutes=90,
            place="Hotel Egnatia, room 2",
            topic="Selling online",
            trainer=trainer,
        )
        db.session.add_all([programme, cohort, session])
        db.session.commit()
        return session

    return make


def seventy_names() -> list[str]:
    names = [GREEK_NAME, CYRILLIC_NAME, SERBIAN_NAME]
    names += [f"Μαρία Γεωργίου {n:02d}" for n in range(22)]
    names += [f"Марија Петровска {n:02d}" for n in range(22)]
    names += [f"Ana Jovanović {n:02d}" for n in range(23)]
    return names


def test_sign_in_sheet_paginates_for_seventy_members(make_session, tmp_path, weasyprint_log):
    session = make_session(seventy_names())

    html = sign_in_sheet_html(session)
    path = write_pdf(tmp_path, render_document(html))

    info = pdf_info(path)
    pages = int(info["Pages"])
    assert pages > 1
    width, height = map(float, re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"]).groups())
    assert (width, height) == pytest.approx(A4_PORTRAIT_PT, abs=0.5)
    assert info["Title"].startswith(f"Attendance sheet — {PROGRAMME_TITLE} — Thessaloniki spring 2025")
    text = pdf_text(path)
    assert "Attendance sheet" in text
    for expected in (GREEK_NAME, CYRILLIC_NAME, SERBIAN_NAME, PROGRAMME_TITLE, FUNDING_LINE):
        assert expected in text
    assert "Selling online" in text
    assert "Friday, March 14, 2025, 10:00 AM–11:30 AM (Europe/Athens)" in text  # the cohort's time zone
    assert "Hotel Egnatia, room 2" in text
    assert "Trainer's signature:" in text
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    # The table header is repeated on every page, and every member has a numbered row.
    assert pdf_text(path, "-layout").count("No. Name Organisation Signature") == pages
    assert " 70 " in text
    assert not weasyprint_log.records, "WeasyPrint failed to load something"
    assert pdf_fonts(path) <= BUNDLED_FONTS


def test_sign_in_sheet_rows_are_sorted_by_name(make_session):
    session = make_session(["Zoe Brown", "ana Adams", "Ömer Demir", "Đorđe Ilić", "Ben Carter"])

    html = sign_in_sheet_html(session)

    in_order = ["ana Adams", "Ben Carter", "Đorđe Ilić", "Ömer Demir", "Zoe Brown"]
    positions = [html.index(name) for name in in_order]
    assert positions == sorted(positions)


def test_markup_in_a_name_prints_as_text(make_session, tmp_path, weasyprint_log):
    session = make_session([MARKUP_NAME, GREEK_NAME])
    session.topic = "<b>Bold</b> & <script>alert(1)</script>"
    db.session.commit()

    html = sign_in_sheet_html(session)
    assert MARKUP_NAME not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<script>" not in html

    text = pdf_text(write_pdf(tmp_path, render_document(html)))
    assert MARKUP_NAME in text
    assert "<b>Bold</b> & <script>alert(1)</script>" in text
    assert "root:" not in text
    assert not weasyprint_log.records, "WeasyPrint fetched (or tried to fetch) something it should not have"


def test_sign_in_sheet_in_the_readers_language(make_session, tmp_path):
    session = make_session([GREEK_NAME])

    with force_locale("el"):
        html = sign_in_sheet_html(session)

    assert '<html lang="el">' in html
    text = pdf_text(write_pdf(tmp_path, render_document(html)))
    assert "Παρασκευή 14 Μαρτίου 2025" in text  # babel's Greek date, in Athens time
    assert "10:00" in text


def make_figures(**values) -> list[Figure]:
    figures = {
        "enterprises": Figure(
            "enterprises",
            "Enterprises supported, by size class",
            "Each enterprise counts once.",
            321,
            [
                ("Micro", 250, "micro"),
                ("Small", 60, "small"),
                ("Medium", 11, "medium"),
                ("Large", 0, "large"),
            ],
        ),
        "participations": Figure("participations", "Participations in training", "Once per programme.", 1234),
        "gender": Figure(
            "gender",
            "Participants by gender",
            "By gender.",
            1234,
            [("Female", 640, "female"), ("Male", 580, "male"), ("Not stated", 14, "none")],
        ),
        "country": Figure(
            "country",
            "Participants by country",
            "By country.",
            1234,
            [
                ("Greece", 700, "GR"),
                ("North Macedonia", 400, "MK"),
                ("Bulgaria", 100, "BG"),
                ("Serbia", 34, "RS"),
            ],
        ),
        "hours": Figure(
            "hours", "Hours delivered", "Delivered sessions.", 130.5, [("Sessions delivered", 87, "")]
        ),
        "attendance": Figure("attendance", "Attendance rate", "Points earned.", 83.4),
        "completions": Figure("completions", "Completed trainings", "Every course.", 912),
        "certificates": Figure("certificates", "Certificates issued", "Not revoked.", 876),
    }
    for key, value in values.items():
        figures[key].value = value
        if not value:
            figures[key].rows = [(label, 0, group) for label, _count, group in figures[key].rows]
    return list(figures.values())


def make_report(**fields) -> FunderReport:
    values = {
        "programme_title": PROGRAMME_TITLE,
        "funding_line": FUNDING_LINE,
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 6, 30),
        "cohorts": [("Thessaloniki spring 2025", 640, 45, 88.1), ("Скопје пролет 2025", 594, 42, None)],
        "figures": make_figures(),
    }
    values.update(fields)
    return FunderReport(**values)


CHART_TITLES = {
    "enterprises": "Enterprises supported, by size class",
    "gender": "Participants by gender",
    "country": "Participants by country",
}


def test_funder_report_prints_key_figures_and_charts(app, tmp_path, weasyprint_log):
    report = make_report()

    html = funder_report_html(report, report_charts(report))
    path = write_pdf(tmp_path, render_document(html))

    info = pdf_info(path)
    assert info["Pages"] == "2"
    text = pdf_text(path)
    assert "Indicator report" in text
    assert PROGRAMME_TITLE in text
    assert "January 1, 2025 – June 30, 2025" in text
    figures = {
        "Enterprises supported, by size class": "321",
        "Participations in training": "1,234",
        "Hours delivered": "130.5",
        "Attendance rate": "83.4%",
        "Completed trainings": "912",
        "Certificates issued": "876",
    }
    for label, value in figures.items():
        assert f" {value} " in text and label in text
        # Each value in its box, above its label.
        assert re.search(rf'figure-value">{re.escape(value)}</p>\s*<p class="figure-label">{label}<', html)
    # Each indicator's definition and its breakdown print.
    assert "Each enterprise counts once." in text and re.search(r"Micro\s+250", text)
    for label, value, _group in report.figures[3].rows:  # by country
        assert label in text and str(value) in text
    assert "Скопје пролет 2025" in text and "88.1%" in text and "—" in text
    assert FUNDING_LINE in text
    assert "Page 1 of 2" in text
    assert not weasyprint_log.records, "WeasyPrint failed to load something"
    assert pdf_fonts(path) <= BUNDLED_FONTS  # the charts' text too


def test_funder_report_colours_the_chart_bars(app):
    report = make_report()

    html = funder_report_html(report, report_charts(report))

    # WeasyPrint styles an inline SVG only by a <style> inside it: each chart carries document.css's rules.
    assert html.count("<style>") == 1 + len(CHART_TITLES)
    assert re.search(r"<svg\b[^>]*><style>[^<]*\.chart-bar \{\s*fill: #1d4e89;", html)


def test_funder_report_without_data(app, tmp_path):
    report = make_report(
        period_start=None,
        period_end=None,
        figures=make_figures(
            enterprises=0,
            participations=0,
            gender=0,
            country=0,
            hours=0.0,
            attendance=None,
            completions=0,
            certificates=0,
        ),
        cohorts=[],
        funding_line="",
    )

    html = funder_report_html(report, report_charts(report))
    text = pdf_text(write_pdf(tmp_path, render_document(html)))

    assert "Period: All time" in text
    assert re.search(r'figure-value">—</p>\s*<p class="figure-label">Attendance rate<', html)
    assert "<svg" not in html  # no chart of nothing
    assert "Co-funded" not in text


def test_fonts_and_stylesheet_are_loaded_once_per_process(app):
    static_dir = Path(app.static_folder)
    uploads_dir = Path(app.instance_path) / "uploads"

    first = renderer_for(static_dir, uploads_dir)

    assert renderer_for(static_dir, uploads_dir) is first
    assert render_document("<p>One</p>").startswith(b"%PDF")
    assert renderer_for(static_dir, uploads_dir) is first
