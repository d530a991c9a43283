"""The `lms` command line: `lms --help` lists every command."""

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from lms.db import db

DEMO_PASSWORD = "demo-password"  # noqa: S105 (documented demo accounts)
DEMO_USERS = [
    ("trainee@example.org", "Ελένη Παπαδοπούλου", "trainee", "el", "GR"),
    ("trainer@example.org", "Марија Стојановска", "trainer", "mk", "MK"),
    ("coordinator@example.org", "Georgi Dimitrov", "coordinator", "en", "BG"),
]


def _create_app(*_args):
    """The CLI makes sure a secret key exists first, so `lms init` works on a fresh machine."""
    import os

    from lms import create_app, instance_path_for

    if not os.environ.get("LMS_SECRET_KEY"):
        ensure_instance_secret(instance_path_for())
    return create_app()


def ensure_instance_secret(instance_path: Path) -> bool:
    """Write a random SECRET_KEY to instance/config.py unless one is there; True if written."""
    config_path = instance_path / "config.py"
    if config_path.exists() and "SECRET_KEY" in config_path.read_text(encoding="utf-8"):
        return False
    config_path.parent.mkdir(parents=True, exist_ok=True)
    with config_path.open("a", encoding="utf-8") as config:
        config.write(
            f"# Written by `lms init`. Keep it secret; changing it logs everyone out.\n"
            f"SECRET_KEY = {secrets.token_urlsafe(48)!r}\n"
        )
    return True


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main():
    """E-learning for SME training programmes: courses, quizzes, e-classes, certificates."""


