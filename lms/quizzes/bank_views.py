"""A course's question bank: browse it, import GIFT or Moodle XML with a preview, correct a question."""

from flask import flash, redirect, render_template, url_for

from lms.db import db
from lms.i18n import _
from lms.quizzes import bp
from lms.quizzes import services as quiz
from lms.quizzes.forms import ImportQuestionsForm, QuestionForm
from lms.quizzes.models import Question, QuizSlot
from lms.quizzes.queries import bank
from lms.quizzes.spec import QuestionFormatError
from lms.security import editable_course, login_required

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def parse_questions(data: bytes | str) -> list:
    """GIFT or Moodle XML, told apart by the first characters; raises QuestionFormatError."""
    from lms.quizzes.gift import parse_gift
    from lms.quizzes.moodle_xml import parse_moodle_xml

    if isinstance(data, bytes):
        head = data.lstrip()[:100].lstrip(b"\xef\xbb\xbf")
        if head.startswith((b"<?xml", b"<quiz", b"<!")):
            return parse_moodle_xml(data)
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise QuestionFormatError(1, f"the file is not UTF-8 text ({error.reason})") from None
    if data.lstrip().startswith(("<?xml", "<quiz", "<!")):
        return parse_moodle_xml(data)
    return parse_gift(data)


@bp.route("/bank/<slug>", methods=["GET", "POST"])
@login_required
def bank_page(slug: str):
    course = editable_course(slug)
    form = ImportQuestionsForm()
    preview, problem = None, None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload else (form.text.data or "")
        if len(data) > MAX_IMPORT_BYTES:
            problem = QuestionFormatError(1, _("the file is larger than 5 MB"))
        elif not data.strip():
            problem = QuestionFormatError(
                1, _("there is nothing to import: choose a file or paste questions")
            )
        else:
            try:
                preview = parse_questions(data)
            except QuestionFormatError as error:
                problem = error
        if preview is not None and form.submit.data:
            quiz.import_questions(course, preview, form.category.data.strip())
            db.session.commit()
            flash(_("Imported %(num)d questions.", num=len(preview)), "success")
            return redirect(url_for("quizzes.bank_page", slug=slug))
    status = 400 if problem else 200
    return render_template(
        "quizzes/bank.html",
        course=course,
        categories=bank(course.id),
        form=form,
        preview=preview,
        problem=problem,
    ), status


def question_source(question: Question) -> str:
    """The text a trainer corrects: GIFT, or Moodle XML for a kind GIFT cannot write (cloze)."""
    from lms.quizzes.gift import GIFT_KINDS, dump_gift
    from lms.quizzes.moodle_xml import dump_moodle_xml

    spec = question.to_spec()
    return dump_gift([spec]) if spec.kind in GIFT_KINDS else dump_moodle_xml([spec])


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def question(question_id: int):
    question = db.get_or_404(Question, question_id)
    course = editable_course(question.category.course.slug)
    form = QuestionForm(
        data={"source": question_source(question)} if not QuestionForm().is_submitted() else None
    )
    problem = None
    if form.validate_on_submit():
        try:
            specs = parse_questions(form.source.data)
            if len(specs) != 1:
                raise QuestionFormatError(1, _("write exactly one question"))
        except QuestionFormatError as error:
            problem = error
        else:
            spec = specs[0]
            spec.category = question.category.name
            if quiz.correct_question(question, spec):
                quizzes = {
                    slot.activity
                    for slot in db.session.scalars(
                        db.select(QuizSlot).where(QuizSlot.question_id == question.id)
                    )
                }
                regraded = sum(quiz.regrade(activity) for activity in quizzes)
                db.session.commit()
                flash(
                    _("Question corrected; %(num)d finished attempts were regraded.", num=regraded), "success"
                )
            return redirect(url_for("quizzes.bank_page", slug=course.slug))
    return render_template(
        "quizzes/question.html", course=course, question=question, form=form, problem=problem
    ), 400 if problem or form.errors else 200
