"""A realistic cross-border programme for `lms demo`: three cohorts (Serres, Strumica, Blagoevgrad) of twenty
trainees each, with local names and their enterprises (NACE section, size class); six past e-classes with
attendance, four to come; lessons done, quizzes taken and graded by the quiz services; completions and
certificates follow.

Deterministic (a seeded random) and idempotent: nothing happens when the programme is already there.
"""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.auth.models import User
from lms.auth.services import create_user
from lms.classroom.models import Cohort, Programme
from lms.classroom.services import add_member, schedule, take_attendance
from lms.courses.models import Course
from lms.courses.services import enrol
from lms.db import db, utcnow
from lms.progress.models import Completion
from lms.progress.services import evaluate_course

PROGRAMME_TITLE = "Cross-border SME Digital Skills 2026"
COURSES = ("digital-marketing", "ict-essentials")
PAST_SESSIONS, NEXT_SESSIONS = 6, 4

# cohort, partner, town, time zone, country, language, first names (women, men), surnames
# (woman/man), enterprises (name, NACE Rev. 2 section, EU size class)


def _names(text: str) -> list[str]:
    return text.split()


def _pairs(text: str) -> list[tuple[str, str]]:
    """'Ivanova/Ivanov Petrova/Petrov' -> the woman's and the man's form of each surname."""
    return [tuple(pair.split("/")) for pair in text.split()]


COHORTS = [
    (
        "Serres autumn group",
        "Serres business incubator",
        "Serres",
        "Europe/Athens",
        "GR",
        "el",
        (
            _names("Μαρία Ελένη Κατερίνα Σοφία Δέσποινα Χριστίνα Αθηνά Ιωάννα Αγγελική Βασιλική"),
            _names("Γιώργος Νίκος Δημήτρης Κώστας Αντώνης Παναγιώτης Βασίλης Θανάσης Στέλιος Μιχάλης"),
        ),
        _pairs(
            "Παπαδοπούλου/Παπαδόπουλος Γεωργίου/Γεωργίου Οικονόμου/Οικονόμου "
            "Ιωαννίδου/Ιωαννίδης Καραγιάννη/Καραγιάννης Βασιλείου/Βασιλείου "
            "Αθανασίου/Αθανασίου Χατζή/Χατζής Τσακίρη/Τσακίρης Δημητρίου/Δημητρίου"
        ),
        [
            ("Αρτοποιείο Η Σέρρα", "A", "micro"),
            ("Οινοποιείο Στρυμόνα", "A", "small"),
            ("Ξυλουργείο Καραγιάννη", "C", "micro"),
            ("Ταβέρνα Ο Πλάτανος", "I", "micro"),
            ("Λογιστικό Γραφείο Οικονόμου", "M", "micro"),
            ("Ξενώνας Λαϊλιάς", "I", "micro"),
            ("Μελισσοκομία Μενοικίου", "A", "micro"),
            ("Τυροκομείο Νιγρίτας", "C", "small"),
            ("Κατασκευές Στρυμών ΑΕ", "F", "medium"),
            ("Βιβλιοπωλείο Ερμής", "G", "micro"),
        ],
    ),
    (
        "Strumica autumn group",
        "Strumica business centre",
        "Strumica",
        "Europe/Skopje",
        "MK",
        "mk",
        (
            _names("Марија Ана Елена Ивана Симона Билјана Катерина Јована Сања Весна"),
            _names("Александар Никола Стефан Дејан Игор Горан Марко Бојан Петар Зоран"),
        ),
        _pairs(
            "Стојановска/Стојановски Трајковска/Трајковски Николовска/Николовски "
            "Петровска/Петровски Јованова/Јованов Димитриевска/Димитриевски "
            "Ангеловска/Ангеловски Илиевска/Илиевски Георгиева/Георгиев Атанасова/Атанасов"
        ),
        [
            ("Пекара Струмица", "C", "micro"),
            ("Винарија Беловишка", "A", "small"),
            ("Агро Ранч Василево", "A", "small"),
            ("Столарија Дрво-Мак", "C", "micro"),
            ("Сметководство Ангелов", "M", "micro"),
            ("Хотел Цар Самуил", "I", "small"),
            ("Мелница Босилово", "C", "micro"),
            ("Градинарство Моноспитово", "A", "micro"),
            ("ИТ Решенија Струмица", "J", "small"),
            ("Градежна фирма Беласица", "F", "medium"),
        ],
    ),
    (
        "Blagoevgrad autumn group",
        "Blagoevgrad chamber of commerce",
        "Blagoevgrad",
        "Europe/Sofia",
        "BG",
        "bg",
        (
            _names("Мария Елена Десислава Гергана Радостина Йорданка Цветелина Милена Надежда Антоанета"),
            _names("Георги Иван Димитър Петър Николай Стоян Христо Атанас Васил Тодор"),
        ),
        _pairs(
            "Иванова/Иванов Георгиева/Георгиев Димитрова/Димитров Петрова/Петров "
            "Стоянова/Стоянов Костадинова/Костадинов Атанасова/Атанасов Николова/Николов "
            "Тодорова/Тодоров Ангелова/Ангелов"
        ),
        [
            ("Пекарна Пирин", "C", "micro"),
            ("Винарна Мелник", "A", "small"),
            ("Хотел Бачиново", "I", "small"),
            ("Мебели Рила", "C", "medium"),
            ("Счетоводна къща Тодоров", "M", "micro"),
            ("Билкова аптека Струма", "Q", "micro"),
            ("Ферма Симитли", "A", "micro"),
            ("Сладкарница Македония", "G", "micro"),
            ("Автосервиз Струма", "M", "micro"),
            ("Софтуерна къща Пирин", "J", "small"),
        ],
    ),
]