def register_commands(app) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(users_group)
    app.cli.add_command(import_courses_command)
    app.cli.add_command(import_moodle_backup_command)
    app.cli.add_command(export_course_command)
    app.cli.add_command(render_lessons_command)
    app.cli.add_command(import_questions_command)
    app.cli.add_command(quizzes_group)
    app.cli.add_command(certificates_group)
    app.cli.add_command(export_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(doctor_command)


def _upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade()


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database (a secret key is written to instance/config.py if none is set)."""
    _upgrade_database()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")
    from lms.certificates.signing import signing_key

    click.echo(f"Open Badges signing key: {signing_key().kid}")


HOST_HELP = (
    "Address to listen on: 127.0.0.1 is this computer only; 0.0.0.0 lets phones on the local network in "
    "(plain http: for a network you trust)."
)


WORKER_OPTION = click.option(
    "--worker/--no-worker",
    default=None,
    help="Run background jobs in this process (default: yes when no LMS_BROKER_URL is set).",
)


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Only prepare the database and demo data.")
@click.option("--host", default="127.0.0.1", show_default=True, help=HOST_HELP)
@click.option("--port", default=5000, show_default=True)
@WORKER_OPTION
@with_appcontext
def demo_command(no_serve: bool, host: str, port: int, worker: bool | None):
    """Set up the database with demo users and courses, then serve the site (safe to re-run)."""
    from lms.demo import load_demo
    from lms.demo_summary import demo_summary

    _upgrade_database()
    for problem in load_demo(DEMO_USERS, DEMO_PASSWORD):
        click.echo(problem, err=True)
    db.session.commit()
    for line in demo_summary(DEMO_PASSWORD):
        click.echo(line)
    click.echo()
    if no_serve:
        click.echo("Start the site with `lms serve` (`--host 0.0.0.0` lets phones on this network in).")
    else:
        _serve(host, port, debug=False, worker=worker)


def _enterprise_note(row) -> str:
    """What an import row does with its enterprise, for the dry run."""
    if row.enterprise_action == "create":
        return f" [new enterprise {row.organisation}]"
    if row.enterprise_action == "join":
        return f" [joins {row.enterprise_name}]"
    if row.enterprise_action == "match":
        return f" [{row.organisation}, as on row {row.same_as_row}]"
    return ""


def _serve(host: str, port: int, debug: bool, worker: bool | None) -> None:
    import os

    from werkzeug.serving import run_simple

    from lms.jobs import EmbeddedWorker, is_embedded
    from lms.serving import announce, prepare_dev_server

    app = current_app._get_current_object()
    app.debug = debug
    announce(prepare_dev_server(app, host, port))
    if worker is None:
        worker = is_embedded(app)
    # With the reloader, only the child process that serves runs jobs.
    if worker and (not debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"):
        EmbeddedWorker(app).start()
        click.echo("Background jobs and the scheduler run in this process.")
    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help=HOST_HELP)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--debug", is_flag=True, help="Reload on code changes and show the debugger (never in production)."
)
@WORKER_OPTION
@with_appcontext
def serve_command(host: str, port: int, debug: bool, worker: bool | None):
    """Run the development server (and, with no broker configured, the background jobs).

    In production use gunicorn: gunicorn 'lms:create_app()', beside `lms worker` and `lms scheduler`.
    """
    _serve(host, port, debug, worker)


@click.command("worker")
@click.option(
    "--concurrency", default=2, show_default=True, help="Jobs at once (processes; use the machine's cores)."
)
@click.option("--beat", is_flag=True, help="Also send the scheduled jobs (instead of a `lms scheduler`).")
@click.option("--loglevel", default="INFO", show_default=True)
@with_appcontext
def worker_command(concurrency: int, beat: bool, loglevel: str):
    """Run background jobs from the queue (LMS_BROKER_URL, or instance/jobs.sqlite when none is set)."""
    from lms.jobs import celery_app, is_embedded

    app = current_app._get_current_object()
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--without-mingle"]
    if is_embedded(app):
        # The SQLite queue has no broadcast: one process takes jobs, and no worker events.
        argv = ["worker", f"--loglevel={loglevel}", "--pool=solo", "--without-mingle", "--without-gossip"]
    if beat:
        argv.append("--beat")
    celery_app(app).worker_main(argv)


@click.command("scheduler")
@click.option("--loglevel", default="INFO", show_default=True)
@with_appcontext
def scheduler_command(loglevel: str):
    """Send the scheduled jobs (closing overdue quiz attempts, e-class reminders): run exactly one."""
    from lms.jobs import celery_app

    celery_app().start(["beat", f"--loglevel={loglevel}"])


@click.command("doctor")
@with_appcontext
def doctor_command():
    """Print what is configured (database, broker, Redis, mail, base URL, storage) and whether it answers."""
    from lms.doctor import run_checks

    failed = 0
    for check in run_checks(current_app._get_current_object()):
        mark = "ok  " if check.ok else "FAIL"
        failed += not check.ok
        click.echo(
            f"{mark} {check.name:<9} {check.configured}" + (f": {check.detail}" if check.detail else "")
        )
    if failed:
        raise SystemExit(1)


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Full name, in any script.")
@click.option(
    "--role", type=click.Choice(["trainee", "trainer", "coordinator"]), default="trainee", show_default=True
)
@click.option(
    "--password-file",
    type=click.File("r", encoding="utf-8"),
    help="Read the password from the first line of this file ('-' for standard input).",
)
@click.option("--locale", default=None, help="Preferred language: en, el, mk, bg or sr.")
@with_appcontext
def create_user_command(email, name, role, password_file, locale):
    """Create a user; the password is prompted for unless --password-file is given."""
    from lms.auth.passwords import password_problem
    from lms.auth.services import AccountError, create_user

    if password_file is not None:
        password = password_file.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with current_app.test_request_context():  # the message is translated, as for the web forms
        problem = password_problem(password, email, name)
    if problem:
        raise click.UsageError(problem)
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        raise click.UsageError(
            f"unknown locale {locale!r}: use one of {', '.join(current_app.config['LANGUAGES'])}"
        )
    try:
        user = create_user(email, name, password, role=role, locale=locale)
    except AccountError as error:
        message = "a user with this e-mail already exists" if str(error) == "duplicate-email" else str(error)
        raise click.ClickException(message) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and list who would be created; change nothing.")
@with_appcontext
def import_users_command(file: Path, dry_run: bool):
    """Create trainee accounts from FILE.csv, which uses Moodle's column names; all or nothing.

    Columns: email (or a username holding an e-mail address), firstname, lastname (required), password,
    lang, institution, country, course1, course2, ... (course slugs to enrol in) and cohort1, cohort2,
    ... (names of cohorts to add the user to). The file may be UTF-8 or Excel's CSV in Windows-1253
    (Greek) or Windows-1251 (Cyrillic), with commas, semicolons or tabs. Every problem is printed with
    its row and column; if there is any, nothing is imported and the exit code is 1. Each new user gets
    a welcome mail with a link to choose a password (unless the file gives one); links use LMS_BASE_URL.
    """
    from lms.admin.user_import import apply_plan, parse_users_csv, send_welcome_mails

    # A request at the site's address: messages are translated and mails link to the real site.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        plan = parse_users_csv(file.read_bytes())
        click.echo(f"{file}: encoding {plan.encoding or 'unknown'}, delimiter {plan.delimiter_name}")
        for problem in plan.problems:
            click.echo(f"row {problem.row}, {problem.column or 'file'}: {problem.message}", err=True)
        for note in plan.notes:
            click.echo(f"note: {note}")
        for column, reason in plan.ignored:
            click.echo(f"ignored column {column}: {reason}")
        if plan.problems:
            click.echo(f"{len(plan.problems)} problem(s): nothing was imported", err=True)
            raise SystemExit(1)
        if dry_run:
            for row in plan.rows:
                courses = f" -> {', '.join(row.courses)}" if row.courses else ""
                if row.teaching:
                    courses += f" trainer of {', '.join(row.teaching)}"
                if not row.active:
                    courses += " (suspended)"
                click.echo(f"  row {row.row}: {row.name} <{row.email}>{courses}{_enterprise_note(row)}")
            click.echo(f"dry run: {len(plan.rows)} user(s) would be created; nothing was changed")
            return
        mails = apply_plan(plan, None, source=file.name)
        send_welcome_mails(mails)
        db.session.commit()
    click.echo(f"created {len(plan.rows)} user(s); {len(mails)} welcome mail(s) queued")


def find_packages(path: Path) -> list[Path]:
    """A package folder itself, or the package folders directly inside a folder."""
    if (path / "course.toml").is_file():
        return [path]
    return sorted(child for child in path.iterdir() if (child / "course.toml").is_file())


def import_packages(paths) -> tuple[list, list[str]]:
    """Validate every package first; import the valid ones. Returns (courses, problem lines)."""
    from lms.courses.package import PackageError, parse_package, read_folder
    from lms.courses.transfer import import_course

    specs, problems = [], []
    for path in paths:
        try:
            specs.append(parse_package(read_folder(path), label=str(path)))
        except PackageError as error:
            problems.extend(str(problem) for problem in error.problems)
    slugs = [spec.slug for spec in specs]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(f"two packages share the slug '{slug}': neither was imported")
        specs = [spec for spec in specs if spec.slug != slug]
    courses = []
    for spec in specs:
        course, warnings = import_course(spec)
        courses.append(course)
        problems.extend(f"warning: {warning}" for warning in warnings)
    return courses, problems


@click.command("import-courses")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@with_appcontext
def import_courses_command(paths):
    """Import course packages (a package folder, or a folder of them); update courses by slug.

    Every package is validated first: one with an error is not imported at all, and each problem is
    reported with its file and line. Trainees' progress on lessons that still exist is kept.
    """
    packages = [package for path in paths for package in find_packages(path)]
    if not packages:
        raise click.UsageError("no course.toml found in the given folders")
    courses, problems = import_packages(packages)
    db.session.commit()
    for course in courses:
        lessons = sum(len(module.activities) for module in course.modules)
        click.echo(f"imported {course.slug}: {len(course.modules)} modules, {lessons} lessons and quizzes")
    for problem in problems:
        click.echo(problem, err=True)
    if any(not line.startswith("warning:") for line in problems):
        raise SystemExit(1)


@click.command("import-moodle-backup")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="The new course's slug (default: from the Moodle course's short name).")
@click.option(
    "--package-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the converted course package into DIR/SLUG (to keep it in git, or edit it first).",
)
@click.option("--dry-run", is_flag=True, help="Convert and check, print the report; change nothing.")
@with_appcontext
def import_moodle_backup_command(file: Path, slug: str | None, package_dir: Path | None, dry_run: bool):
    """Import a Moodle course backup (.mbz) as a new, unpublished course.

    Sections become modules; pages, labels, links and files become Markdown lessons with their
    attachments; quizzes become GIFT quizzes with their settings. The backup is checked whole first
    (and the converted package as `lms import-courses` checks one): on any error nothing is imported
    and every problem is printed with its file and line. What could not be carried over (forums,
    assignments, unsupported question types, ...) is listed with the reason.
    """
    from lms.moodle.backup import BackupError, SlugTaken, import_backup, save_course

    try:
        spec, report, package = import_backup(file.read_bytes(), file.name, slug)
    except BackupError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s): nothing was imported", err=True)
        raise SystemExit(1) from None
    for line in report.carried:
        click.echo(f"converted: {line}")
    for what, why in report.skipped:
        click.echo(f"not carried over: {what}: {why}")
    if package_dir is not None:
        from lms.courses.package import write_folder

        target = package_dir / spec.slug
        if target.exists() and any(target.iterdir()):
            raise click.ClickException(f"{target} exists and is not empty: choose another directory")
        write_folder(package, target)
        click.echo(f"wrote {len(package)} files to {target}")
        if report.bank:
            from lms.quizzes.moodle_xml import dump_moodle_xml

            bank = package_dir / f"{spec.slug}-question-bank.xml"
            bank.write_text(dump_moodle_xml(report.bank), encoding="utf-8")
            click.echo(f"wrote the Cloze questions to {bank} (lms import-questions {spec.slug} {bank})")
    if dry_run:
        click.echo(f"dry run: {spec.slug} was checked; nothing was imported")
        return
    try:
        course, warnings = save_course(spec, report)
    except SlugTaken:
        raise click.ClickException(
            f"a course with the slug '{spec.slug}' exists: a backup becomes a new course; give --slug"
        ) from None
    db.session.commit()
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    activities = sum(len(module.activities) for module in course.modules)
    click.echo(
        f"imported {course.slug} (unpublished): {len(course.modules)} modules, "
        f"{activities} lessons and quizzes"
    )


@click.command("export-course")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_course_command(slug: str, directory: Path):
    """Write the course SLUG as a package into DIRECTORY/SLUG (re-importing it changes nothing)."""
    from lms.courses.package import package_files, write_folder
    from lms.courses.transfer import export_course, find_course

    course = find_course(slug)
    if course is None:
        raise click.ClickException(f"no course with the slug '{slug}'")
    target = directory / slug
    if target.exists() and any(target.iterdir()):
        raise click.ClickException(f"{target} exists and is not empty: choose another directory")
    files = package_files(export_course(course))
    write_folder(files, target)
    click.echo(f"wrote {len(files)} files to {target}")


@click.command("render-lessons")
@with_appcontext
def render_lessons_command():
    """Render every course's lessons and summary again (after an upgrade that renders Markdown better)."""
    from lms.courses.models import Course
    from lms.courses.services import rerender_course

    courses = db.session.scalars(db.select(Course)).all()
    for course in courses:
        rerender_course(course)
    db.session.commit()
    click.echo(f"rendered {len(courses)} courses again")


@click.command("import-questions")
@click.argument("course_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--category", default="Imported", show_default=True, help="Category for questions that name none."
)
@with_appcontext
def import_questions_command(course_slug: str, file: Path, category: str):
    """Import a GIFT or Moodle XML file into the question bank of COURSE_SLUG (all or nothing)."""
    from lms.courses.transfer import find_course
    from lms.quizzes.bank_views import parse_questions
    from lms.quizzes.services import import_questions
    from lms.quizzes.spec import QuestionFormatError

    course = find_course(course_slug)
    if course is None:
        raise click.ClickException(f"no course with the slug '{course_slug}'")
    try:
        specs = parse_questions(file.read_bytes())
    except QuestionFormatError as error:
        raise click.ClickException(
            f"{file} line {error.line}: {error.message}; nothing was imported"
        ) from None
    import_questions(course, specs, category)
    db.session.commit()
    click.echo(f"imported {len(specs)} questions into {course_slug}")


@click.group("quizzes")
def quizzes_group():
    """Quiz maintenance."""


@quizzes_group.command("close-overdue")
@with_appcontext
def close_overdue_command():
    """Close and grade abandoned attempts whose time is up (run it from cron every few minutes)."""
    from lms.quizzes.services import close_overdue_attempts

    closed = close_overdue_attempts()
    db.session.commit()
    click.echo(f"closed {closed} attempts")


@click.group("certificates")
def certificates_group():
    """Certificates: bulk export."""


@certificates_group.command("export")
@click.option("--course", "course_slug", required=True, help="The course's slug.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The ZIP file to write (PDFs and a CSV register).",
)
@click.option(
    "--processes", default=2, show_default=True, help="Rendering processes (use the machine's cores)."
)
@click.option(
    "--include-revoked", is_flag=True, help="Also export revoked certificates (marked in the register)."
)
@with_appcontext
def export_certificates_command(course_slug: str, out: Path, processes: int, include_revoked: bool):
    """Export a course's certificates as PDFs in a ZIP, with a CSV register, showing progress."""
    from lms.certificates.services import certificates_query, export_zip
    from lms.courses.transfer import find_course

    course = find_course(course_slug)
    if course is None:
        raise click.ClickException(f"no course with the slug '{course_slug}'")
    certificates = list(
        db.session.scalars(certificates_query(course_id=course.id, status="" if include_revoked else "valid"))
    )
    with click.progressbar(length=len(certificates), label="Rendering certificates") as bar:
        done = [0]

        def advance(count: int) -> None:
            bar.update(count - done[0])
            done[0] = count

        export_zip(certificates, out, processes=processes, progress=advance)
    click.echo(f"wrote {len(certificates)} certificates to {out}")


@certificates_group.command("rotate-key")
@with_appcontext
def rotate_key_command():
    """Make a new Open Badges signing key; older keys stay published so their credentials still verify."""
    from lms.certificates.signing import create_key

    click.echo(f"New signing key: {create_key().kid}")


@certificates_group.command("retire-key")
@click.argument("kid")
@with_appcontext
def retire_key_command(kid: str):
    """Withdraw a signing key: credentials it signed no longer verify (use after a key has leaked)."""
    from lms.certificates.signing import retire_key

    if not retire_key(kid):
        raise click.ClickException(f"No signing key {kid!r} in instance/keys/")
    click.echo(f"Retired {kid}")


@click.group("export")
def export_group():
    """Exports for coordinators and funders."""


@export_group.command("attendance")
@click.option(
    "--cohort", "cohort_id", required=True, type=int, help="The cohort's id (see its page's address)."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write; .csv or .xlsx decides the format.",
)
@with_appcontext
def export_attendance_command(cohort_id: int, out: Path):
    """The cohort's attendance register: trainee, organisation, country, each session's status, totals."""
    from flask_babel import force_locale

    from lms.classroom.models import Cohort, CohortMember
    from lms.classroom.reports import attendance_rows
    from lms.classroom.views import status_labels
    from lms.exports import csv_lines, write_xlsx

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"no cohort with the id {cohort_id}")
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise click.UsageError("--out must end in .csv or .xlsx")
    total = db.session.scalar(
        db.select(db.func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id)
    )
    with current_app.test_request_context(), force_locale(current_app.config["DEFAULT_LOCALE"]):
        rows = attendance_rows(cohort, status_labels(cohort.programme))
        with click.progressbar(length=total, label="Exporting attendance") as bar:

            def counted():
                for number, row in enumerate(rows):
                    if number:
                        bar.update(1)
                    yield row

            if out.suffix.lower() == ".csv":
                with out.open("w", encoding="utf-8", newline="") as file:
                    file.writelines(csv_lines(counted()))
            else:
                with out.open("wb") as file:
                    write_xlsx(counted(), file, sheet="Attendance")
    click.echo(f"wrote {total} trainees to {out}")


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file (default: instance/backups/lms-YYYYmmdd-HHMMSS.sqlite).",
)
@with_appcontext
def backup_command(out: Path | None):
    """Copy the SQLite database safely while the site runs (SQLite's backup API, never a file copy).

    For PostgreSQL use pg_dump. Files in instance/uploads/ are named by their content and never change,
    so copying that folder is safe at any time.
    """
    import sqlite3
    from datetime import UTC, datetime

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("lms backup copies SQLite databases; for PostgreSQL use pg_dump")
    if out is None:
        out = Path(current_app.instance_path) / "backups" / f"lms-{datetime.now(UTC):%Y%m%d-%H%M%S}.sqlite"
    if out.exists():
        raise click.ClickException(f"{out} exists already: choose another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(out)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    click.echo(f"backed up {url.database} to {out}")
