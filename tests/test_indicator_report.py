"""The indicator report in the funder's terms: enterprises counted once in their size class, participants
once per programme, only delivered sessions; the coordinator's choice of indicators, the lists behind the
figures and the evidence ZIP. Every figure is checked against values computed by hand."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from lms.auth.models import User
from lms.classroom import services as classroom
from lms.classroom.models import ClassSession, Cohort, Programme
from lms.db import db, utcnow
from lms.enterprises import services as enterprises
from tests.conftest import csrf_token
from tests.test_classroom_pdf import pdf_text, run, write_pdf
from tests.test_enterprises import _register as register

GR_VAT = "094259216"


def _register(app, name, email, **fields):
    """A person signs up on their own (a fresh browser each)."""
    response = register(app.test_client(), name=name, email=email, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(User.by_email(email))


@pytest.fixture
def programme(app, create_user, create_course):
    """Two cohorts of one programme. By hand:

    - the bakery (small: 12 staff, 1.5 M turnover) has three employees, who signed up spelling its name
      three ways and were found by its number; Άννα attends in both cohorts, Βασίλης once (late),
      Γιάννης is absent every time: the bakery counts once, as small;
    - the Ohrid workshop (micro) has one participant; an enterprise without a size has one;
    - a would-be founder attends; a medium enterprise's employee is a member but never attends;
    - delivered: A1 and A2 (90 min) and B1 (60 min) = 4.0 hours; a future session counts nothing.
    """
    bakery = enterprises.create_enterprise(
        name="Αρτοποιία Σερρών ΙΚΕ",
        country="GR",
        number=GR_VAT,
        headcount=12,
        turnover_eur=1_500_000,
        founded_year=utcnow().year - 2,  # a start-up
    )
    ohrid = enterprises.create_enterprise(name="Охридски бисер ДООЕЛ", country="MK", headcount=4)
    enterprises.create_enterprise(name="Большой завод", country="BG", headcount=120)
    enterprises.create_enterprise(name="Unsized Ltd", country="IT")
    db.session.commit()
    anna = _register(
        app,
        "Άννα Α.",
        "anna@example.org",
        enterprise_name="Artopoiia Serron",
        enterprise_number="EL 094259216",
        gender="female",
    )
    vasilis = _register(
        app,
        "Βασίλης Β.",
        "vasilis@example.org",
        enterprise_name="ΑΡΤΟΠΟΙΙΑ ΣΕΡΡΩΝ",
        enterprise_number="094 259 216",
        gender="male",
    )
    giannis = _register(
        app,
        "Γιάννης Γ.",
        "giannis@example.org",
        enterprise_name="Αρτοποιία Σερρών",
        enterprise_number="094259216",
        gender="male",
    )
    assert {anna.enterprise_id, vasilis.enterprise_id, giannis.enterprise_id} == {bakery.id}
    marija = create_user(name="Марија М.", country="MK", gender="female", organisation="Охридски бисер ДООЕЛ")
    founder = create_user(name="Eleni Founder", country="GR", gender="female", founder=True)
    unsized = create_user(name="Luca U.", country="IT", organisation="Unsized Ltd")
    big = create_user(name="Иван И.", country="BG", gender="male", organisation="Большой завод")
    assert marija.enterprise_id == ohrid.id

    course = create_course(modules=1, lessons=1)
    programme = Programme(title="SME Digital Skills 2027", courses=[course])
    trainer = create_user("trainer")
    a = Cohort(programme=programme, name="Serres", trainers=[trainer])
    b = Cohort(programme=programme, name="Skopje", trainers=[trainer])
    db.session.add_all([a, b])
    now = utcnow()
    for person in (anna, vasilis, giannis, founder, big):
        classroom.add_member(a, person).added_at = now - timedelta(days=30)  # members before A1
    for person in (anna, marija, unsized):
        classroom.add_member(b, person).added_at = now - timedelta(days=30)
    a1 = ClassSession(cohort=a, starts_at=now - timedelta(days=14), minutes=90)
    a2 = ClassSession(cohort=a, starts_at=now - timedelta(days=7), minutes=90)
    b1 = ClassSession(cohort=b, starts_at=now - timedelta(days=3), minutes=60)
    later = ClassSession(cohort=a, starts_at=now + timedelta(days=7), minutes=90)
    db.session.add_all([a1, a2, b1, later])
    db.session.flush()
    classroom.take_attendance(
        a1, {anna.id: "P", vasilis.id: "L", giannis.id: "A", founder.id: "P", big.id: "A"}, trainer
    )
    classroom.take_attendance(a2, {anna.id: "P", giannis.id: "A", founder.id: "E", big.id: "A"}, trainer)
    classroom.take_attendance(b1, {anna.id: "P", marija.id: "P", unsized.id: "L"}, trainer)
    db.session.commit()
    return programme


def _trim(row: tuple) -> tuple:
    """A spreadsheet row without the empty cells after its last value."""
    while row and row[-1] is None:
        row = row[:-1]
    return row


EXPECTED = {
    "Enterprises supported, by size class": 3,  # bakery (small), Ohrid (micro), Unsized (not stated)
    "Participations in training": 5,  # Άννα, Βασίλης, Marija, the founder, Luca
    "Would-be founders": 1,
    "Start-ups supported": 1,  # the bakery; the others have no founding year
    "Hours delivered": 4.0,
    "Sessions delivered": 3,
    # Points: Serres 8 of 5 people x 2 sessions x 2; Skopje 5 of 3 x 1 x 2: 13 of 26.
    "Attendance rate": 50.0,
    "Micro": 1,
    "Small": 1,
    "Medium": 0,
    "Large": 0,
}


def test_the_report_counts_an_enterprise_once_in_its_size_class(client, login_as, programme, tmp_path):
    login_as("coordinator")
    url = f"/classroom/programmes/{programme.id}/report"

    page = client.get(url).get_data(as_text=True)
    enterprises_panel = page[page.index('id="indicator-enterprises"') :]
    enterprises_panel = enterprises_panel[: enterprises_panel.index("</section>")]
    assert re.search(r'indicator-value"><a [^>]*>3</a>', enterprises_panel)
    sizes = dict(
        re.findall(r'<th scope="row">([^<]+)</th><td class="numeric">(?:<a [^>]*>)?(\d+)', enterprises_panel)
    )
    assert sizes == {"Micro": "1", "Small": "1", "Medium": "0", "Large": "0", "Not stated": "1"}
    assert "Each enterprise counts once" in page  # the definition is shown

    response = client.get(f"{url}.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [_trim(row) for row in sheet.iter_rows(values_only=True)]
    response.close()
    values = {row[0]: row[1] for row in rows if row and len(row) > 1 and row[1] is not None}
    for label, value in EXPECTED.items():
        assert values[label] == value, label
    start = rows.index(("Enterprises supported, by size class", 3))
    assert rows[start + 2 : start + 7] == [
        ("Micro", 1),
        ("Small", 1),
        ("Medium", 0),
        ("Large", 0),
        ("Not stated", 1),
    ]

    response = client.get(f"{url}.pdf")
    path = write_pdf(tmp_path, response.data)
    text = pdf_text(path)
    assert "Enterprises supported, by size class: 3" in text
    layout = run("pdftotext", "-layout", "-enc", "UTF-8", str(path), "-")
    # The breakdown table's rows, each label with its count on its line (the chart beside it is drawn).
    table = [re.match(r"\s*(\S[\w ]*?)\s{2,}(\d+)(?:\s|$)", line) for line in layout.splitlines()]
    counts = [m.groups() for m in table if m]
    breakdown = counts[counts.index(("Micro", "1")) :][:5]
    assert breakdown == [("Micro", "1"), ("Small", "1"), ("Medium", "0"), ("Large", "0"), ("Not stated", "1")]
    assert "Participations in training: 5" in text and "Hours delivered: 4" in text
    assert "Would-be founders: 1" in text


def test_each_figure_opens_the_list_behind_it(client, login_as, programme):
    login_as("coordinator")
    url = f"/classroom/programmes/{programme.id}/report"
    page = client.get(f"{url}/enterprises").get_data(as_text=True)
    assert "3 entries" in page and "Αρτοποιία Σερρών ΙΚΕ" in page and "Большой завод" not in page
    page = client.get(f"{url}/enterprises", query_string={"group": "small"}).get_data(as_text=True)
    assert "1 entry" in page and "Αρτοποιία Σερρών ΙΚΕ" in page
    page = client.get(f"{url}/participations").get_data(as_text=True)
    assert "5 entries" in page and "Γιάννης" not in page and "Άννα" in page
    page = client.get(f"{url}/startups").get_data(as_text=True)
    assert "1 entry" in page and "Αρτοποιία Σερρών ΙΚΕ" in page
    page = client.get(f"{url}/hours").get_data(as_text=True)
    assert "3 entries" in page
    assert client.get(f"{url}/nonsense").status_code == 404


def test_the_coordinator_chooses_the_indicators(client, login_as, programme):
    login_as("coordinator")
    url = f"/classroom/programmes/{programme.id}/report"
    response = client.post(
        url,
        data={"choice-indicators": ["participations", "enterprises"], "csrf_token": csrf_token(client, url)},
    )
    assert response.status_code == 302
    assert db.session.get(Programme, programme.id).indicators == ["enterprises", "participations"]
    page = client.get(url).get_data(as_text=True)
    assert 'id="indicator-enterprises"' in page and 'id="indicator-participations"' in page
    assert 'id="indicator-hours"' not in page
    response = client.get(f"{url}.xlsx")
    labels = {
        row[0] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True) if row
    }
    response.close()
    assert "Participations in training" in labels and "Hours delivered" not in labels


def test_the_evidence_zip_holds_the_report_lists_and_sign_in_sheets(
    app, client, login_as, programme, tmp_path
):
    coordinator = login_as("coordinator")
    coordinator.locale = "el"
    db.session.commit()
    url = f"/classroom/programmes/{programme.id}/report"
    assert client.get(f"/classroom/programmes/{programme.id}/evidence").status_code == 405  # a POST
    response = client.post(
        f"/classroom/programmes/{programme.id}/evidence", data={"csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 302
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Τεκμήρια για SME Digital Skills 2027" in status and f'href="{url}?start=&amp;end="' in status
    job_url = response.headers["Location"]
    with client.get(f"{job_url}/download") as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert {
        "indicators.pdf",
        "indicators.xlsx",
        "enterprises.csv",
        "participants.csv",
        "certificate-register.csv",
    } <= set(names)
    assert len([n for n in names if n.startswith("sign-in-sheets/")]) == 3  # the delivered sessions only
    listed = archive.read("enterprises.csv").decode("utf-8-sig").splitlines()
    assert len(listed) == 4
    bakery = next(
        line for line in listed if line.startswith("Αρτοποιία Σερρών ΙΚΕ,Artopoiia Serron IKE,GR,094259216")
    )
    assert bakery.endswith(",Μικρή,2")  # small, in the coordinator's language; two of its people took part
    (tmp_path / "report.pdf").write_bytes(archive.read("indicators.pdf"))
    assert "Επιχειρήσεις που υποστηρίχθηκαν, ανά κατηγορία μεγέθους: 3" in pdf_text(tmp_path / "report.pdf")