def load_programme(trainer: User) -> bool:
    """Create the programme once; returns False (and changes nothing) when it is already there."""
    if db.session.scalar(select(Programme.id).where(Programme.title == PROGRAMME_TITLE)) is not None:
        return False
    courses = list(db.session.scalars(select(Course).where(Course.slug.in_(COURSES)).order_by(Course.slug)))
    if not courses:
        return False
    rng = random.Random(2026)
    now = utcnow()
    start = now - timedelta(weeks=PAST_SESSIONS, days=1)
    programme = Programme(
        title=PROGRAMME_TITLE,
        courses=courses,
        funding_line="Co-funded by the European Union - Interreg IPA Greece - North Macedonia - Bulgaria",
    )
    for number, (name, partner, town, zone, country, language, firsts, surnames, firms) in enumerate(COHORTS):
        cohort = Cohort(programme=programme, name=name, partner=partner, timezone=zone, trainers=[trainer])
        db.session.add(cohort)
        members = _trainees(cohort, number, country, language, zone, firsts, surnames, firms, rng)
        for member in cohort.members:  # members since before the first class, so its roll lists them
            member.added_at = start
        # Weekly from six weeks ago, a day apart per cohort: always six classes held and four to come.
        today = now.astimezone(ZoneInfo(zone)).date()
        first_day = today - timedelta(weeks=PAST_SESSIONS) + timedelta(days=number + 1)
        first_class = datetime.combine(first_day, datetime.min.time(), ZoneInfo(zone)).replace(hour=18)
        sessions = schedule(
            cohort,
            first_class,
            90,
            PAST_SESSIONS + NEXT_SESSIONS,
            trainer=trainer,
            place=f"Incubator classroom, {town}",
            topic="Digital skills workshop",
        )
        for session in sessions:
            if session.starts_at < now:
                statuses = {u.id: rng.choices("PLEA", weights=(80, 8, 4, 8))[0] for u, _skill in members}
                take_attendance(session, statuses, trainer)
        for user, skill in members:
            for course in courses:
                _study(course, user, skill, start, now, rng)
    return True


