"""Enterprises: checked numbers, the EU size class, find-before-create on every entry point, merging
duplicates, the CSV upload's enterprise columns, and the migration from free-text organisations."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from lms.admin.models import AuditEntry
from lms.auth.models import User
from lms.db import db
from lms.enterprises import services
from lms.enterprises.models import Enterprise, size_class
from lms.enterprises.names import latin, loose_key, name_key
from lms.enterprises.numbers import NumberError, clean_number, has_check
from tests.conftest import PASSWORD, csrf_token
from tests.test_migrations import empty_app  # noqa: F401 (a fixture for the migration test)
from tests.test_user_import import CONFIRM_URL, hidden_fields, parse, problems, upload

GR_VAT = "094259216"  # well-formed Greek ΑΦΜ numbers (the check digit is right)
GR_VAT_2 = "800123456"
MK_EDB = "4030000375897"


def enterprise_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Enterprise))


# --- numbers, sizes and names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "typed", "compact"),
    [
        ("GR", "EL 094 259 216", GR_VAT),
        ("MK", "MK 4030000375897", MK_EDB),
        ("BG", "BG 175 074 752", "175074752"),
        ("RS", "101134702", "101134702"),
        ("SI", "SI 5022 3054", "50223054"),
        ("IT", "IT 00743110157", "00743110157"),
        ("DE", "DE 136,695 976", "136695976"),
        ("XK", "810 123-456", "810123456"),  # no checksum known: letters and digits only
    ],
)
def test_numbers_are_checked_and_compacted(app, country, typed, compact):
    with app.test_request_context():
        assert clean_number(country, typed) == compact


@pytest.mark.parametrize(
    ("country", "typed", "why"),
    [
        ("GR", "094259217", "check digit"),
        ("MK", "4030000375898", "check digit"),
        ("BG", "175074753", "check digit"),
        ("RS", "101134703", "check digit"),
        ("SI", "50223055", "check digit"),
        ("IT", "00743110158", "check digit"),
        ("FR", "FR 12 345", "wrong length"),
        ("GR", "ABCDEFGHI", "format"),
    ],
)
def test_wrong_numbers_say_why(app, country, typed, why):
    with app.test_request_context(), pytest.raises(NumberError, match=why):
        clean_number(country, typed)


def test_every_partner_and_eu_country_has_a_check(app):
    eu = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905 (a list as people write it)
    assert all(has_check(country) for country in eu + ["MK", "RS"])


@pytest.mark.parametrize(
    ("headcount", "turnover", "balance", "expected"),
    [
        (9, 1_900_000, None, "micro"),
        (9, 3_000_000, 1_500_000, "micro"),  # turnover above, balance sheet within: still micro
        (9, 3_000_000, 3_000_000, "small"),
        (10, None, None, "small"),
        (49, 10_000_000, None, "small"),
        (49, 60_000_000, 44_000_000, "large"),
        (249, 50_000_000, None, "medium"),
        (250, 1, 1, "large"),
        (None, 1_000_000, None, None),
    ],
)
def test_size_class_follows_the_eu_sme_definition(headcount, turnover, balance, expected):
    assert size_class(headcount, turnover, balance) == expected


def test_name_keys():
    assert name_key("ΑΡΤΟΠΟΙΪΑ  Σερρών") == name_key("Αρτοποιία σερρων")
    assert name_key("Αρτοποιία Σερρών") != name_key("Artopoiia Serron")  # another script: not certain
    assert (
        loose_key("Αρτοποιία Σερρών")
        == loose_key("Artopoiia Serron I.K.E.")
        == loose_key("ARTOPOIIA SERRON ΙΚΕ")
    )
    assert loose_key("Пекара Шумен ЕООД") == loose_key("Pekara Šumen d.o.o.")
    assert latin("Охридски бисер") == "Okhridski biser"


# --- coordinators ------------------------------------------------------------------------------------


def _form(client, url, **fields):
    data = {"csrf_token": csrf_token(client, url), "name": "", "country": "", **fields}
    return client.post(url, data=data)


def test_coordinator_creates_an_enterprise_with_a_checked_number(client, login_as):
    login_as("coordinator")
    response = _form(
        client, "/enterprises/new", name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number="094259217"
    )
    assert response.status_code == 400
    assert "check digit is wrong" in response.get_data(as_text=True)
    assert 'value="Αρτοποιία Σερρών ΙΚΕ"' in response.get_data(as_text=True)  # what was typed stays
    assert enterprise_count() == 0

    response = _form(
        client,
        "/enterprises/new",
        name="Αρτοποιία Σερρών ΙΚΕ",
        country="GR",
        number="EL 094259216",
        nace_division="10",
        headcount="12",
        turnover_eur="1500000",
        founded_year="2021",
    )
    assert response.status_code == 302
    enterprise = db.session.scalar(select(Enterprise))
    assert (enterprise.number, enterprise.nace_section, enterprise.size_class) == (GR_VAT, "C", "small")
    assert enterprise.name_latin == "Artopoiia Serron IKE"

    response = _form(client, "/enterprises/new", name="Άλλη", country="GR", number=GR_VAT)
    assert response.status_code == 400 and "belongs to Αρτοποιία Σερρών ΙΚΕ already" in response.get_data(
        as_text=True
    )
    response = _form(
        client,
        f"/enterprises/{enterprise.id}",
        name="Αρτοποιία Σερρών ΙΚΕ",
        country="GR",
        number=GR_VAT,
        nace_section="I",
        nace_division="10",
    )
    assert response.status_code == 400 and "not in the chosen NACE section" in response.get_data(as_text=True)


def test_merge_keeps_every_person_spelling_and_leaves_a_trace(client, login_as, create_user):
    keep = services.create_enterprise(name="Αρτοποιία Σερρών", country="GR")
    other = services.create_enterprise(name="Artopoiia Serron IKE", country="GR", number=GR_VAT, headcount=7)
    people = [create_user(name=f"Person {n}") for n in range(3)]
    people[0].enterprise, people[1].enterprise, people[2].enterprise = keep, other, other
    db.session.commit()
    login_as("coordinator")
    assert [sorted(e.id for e in group) for group in services.duplicate_groups()] == [
        sorted([keep.id, other.id])
    ]
    keep_id, other_id = keep.id, other.id
    page = client.get("/enterprises/duplicates").get_data(as_text=True)
    assert "Artopoiia Serron IKE" in page and "Αρτοποιία Σερρών" in page

    response = client.post(
        "/enterprises/merge",
        data={
            "keep": keep_id,
            "merge": [keep_id, other_id],
            "csrf_token": csrf_token(client, "/enterprises/"),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Enterprise, keep_id)
    assert db.session.get(Enterprise, other_id) is None
    assert sorted(u.id for u in kept.members) == sorted(p.id for p in people)
    assert kept.spellings == ["Artopoiia Serron IKE"] and (kept.number, kept.headcount) == (GR_VAT, 7)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enterprise.merge"))
    assert entry.details["merged_name"] == "Artopoiia Serron IKE" and entry.details["merged_number"] == GR_VAT
    assert services.same_name("artopoiia serron ike") == [kept]  # still found by the old spelling


def test_similar_names_can_be_kept_apart(client, login_as):
    a = services.create_enterprise(name="Pekara Šumen", country="RS")
    b = services.create_enterprise(name="Пекара Шумен ЕООД", country="BG")
    db.session.commit()
    login_as("coordinator")
    assert len(services.duplicate_groups()) == 1
    response = client.post(
        "/enterprises/duplicates/apart",
        data={"merge": [a.id, b.id], "csrf_token": csrf_token(client, "/enterprises/duplicates")},
    )
    assert response.status_code == 302
    assert services.duplicate_groups() == []
    assert "No possible duplicates" in client.get("/enterprises/duplicates").get_data(as_text=True)


def test_search_finds_any_script_and_the_number(client, login_as):
    services.create_enterprise(name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number=GR_VAT)
    services.create_enterprise(name="Охридски бисер ДООЕЛ", country="MK")
    db.session.commit()
    login_as("coordinator")
    for query in ("artopoiia", "σερρων", GR_VAT, "okhridski"):
        page = client.get("/enterprises/", query_string={"q": query}).get_data(as_text=True)
        assert "1 enterprise" in page, query


# --- the person's forms ------------------------------------------------------------------------------


def _register(client, **fields):
    """Sign up as a visitor does: the form, then the link the form mails, where the password is
    chosen. The form's response when it comes back (400), else the link's."""
    data = {
        "name": "Νίκος Δ.",
        "email": "nikos@example.org",
        "locale": "el",
        "timezone": "Europe/Athens",
        "country": "GR",
        "csrf_token": csrf_token(client, "/register"),
        **fields,
    }
    response = client.post("/register", data=data)
    if response.status_code != 302:
        return response
    link = _registration_link(client.application, data["email"])
    return client.post(
        link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(client, link)}
    )


def _registration_link(app, address: str) -> str:
    for path in sorted((Path(app.instance_path) / "outbox").glob("*.eml"), reverse=True):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if mail["To"] == address:
            return re.search(
                r"https?://[^/\s]+(/register/\S+)", mail.get_body(("plain",)).get_content()
            ).group(1)
    raise AssertionError(f"no registration mail to {address}")


def test_registration_finds_the_enterprise_by_number_whatever_the_spelling(client):
    bakery = services.create_enterprise(name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number=GR_VAT)
    db.session.commit()
    response = _register(client, enterprise_name="Artopoiia Serron", enterprise_number="EL094259216")
    assert response.status_code == 302
    user = db.session.scalar(User.by_email("nikos@example.org"))
    assert user.enterprise_id == bakery.id and enterprise_count() == 1


def test_registration_asks_when_names_are_only_similar(client):
    bakery = services.create_enterprise(name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number=GR_VAT)
    db.session.commit()
    response = _register(client, enterprise_name="Artopoiia Serron")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "similar name" in page and "Αρτοποιία Σερρών ΙΚΕ" in page
    assert db.session.scalar(User.by_email("nikos@example.org")) is None  # nothing half-written
    response = _register(client, enterprise_name="Artopoiia Serron", enterprise_choice=str(bakery.id))
    assert response.status_code == 302
    assert db.session.scalar(User.by_email("nikos@example.org")).enterprise_id == bakery.id


def test_registration_creates_a_new_enterprise_when_asked(client):
    services.create_enterprise(name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number=GR_VAT)
    db.session.commit()
    response = _register(
        client,
        enterprise_name="Artopoiia Serron",
        enterprise_choice="new",
        nace_section="C",
        size_class="small",
    )
    assert response.status_code == 302
    user = db.session.scalar(User.by_email("nikos@example.org"))
    assert (user.enterprise.name, user.enterprise.size_class, user.enterprise.country) == (
        "Artopoiia Serron",
        "small",
        "GR",
    )


def test_bad_number_on_registration_is_named(client):
    response = _register(client, enterprise_name="Νέα", enterprise_number="094259217")
    assert response.status_code == 400 and "check digit is wrong" in response.get_data(as_text=True)
    assert enterprise_count() == 0


def _profile(client, user, **fields):
    data = {"name": user.name, "locale": "en", "timezone": "Europe/Athens", **fields}
    return client.post("/profile", data={**data, "csrf_token": csrf_token(client, "/profile")})


def test_not_yet_a_company(client, login_as):
    user = login_as("trainee", organisation="Παλιά Εταιρεία")
    response = _profile(client, user, enterprise_name="Παλιά Εταιρεία", founder="y")
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.founder and user.enterprise is None


def test_profile_keeps_the_enterprise_when_unchanged(client, login_as):
    user = login_as("trainee", organisation="Охридски бисер ДООЕЛ")
    before = user.enterprise_id
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="Охридски бисер ДООЕЛ"' in page
    response = _profile(client, user, enterprise_name="охридски бисер дооел")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).enterprise_id == before and enterprise_count() == 1


# --- the CSV upload ----------------------------------------------------------------------------------

CSV_HEADER = "email,firstname,lastname,institution,institution_number,nace,size,country\n"


def test_csv_upload_previews_create_join_and_match(app, client, login_as):
    existing = services.create_enterprise(name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number=GR_VAT)
    db.session.commit()
    data = (
        CSV_HEADER
        + "a@example.org,Άννα,Α,Artopoiia Serron,EL094259216,,,GR\n"  # joins by number
        + "b@example.org,Βίκυ,Β,Охридски бисер ДООЕЛ,4030000375897,I56,micro,MK\n"  # creates
        + "c@example.org,Γιώργος,Γ,ОХРИДСКИ БИСЕР ДООЕЛ,,,,MK\n"  # matches row 3 by name
        + "d@example.org,Δήμος,Δ,Αρτοποιία σερρών ικε,,,,GR\n"  # joins by the same name
    ).encode()
    plan = parse(app, data)
    assert plan.ok, plan.problems
    actions = [(row.row, row.enterprise_action, row.enterprise_id, row.same_as_row) for row in plan.rows]
    assert [row.written_as for row in plan.rows] == ["Artopoiia Serron", "", "", ""]  # found by number
    assert actions == [
        (2, "join", existing.id, None),
        (3, "create", None, None),
        (4, "match", None, 3),
        (5, "join", existing.id, None),
    ]
    login_as("coordinator")
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert "joins an existing enterprise" in page and "new enterprise" in page and "same as row 3" in page
    response = client.post(CONFIRM_URL, data=hidden_fields(page))
    assert response.status_code == 302
    users = {u.email: u for u in db.session.scalars(select(User).where(User.role == "trainee"))}
    assert users["a@example.org"].enterprise_id == users["d@example.org"].enterprise_id == existing.id
    ohrid = users["b@example.org"].enterprise
    assert users["c@example.org"].enterprise_id == ohrid.id
    assert (ohrid.number, ohrid.nace_section, ohrid.nace_division, ohrid.size_class) == (
        MK_EDB,
        "I",
        "56",
        "micro",
    )
    assert enterprise_count() == 2


def test_csv_upload_names_row_and_column_of_every_enterprise_problem(app):
    data = (
        CSV_HEADER
        + "a@example.org,Άννα,Α,Εταιρεία,094259217,,,GR\n"  # check digit
        + "b@example.org,Βίκυ,Β,Фирма,4030000375897,Z9,huge,MK\n"  # NACE and size
        + "c@example.org,Γιώργος,Γ,,4030000375897,,,MK\n"  # a number without a name
        + "d@example.org,Δήμος,Δ,Firma,12345,,,\n"  # a number without a country
        + "e@example.org,Ελένη,Ε,Εταιρεία,,I10,,GR\n"  # division 10 is in section C
    ).encode()
    plan = parse(app, data)
    assert problems(plan) == {
        (2, "institution_number"),
        (3, "nace"),
        (3, "size"),
        (4, "institution"),
        (5, "institution_number"),
        (6, "nace"),
    }
    assert not plan.ok and plan.rows == []
    message = next(p.message for p in plan.problems if p.row == 2)
    assert "094259217" in message and "check digit" in message


def test_csv_upload_with_an_ambiguous_name_asks_for_the_number(app):
    services.create_enterprise(name="Φούρνος", country="GR", number=GR_VAT)
    services.create_enterprise(name="ΦΟΥΡΝΟΣ", country="GR", number=GR_VAT_2)
    db.session.commit()
    plan = parse(app, (CSV_HEADER + "a@example.org,Άννα,Α,φούρνος,,,,GR\n").encode())
    assert problems(plan) == {(2, "institution")}
    plan = parse(app, (CSV_HEADER + f"a@example.org,Άννα,Α,φούρνος,{GR_VAT_2},,,GR\n").encode())
    assert plan.ok and plan.rows[0].enterprise_action == "join"


# --- the migration -----------------------------------------------------------------------------------


def test_migration_turns_organisations_into_enterprises_and_loses_nothing(empty_app):  # noqa: F811
    upgrade(revision="0008_programme_certificates")
    people = [
        (1, "Αρτοποιία Σερρών", "agriculture", "micro", "GR"),
        (2, "ΑΡΤΟΠΟΙΪΑ ΣΕΡΡΩΝ", "manufacturing", "micro", "GR"),
        (3, "αρτοποιία  σερρών", "agriculture", "small", "GR"),
        (4, "Artopoiia Serron IKE", "agriculture", "micro", "GR"),  # perhaps the same: a coordinator says
        (5, None, None, "none", "MK"),  # a would-be founder
        (6, "Охридски бисер", "tourism", None, "MK"),
        (7, "  ", None, None, None),
    ]
    with db.engine.begin() as connection:
        for id_, organisation, sector, size, country in people:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, role, active, created_at, organisation, sector,"
                    " org_size, country) VALUES (:id, :email, :name, 'trainee', true, '2026-01-05 10:00:00',"
                    " :o, :s, :z, :c)"
                ),
                {
                    "id": id_,
                    "email": f"u{id_}@example.org",
                    "name": f"U {id_}",
                    "o": organisation,
                    "s": sector,
                    "z": size,
                    "c": country,
                },
            )
    upgrade(revision="head")
    rows = {e.name: e for e in db.session.scalars(select(Enterprise))}
    assert set(rows) == {"Αρτοποιία Σερρών", "Artopoiia Serron IKE", "Охридски бисер"}
    bakery = rows["Αρτοποιία Σερρών"]
    assert sorted(u.id for u in bakery.members) == [1, 2, 3]
    assert set(bakery.spellings) == {"ΑΡΤΟΠΟΙΪΑ ΣΕΡΡΩΝ", "αρτοποιία σερρών"}
    assert (bakery.nace_section, bakery.size_class, bakery.country) == ("A", "micro", "GR")
    assert "Sectors given: agriculture (2), manufacturing (1)" in bakery.notes
    assert "Sizes given: micro (2), small (1)" in bakery.notes
    assert (
        rows["Охридски бисер"].nace_section == "I" and rows["Охридски бисер"].name_latin == "Okhridski biser"
    )
    assert db.session.get(User, 5).founder and not db.session.get(User, 6).founder
    # The uncertain group waits for the coordinator.
    assert [sorted(e.name for e in group) for group in services.duplicate_groups()] == [
        ["Artopoiia Serron IKE", "Αρτοποιία Σερρών"]
    ]


def test_lists_of_people_and_enterprises_do_not_query_per_row(client, login_as, create_user):
    from tests.test_courses import QueryCounter

    login_as("coordinator")
    counts = []
    for size in (1, 8):
        for n in range(size):
            create_user(name=f"P{size}-{n}", organisation=f"Firm {size}-{n}")
        with QueryCounter(db.engine) as users, QueryCounter(db.engine):
            assert client.get("/admin/users").status_code == 200
        with QueryCounter(db.engine) as firms:
            assert client.get("/enterprises/").status_code == 200
        counts.append((users.count, firms.count))
    assert counts[0] == counts[1], counts


def test_cli_dry_run_says_what_each_row_does_with_its_enterprise(runner, tmp_path):
    services.create_enterprise(name="Αρτοποιία Σερρών ΙΚΕ", country="GR", number=GR_VAT)
    db.session.commit()
    path = tmp_path / "users.csv"
    path.write_text(
        CSV_HEADER
        + "a@example.org,Άννα,Α,Artopoiia,094259216,,,GR\n"
        + "b@example.org,Βίκυ,Β,Νέα ΙΚΕ,,,,GR\n"
        + "c@example.org,Γιώργος,Γ,ΝΕΑ ΙΚΕ,,,,GR\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "[joins Αρτοποιία Σερρών ΙΚΕ]" in result.output
    assert "[new enterprise Νέα ΙΚΕ]" in result.output and "[ΝΕΑ ΙΚΕ, as on row 3]" in result.output
    assert enterprise_count() == 1