def _enterprise(name: str, country: str, section: str, size: str):
    """The demo firm's record: one per name and country, however many of its people take part."""
    from lms.enterprises.services import create_enterprise, same_name

    found = [e for e in same_name(name) if e.country == country]
    return (
        found[0]
        if found
        else create_enterprise(name=name, country=country, nace_section=section, size_class=size)
    )


def _trainees(
    cohort, number, country, language, zone, firsts, surnames, firms, rng
) -> list[tuple[User, float]]:
    members = []
    for i in range(20):
        woman = i % 2 == 0
        first = firsts[0 if woman else 1][i // 2]
        surname = surnames[(i * 3 + number) % len(surnames)][0 if woman else 1]
        firm, section, size = firms[i % len(firms)]
        user = create_user(
            f"{cohort.name.split()[0].lower()}.{i + 1:02d}@example.org",
            f"{first} {surname}",
            role="trainee",
            locale=language,
            country=country,
            gender="female" if woman else "male",
            timezone=zone,
        )
        user.enterprise = _enterprise(firm, country, section, size)
        # Members since before the first class, so the past classes count them (not "not yet a member").
        add_member(cohort, user).added_at = utcnow() - timedelta(weeks=PAST_SESSIONS + 1)
        members.append((user, rng.uniform(0.35, 1.0)))  # how far and how well this trainee works
    return members


def _study(course: Course, user: User, skill: float, start: datetime, now: datetime, rng) -> None:
    """Enrol, do the first part of the course (as far as `skill` goes) and take its quizzes for real."""
    from lms.quizzes import services as quiz

    enrolment = enrol(course, user, "manual")
    enrolment.enrolled_at = start
    activities = [a for a in course.activities() if a.published]
    reached = round(len(activities) * min(1.0, skill * rng.uniform(0.8, 1.4)))
    when = start
    for activity in activities[:reached]:
        when = min(now - timedelta(hours=1), when + timedelta(hours=rng.uniform(4, 60)))
        if activity.kind == "lesson":
            db.session.add(
                Completion(user_id=user.id, activity_id=activity.id, source="marked", completed_at=when)
            )
            continue
        try:
            attempt = quiz.start_attempt(activity, user, now=when)
        except quiz.QuizError:
            continue
        question_ids = [slot["q"] for slot in attempt.slots()]
        quiz.save_responses(attempt, _answers(attempt, skill, rng), question_ids, now=when)
        quiz.finish_attempt(attempt, now=when + timedelta(minutes=rng.randint(6, 25)))
    enrolment.last_access_at = when if reached else None
    db.session.flush()
    evaluate_course(course, user.id)


def _answers(attempt, skill: float, rng) -> MultiDict:
    """A form as the trainee's browser would send it: each question answered right with chance `skill`."""
    from lms.quizzes.kinds import field
    from lms.quizzes.models import Question

    form = MultiDict()
    for slot in attempt.slots():
        question = db.session.get(Question, slot["q"])
        if rng.random() > skill:
            continue  # left blank or guessed wrong: no marks either way
        order, answers, name = slot["order"], question.answers, field(question)
        if question.kind in ("multichoice", "truefalse"):
            right = [position for position, index in enumerate(order) if answers[index]["fraction"] > 0]
            for position in right[:1] if question.single or question.kind == "truefalse" else right:
                form.add(name, str(position))
        elif question.kind in ("shortanswer", "numerical"):
            best = max(answers, key=lambda a: a["fraction"], default=None)
            if best is not None:
                form.add(name, best["text"] if question.kind == "shortanswer" else f"{best['value']:g}")
        elif question.kind == "matching":
            for i, answer in enumerate(answers):
                if answer["text"]:
                    position = next(
                        p for p, index in enumerate(order) if answers[index]["match"] == answer["match"]
                    )
                    form.add(f"{name}_{i}", str(position))
    return form
