"""A Moodle course backup (.mbz) -> a course package (docs/moodle-import.md).

An .mbz is a gzip'd tar (a zip before Moodle 2.6 or so) holding moodle_backup.xml (the table of
contents), course/course.xml, sections/section_<id>/section.xml, activities/<module>_<id>/<module>.xml
with module.xml beside it, questions.xml (the question bank) and files.xml with the files themselves
under files/<first two hex digits>/<contenthash>.

`read_archive` unpacks it safely (size limits, no links, no paths out of the archive); `convert` turns
sections into modules, pages, labels, links and files into Markdown lessons with attachments, and quizzes
into GIFT with their settings; `import_backup` does both and validates the result with the same reader as
`lms import-courses`, so the package is checked as any other. Whatever cannot be carried over is listed in
the report with the reason. Every XML file goes through lms.safe_xml (defusedxml, DTDs forbidden).
Nothing is written to the database here: the caller imports the returned CourseSpec and commits.
"""

import io
import posixpath
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from anyascii import anyascii
from bs4 import BeautifulSoup
from markdownify import markdownify

from lms.courses.package import (
    ATTACHMENT_TYPES,
    IMAGE_TYPES,
    ActivitySpec,
    CourseSpec,
    ModuleSpec,
    PackageError,
    Problem,
    content_matches,
    package_files,
    parse_package,
)
from lms.markup import MAX_MARKDOWN_CHARS
from lms.quizzes.gift import dump_gift
from lms.quizzes.moodle_xml import parse_moodle_xml
from lms.quizzes.settings import QuizSettings
from lms.quizzes.spec import QuestionFormatError
from lms.safe_xml import Element, XmlError, parse_xml

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # unpacked; the same limit as a course package
MAX_RATIO = 200  # unpacked bytes per packed byte, over the whole archive: text packs ~10x, a bomb ~1000x
NULL = "$@NULL@$"  # how a backup writes SQL NULL
# Moodle's text formats (FORMAT_MOODLE, FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN) and their names in
# Moodle XML.
TEXT_FORMATS = {"0": "moodle_auto_format", "1": "html", "2": "plain_text", "4": "markdown"}
# mod_quiz's review option bits (question_display_options): when a trainee may see a part of an attempt.
REVIEW_DURING, REVIEW_IMMEDIATELY, REVIEW_OPEN, REVIEW_CLOSED = 0x10000, 0x01000, 0x00100, 0x00010
GRADE_METHODS = {"1": "highest", "2": "average", "3": "first", "4": "last"}
QUESTION_TYPES = {  # Moodle's qtype -> the type name its Moodle XML export uses (and our reader reads)
    "multichoice": "multichoice",
    "truefalse": "truefalse",
    "shortanswer": "shortanswer",
    "numerical": "numerical",
    "match": "matching",
    "essay": "essay",
    "description": "description",
    "multianswer": "cloze",
}
# Why each kind of Moodle activity that has no equivalent here is left out.
NOT_CARRIED = {
    "assign": "assignments must be set up again here: submissions, dates and grading do not carry over",
    "forum": "forums and their posts are not part of this LMS",
    "chat": "chats are not part of this LMS: use the cohort's e-classes",
    "choice": "polls (choice) are not part of this LMS",
    "feedback": "feedback surveys are not part of this LMS",
    "survey": "surveys are not part of this LMS",
    "questionnaire": "questionnaires are not part of this LMS",
    "glossary": "glossaries are not part of this LMS",
    "wiki": "wikis are not part of this LMS",
    "workshop": "peer-assessed workshops are not part of this LMS",
    "lesson": "Moodle lessons (branching pages) have no equivalent: rebuild them as lessons and a quiz",
    "book": "books are not converted yet: copy each chapter into a lesson",
    "folder": "folders are not converted: upload the files they hold to the lessons that need them",
    "scorm": "SCORM packages are not carried over in a backup: upload the package again",
    "h5pactivity": "H5P content is not supported",
    "hvp": "H5P content is not supported",
    "lti": "external tools (LTI) are not supported",
    "data": "databases are not part of this LMS",
    "imscp": "IMS content packages are not supported",
    "bigbluebuttonbn": "BigBlueButton rooms are scheduled as the cohort's e-classes here",
    "zoom": "online meetings are scheduled as the cohort's e-classes here",
    "attendance": "attendance is taken on the cohort's e-classes here",
    "certificate": "certificates are issued by this LMS on completion",
    "customcert": "certificates are issued by this LMS on completion",
    "subsection": "subsections are flattened: their activities are listed after the section's own",
}
_SAFE_HREF = re.compile(r"(https?:|mailto:|#|@@PLUGINFILE@@/|\$@)", re.IGNORECASE)
_MOODLE_LINK = re.compile(r"\$@([A-Z]+)VIEWBYID\*(\d+)@\$")
_ANY_MOODLE_TOKEN = re.compile(r"\$@[A-Z]+\*?\d*@\$")
_SLUG_CLEAN = re.compile(r"[^a-z0-9]+")
_CLOZE_PLACEHOLDER = re.compile(r"\{#(\d+)\}")
_REMOVED_TAGS = (
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "svg",
    "math",
    "form",
    "video",
    "audio",
)


class BackupError(ValueError):
    """A backup we cannot read; `problems` name the file (inside the archive) and line of each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Report:
    """What the conversion did: what became what, and what it left out with the reason."""

    carried: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    bank: list = field(default_factory=list)  # QuestionSpecs for the course's question bank (Cloze)

    def skip(self, what: str, why: str) -> None:
        self.skipped.append((what, why))


# --- the archive ----------------------------------------------------------------------------------


def read_archive(data: bytes, label: str = "backup.mbz") -> dict[str, bytes]:
    """The files of an .mbz by path. Refuses, naming the entry: anything that is neither a gzip'd tar nor
    a zip, links and devices, absolute or '..' paths, more than MAX_ENTRIES files, more than
    MAX_TOTAL_BYTES unpacked, or more than MAX_RATIO times the archive's size (a bomb)."""
    limit = min(MAX_TOTAL_BYTES, max(len(data), 1) * MAX_RATIO + 1024 * 1024)
    if data[:2] == b"\x1f\x8b":
        files = _read_tar(data, label, limit)
    elif data[:4] == b"PK\x03\x04":
        files = _read_zip(data, label, limit)
    else:
        raise BackupError([Problem(label, None, "not a Moodle backup: an .mbz is a gzip'd tar or a zip")])
    if "moodle_backup.xml" not in files:
        raise BackupError(
            [Problem(label, None, "moodle_backup.xml is missing: this is not a Moodle 2+ course backup")]
        )
    return files


def _unsafe_name(name: str) -> str | None:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute or Windows-style path"
    if ".." in name.split("/"):
        return "path climbs out of the archive ('..')"
    return None


def _too_big(label: str, name: str, total: int) -> BackupError:
    reason = (
        f"the backup unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB"
        if total > MAX_TOTAL_BYTES
        else "it unpacks suspiciously well (a compression bomb?)"
    )
    return BackupError([Problem(label, None, f"{name}: {reason}")])


def _read_tar(data: bytes, label: str, limit: int) -> dict[str, bytes]:
    files, total, count = {}, 0, 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive:
                count += 1
                if count > MAX_ENTRIES:
                    raise BackupError([Problem(label, None, f"more than {MAX_ENTRIES} files")])
                name = member.name.removeprefix("./")
                if reason := _unsafe_name(name):
                    raise BackupError([Problem(label, None, f"{member.name}: {reason}")])
                if member.isdir():
                    continue
                if not member.isreg():
                    raise BackupError(
                        [Problem(label, None, f"{member.name}: links and special files are not allowed")]
                    )
                total += member.size
                if total > limit:
                    raise _too_big(label, member.name, total)
                with archive.extractfile(member) as handle:
                    files[name] = handle.read(member.size + 1)[: member.size]
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError([Problem(label, None, f"the archive is damaged: {error}")]) from None
    return files


def _read_zip(data: bytes, label: str, limit: int) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BackupError([Problem(label, None, "the archive is damaged: not a valid zip")]) from None
    files, total = {}, 0
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ENTRIES:
            raise BackupError([Problem(label, None, f"more than {MAX_ENTRIES} files")])
        for info in entries:
            if reason := _unsafe_name(info.filename):
                raise BackupError([Problem(label, None, f"{info.filename}: {reason}")])
            if stat.S_ISLNK(info.external_attr >> 16):
                raise BackupError([Problem(label, None, f"{info.filename}: links are not allowed")])
        for info in entries:
            with archive.open(info) as member:
                content = member.read(limit - total + 1)
            total += len(content)
            if total > limit:
                raise _too_big(label, info.filename, total)
            files[info.filename] = content
    return files


# --- XML ------------------------------------------------------------------------------------------


def _parse_xml(files: dict[str, bytes], path: str, label: str, required: bool = True) -> Element | None:
    if path not in files:
        if required:
            raise BackupError([Problem(f"{label}/{path}", None, "missing from the backup")])
        return None

    try:
        return parse_xml(files[path], f"{label}/{path}")
    except XmlError as error:
        raise BackupError([Problem(error.file, error.line, error.message)]) from None


def _text(el: ET.Element | None, tag: str) -> str:
    """The stripped text of el/tag, with Moodle's NULL as ''."""
    value = "" if el is None else (el.findtext(tag) or "").strip()
    return "" if value == NULL else value


# --- text -----------------------------------------------------------------------------------------


def slug_of(text: str, taken: set[str], fallback: str) -> str:
    """A slug from any script (Greek and Cyrillic transliterated), unique among `taken`, which it joins."""
    base = _SLUG_CLEAN.sub("-", _ascii(text)).strip("-")[:50].strip("-") or fallback
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def _ascii(text: str) -> str:
    """Lower-case Latin letters for a slug: Greek and Cyrillic transliterated, apostrophes dropped (ъ, ь)."""
    return re.sub(r"[`'’]", "", anyascii(text)).lower()


def plain_text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


@dataclass
class _Context:
    """Where a text's files are: the activity's context and component, and the module folder they go to."""

    files: dict[str, bytes]
    index: dict[tuple, str]  # (contextid, component, filearea, filepath, filename) -> contenthash
    attachments: dict[str, bytes]  # package path (module slug/...) -> bytes
    report: Report
    what: str  # for the report: "page “Welcome”"
    module_slug: str


def to_markdown(
    text: str, text_format: str, context: _Context, contextid: str, component: str, filearea: str
) -> str:
    """Moodle text in any of its formats as Markdown: HTML converted by markdownify after script, frames
    and unsafe links are taken out; files (@@PLUGINFILE@@) become attachments of the module; links to
    other activities of the course become links to their lessons."""
    if text_format == "4":  # already Markdown; its files are named as in HTML
        html = None
        markdown = re.sub(
            r"@@PLUGINFILE@@/[^\s)\"'<>]+",
            lambda match: _attachment(match.group(0), context, contextid, component, filearea) or "#",
            text,
        )
    elif text_format == "2":  # plain text: every character as written
        html = "".join(f"<p>{_escape(line)}</p>" for line in text.split("\n\n"))
    else:  # HTML, or Moodle's auto-format (HTML where the author wrote some, line breaks kept)
        html = text if text_format == "1" or "<" in text else text.replace("\n", "<br>")
    if html is not None:
        soup = BeautifulSoup(html, "html.parser")
        removed = [tag for tag in soup.find_all(_REMOVED_TAGS)]
        if any(tag.name in ("iframe", "object", "embed", "video", "audio") for tag in removed):
            context.report.skip(
                context.what, "embedded media (frames, video, audio) were removed; link to them instead"
            )
        for tag in removed:
            tag.decompose()
        for img in soup.find_all("img"):
            src = _attachment(img.get("src", ""), context, contextid, component, filearea)
            if src is None or posixpath.splitext(src)[1].lower() not in IMAGE_TYPES:
                img.replace_with(img.get("alt", ""))
            else:
                img.attrs = {"src": src, "alt": img.get("alt", "")}
        for link in soup.find_all("a"):
            href = link.get("href", "").strip()
            if href.startswith("@@PLUGINFILE@@/"):
                href = _attachment(href, context, contextid, component, filearea)
            elif match := _MOODLE_LINK.fullmatch(href):
                href = f"moodle-activity:{match.group(2)}"  # resolved once every activity is converted
            elif not _SAFE_HREF.match(href) or _ANY_MOODLE_TOKEN.search(href):
                href = None
            if href is None:
                link.unwrap()
            else:
                link.attrs = {"href": href}
        markdown = markdownify(str(soup), heading_style="ATX", bullets="-", escape_underscores=False)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    if len(markdown) > MAX_MARKDOWN_CHARS:
        context.report.skip(context.what, f"the text was cut at {MAX_MARKDOWN_CHARS:,} characters")
        markdown = markdown[:MAX_MARKDOWN_CHARS]
    return markdown


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attachment(url: str, context: _Context, contextid: str, component: str, filearea: str) -> str | None:
    """The package path (relative to the module folder) of a file a text refers to as @@PLUGINFILE@@/...,
    added to the attachments; None, with the reason in the report, when it cannot be carried over."""
    if not url.startswith("@@PLUGINFILE@@/"):
        return url if re.match(r"https?://", url, re.IGNORECASE) else None
    path = unquote(url.removeprefix("@@PLUGINFILE@@").split("?", 1)[0])
    filepath, filename = posixpath.split(path)
    filepath = filepath.rstrip("/") + "/" if filepath != "/" else "/"
    contenthash = context.index.get((contextid, component, filearea, filepath, filename))
    return _carry_file(contenthash, filename, context)


def _carry_file(contenthash: str | None, filename: str, context: _Context) -> str | None:
    suffix = posixpath.splitext(filename)[1].lower()
    if contenthash is None or (data := context.files.get(f"files/{contenthash[:2]}/{contenthash}")) is None:
        context.report.skip(
            f"{context.what}: {filename}", "the file is not in the backup (backed up without files?)"
        )
        return None
    if suffix not in ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(ATTACHMENT_TYPES))
        context.report.skip(
            f"{context.what}: {filename}",
            f"files of type {suffix or '(none)'} are not accepted here ({allowed})",
        )
        return None
    if not content_matches(data, filename):
        context.report.skip(f"{context.what}: {filename}", f"the contents are not a {suffix} file")
        return None
    stem = _SLUG_CLEAN.sub("-", _ascii(posixpath.splitext(filename)[0])).strip("-")[:60] or "file"
    folder = "images" if suffix in IMAGE_TYPES else "files"
    name, number = f"{folder}/{stem}{suffix}", 2
    while (
        existing := context.attachments.get(f"{context.module_slug}/{name}")
    ) is not None and existing != data:
        name, number = f"{folder}/{stem}-{number}{suffix}", number + 1
    context.attachments[f"{context.module_slug}/{name}"] = data
    return name


def _minutes(markdown: str) -> int:
    """Reading time at 200 words a minute, at least one."""
    return max(1, min(1000, round(len(markdown.split()) / 200)))


# --- questions ------------------------------------------------------------------------------------


@dataclass
class _Bank:
    questions: dict[str, Element]  # question id -> <question>
    entries: dict[str, dict[str, str]]  # question bank entry id -> {version: question id}
    category_of: dict[str, str]  # question id -> its category's name


def _read_bank(root: Element | None) -> _Bank:
    bank = _Bank({}, {}, {})
    if root is None:
        return bank
    for category in root.iter("question_category"):
        name = _text(category, "name")
        for question in category.iter("question"):
            if question.find("qtype") is None:  # <multianswer><question>27</question>: a reference
                continue
            bank.questions[question.get("id", "")] = question
            bank.category_of[question.get("id", "")] = "" if name == "top" else name
        for entry in category.iter("question_bank_entry"):
            versions = bank.entries.setdefault(entry.get("id", ""), {})
            for version in entry.iter("question_versions"):
                for question in version.iterfind("questions/question"):
                    versions[_text(version, "version")] = question.get("id", "")
    return bank


def _fraction_percent(value: str) -> str:
    try:
        return format(Decimal(value or "0").scaleb(2).normalize(), "f")
    except InvalidOperation:
        return "nan"


def _answer_text(
    answer: ET.Element, tag: str = "answertext", format_tag: str = "answerformat"
) -> tuple[str, str]:
    """An answer's text and Moodle XML format; HTML that is only a paragraph becomes plain text."""
    text, fmt = (
        _text(answer, tag),
        TEXT_FORMATS.get(_text(answer, format_tag), "moodle_auto_format"),
    )
    if fmt == "html":
        soup = BeautifulSoup(text, "html.parser")
        if all(tag.name in ("p", "span", "br") for tag in soup.find_all(True)):
            return soup.get_text(" ").strip(), "plain_text"
    return text, fmt


def _sub(parent: ET.Element, tag: str, text: str, fmt: str = "", **attrs) -> ET.Element:
    holder = ET.SubElement(parent, tag, attrs | ({"format": fmt} if fmt else {}))
    ET.SubElement(holder, "text").text = text
    return holder


def question_as_moodle_xml(question: ET.Element, bank: _Bank) -> tuple[ET.Element | None, str]:
    """A backup's <question> as Moodle XML's <question type=...> (what Moodle's own export writes), or
    (None, why) for a type this LMS does not have."""
    qtype = _text(question, "qtype")
    if qtype == "random":
        return None, "random questions are not carried over: add the category's questions to the quiz"
    if qtype not in QUESTION_TYPES:
        return None, f"the question type {qtype!r} has no equivalent here"
    fmt = TEXT_FORMATS.get(_text(question, "questiontextformat"), "moodle_auto_format")
    text = _text(question, "questiontext")
    if "@@PLUGINFILE@@" in text:
        text = re.sub(r"<img[^>]*@@PLUGINFILE@@[^>]*>", "", text)
    plugin = question.find(f"plugin_qtype_{qtype}_question")
    el = ET.Element("question", type=QUESTION_TYPES[qtype])
    _sub(el, "name", _text(question, "name"))
    if qtype == "multianswer":
        sequence = _text(plugin.find("multianswer") if plugin is not None else None, "sequence").split(",")
        parts = [_text(bank.questions.get(number.strip()), "questiontext") for number in sequence]

        def gap(match):
            index = int(match.group(1)) - 1
            return parts[index] if 0 <= index < len(parts) and parts[index] else match.group(0)

        text = _CLOZE_PLACEHOLDER.sub(gap, text)
    _sub(el, "questiontext", text, fmt)
    if feedback := _text(question, "generalfeedback"):
        _sub(
            el,
            "generalfeedback",
            feedback,
            TEXT_FORMATS.get(_text(question, "generalfeedbackformat"), "html"),
        )
    answers = [] if plugin is None else list(plugin.iterfind("answers/answer"))
    if qtype == "multichoice":
        single = _text(plugin.find("multichoice") if plugin is not None else None, "single") or "1"
        ET.SubElement(el, "single").text = "true" if single == "1" else "false"
    if qtype == "truefalse":
        options = plugin.find("truefalse") if plugin is not None else None
        true_id = _text(options, "trueanswer")
        for answer in answers:
            holder = _sub(
                el,
                "answer",
                "true" if answer.get("id") == true_id else "false",
                fraction=_fraction_percent(_text(answer, "fraction")),
            )
            if feedback := _text(answer, "feedback"):
                _sub(holder, "feedback", feedback, "html")
    elif qtype in ("multichoice", "shortanswer", "numerical"):
        tolerances = {}
        if plugin is not None:
            for record in plugin.iterfind("numerical_records/numerical_record"):
                tolerances[_text(record, "answer")] = _text(record, "tolerance") or "0"
        for answer in answers:
            text_value, answer_format = _answer_text(answer)
            holder = _sub(
                el, "answer", text_value, answer_format, fraction=_fraction_percent(_text(answer, "fraction"))
            )
            if qtype == "numerical":
                ET.SubElement(holder, "tolerance").text = tolerances.get(answer.get("id", ""), "0")
            if feedback := _text(answer, "feedback"):
                _sub(holder, "feedback", feedback, "html")
        if qtype == "numerical" and plugin is not None:
            units = list(plugin.iterfind("numerical_units/numerical_unit"))
            if units:
                holder = ET.SubElement(el, "units")
                for unit in units:
                    item = ET.SubElement(holder, "unit")
                    ET.SubElement(item, "multiplier").text = _text(unit, "multiplier") or "1"
                    ET.SubElement(item, "unit_name").text = _text(unit, "unit")
    elif qtype == "match" and plugin is not None:
        for match in plugin.iterfind("matches/match"):
            holder = _sub(
                el,
                "subquestion",
                *_answer_text(match, "questiontext", "questiontextformat"),
            )
            _sub(holder, "answer", _text(match, "answertext"))
    return el, ""


def convert_questions(quiz: ET.Element, bank: _Bank, what: str, report: Report) -> list:
    """The QuestionSpecs of a quiz's slots, in order, through the Moodle XML reader (so every rule of a
    Moodle XML import holds); a question that cannot be carried over is reported and left out."""
    specs, marks = [], set()
    for instance in sorted(
        quiz.iterfind("question_instances/question_instance"), key=lambda i: int(_text(i, "slot") or 0)
    ):
        marks.add(_text(instance, "maxmark"))
        reference = instance.find("question_reference")
        if instance.find("question_set_reference") is not None:
            report.skip(
                f"{what}, slot {_text(instance, 'slot')}",
                "random questions are not carried over: add the category's questions to the quiz",
            )
            continue
        if reference is not None:
            versions = bank.entries.get(_text(reference, "questionbankentryid"), {})
            wanted = _text(reference, "version")
            question_id = (
                versions.get(wanted) if wanted else (versions[max(versions, key=int)] if versions else None)
            )
        else:  # before Moodle 4.0 a slot names the question itself
            question_id = _text(instance, "questionid")
        question = bank.questions.get(question_id or "")
        if question is None:
            report.skip(
                f"{what}, slot {_text(instance, 'slot')}", "its question is not in the backup's question bank"
            )
            continue
        name = _text(question, "name")
        if "@@PLUGINFILE@@" in _text(question, "questiontext"):
            report.skip(f"{what}: question “{name}”", "images inside question texts are not carried over")
        converted, why = question_as_moodle_xml(question, bank)
        if converted is None:
            report.skip(f"{what}: question “{name}” (questions.xml line {question.line})", why)
            continue
        wrapper = ET.Element("quiz")
        wrapper.append(converted)
        try:
            (spec,) = parse_moodle_xml(ET.tostring(wrapper, encoding="unicode"))
        except QuestionFormatError as error:
            report.skip(f"{what}: question “{name}” (questions.xml line {question.line})", error.message)
            continue
        spec.category = bank.category_of.get(question_id, "")
        if _text(question, "qtype") == "shortanswer":
            options = question.find("plugin_qtype_shortanswer_question/shortanswer")
            if _text(options, "usecase") == "1":
                report.skip(
                    f"{what}: question “{name}”",
                    "answers are compared without regard to case here (Moodle compared case)",
                )
        specs.append(spec)
    if len(marks) > 1:
        report.skip(what, "the questions' different marks are not kept: here every question counts the same")
    return specs


def cloze_category(quiz_title: str) -> str:
    """The question bank category that holds a converted quiz's embedded-answers questions."""
    return f"{quiz_title[:150]} · Cloze"


def quiz_settings(quiz: ET.Element, grades: ET.Element | None) -> dict:
    """Moodle's quiz settings as this LMS's (QuizSettings), only those that differ from the defaults."""
    settings = QuizSettings()
    if (seconds := int(_text(quiz, "timelimit") or 0)) > 0:
        settings.time_limit = -(-seconds // 60)
    settings.attempts = int(_text(quiz, "attempts_number") or 0)
    settings.grading = GRADE_METHODS.get(_text(quiz, "grademethod"), "highest")
    for key, tag in (("opens", "timeopen"), ("closes", "timeclose")):
        if (stamp := int(_text(quiz, tag) or 0)) > 0:
            setattr(settings, key, datetime.fromtimestamp(stamp, UTC).isoformat())
    settings.per_page = max(0, int(_text(quiz, "questionsperpage") or 0))
    settings.shuffle_answers = _text(quiz, "shuffleanswers") != "0"
    for ours, theirs in (
        ("review_answers", "reviewattempt"),
        ("review_marks", "reviewmarks"),
        ("review_feedback", "reviewspecificfeedback"),
        ("review_correct", "reviewrightanswer"),
    ):
        bits = int(_text(quiz, theirs) or 0)
        setattr(
            settings,
            ours,
            "immediately"
            if bits & (REVIEW_IMMEDIATELY | REVIEW_OPEN)
            else "after_close"
            if bits & REVIEW_CLOSED
            else "never",
        )
    if grades is not None:
        for item in grades.iter("grade_item"):
            if _text(item, "itemtype") == "mod" and _text(item, "itemmodule") == "quiz":
                try:
                    grade_max, grade_pass = (
                        Decimal(_text(item, "grademax") or "0"),
                        Decimal(_text(item, "gradepass") or "0"),
                    )
                except InvalidOperation:
                    break
                if grade_max > 0 and grade_pass > 0:
                    settings.pass_mark = int(min(100, round(grade_pass / grade_max * 100)))
                break
    return settings.to_dict()


# --- the course -----------------------------------------------------------------------------------


def convert(
    files: dict[str, bytes], label: str = "backup.mbz", slug: str | None = None
) -> tuple[CourseSpec, Report]:
    """The course of a backup's files as a CourseSpec (not yet validated) and the report."""
    report = Report()
    manifest = _parse_xml(files, "moodle_backup.xml", label)
    information = manifest.find("information")
    if information is None:
        raise BackupError([Problem(f"{label}/moodle_backup.xml", manifest.line, "no <information> element")])
    course_xml = _parse_xml(files, "course/course.xml", label, required=False)
    title = _text(course_xml, "fullname") or _text(information, "original_course_fullname") or "Moodle course"
    shortname = _text(course_xml, "shortname") or _text(information, "original_course_shortname")
    index = _file_index(_parse_xml(files, "files.xml", label, required=False))
    attachments: dict[str, bytes] = {}
    bank = _read_bank(_parse_xml(files, "questions.xml", label, required=False))

    activities = {}
    for activity in information.iterfind("contents/activities/activity"):
        activities[_text(activity, "moduleid")] = activity
    sections = []
    for section in information.iterfind("contents/sections/section"):
        directory = _text(section, "directory")
        root = _parse_xml(files, f"{directory}/section.xml", label)
        sections.append((int(_text(root, "number") or 0), _text(section, "sectionid"), root))
    sections.sort(key=lambda item: item[0])
    placed = set()
    order: list[tuple[int, Element, list[str]]] = []
    for number, section_id, root in sections:
        sequence = [m for m in _text(root, "sequence").split(",") if m in activities]
        sequence += [  # activities the section does not list (a subsection's), after its own
            m for m, a in activities.items() if _text(a, "sectionid") == section_id and m not in sequence
        ]
        placed.update(sequence)
        order.append((number, root, sequence))

    module_slugs: set[str] = set()
    plan = []  # (module spec, root, [module ids]) with the lesson file names known before converting
    lesson_paths: dict[str, str] = {}
    for number, root, sequence in order:
        name = _text(root, "name") or ("General" if number == 0 else f"Section {number}")
        module = ModuleSpec(
            slug=slug_of(name, module_slugs, "section"), position=len(plan) + 1, title=name[:200], summary=""
        )
        taken: set[str] = set()
        slots = []
        for module_id in sequence:
            activity = activities[module_id]
            modname = _text(activity, "modulename")
            activity_title = _text(activity, "title") or modname
            if modname in ("page", "label", "url", "resource", "quiz"):
                activity_slug = slug_of(plain_text(activity_title), taken, modname)
                lesson_paths[module_id] = (module.slug, activity_slug, modname)
                slots.append((module_id, activity_slug))
            else:
                report.skip(
                    f"{modname} “{activity_title}”",
                    NOT_CARRIED.get(modname, f"the activity type {modname!r} has no equivalent here"),
                )
        plan.append((module, root, slots))

    for module, root, slots in plan:
        summary_context = _Context(
            files, index, attachments, report, f"section “{module.title}”", module.slug
        )
        summary = to_markdown(
            _text(root, "summary"),
            _text(root, "summaryformat") or "1",
            summary_context,
            "",
            "course",
            "section",
        )
        module.summary = " ".join(summary.split())[:2000]
        for position, (module_id, activity_slug) in enumerate(slots, start=1):
            spec = _activity(
                files,
                activities[module_id],
                module,
                activity_slug,
                position,
                index,
                attachments,
                bank,
                report,
                lesson_paths,
                label,
            )
            if spec is not None:
                module.activities.append(spec)
        for spec in module.activities:
            spec.position = module.activities.index(spec) + 1
    modules = [module for module, _root, _slots in plan if module.activities]
    for module, _root, _slots in plan:
        if not module.activities and (_slots or module.summary):
            report.skip(f"section “{module.title}”", "nothing in it could be carried over")
    for position, module in enumerate(modules, start=1):
        module.position = position
    _resolve_activity_links(modules)
    course_summary = plain_text(_text(course_xml, "summary"))
    language = (_text(course_xml, "lang") or "en").split("_")[0]
    if language not in ("en", "el", "mk", "bg", "sr"):
        language = "en"
    course_slug = slug or slug_of(shortname or title, set(), "moodle-course")
    spec = CourseSpec(
        slug=course_slug,
        title=title[:200],
        summary=course_summary or title,
        language=language,
        category="other",
        hours=Decimal(0),
        trainers=[],
        translation_of=None,
        published=False,  # a trainer checks the converted course before trainees see it
        completion_activities="all",
        completion_lessons="marked",
        completion_min_grade=0,
        completion_min_attendance=0,
        modules=modules,
        files={
            path: data
            for path, data in attachments.items()
            if path.split("/", 1)[0] in {m.slug for m in modules}
        },
    )
    report.carried.append(
        f"{len(modules)} sections, {sum(len(m.activities) for m in modules)} activities, "
        f"{len(spec.files)} files"
    )
    return spec, report


def _file_index(root: Element | None) -> dict[tuple, str]:
    index = {}
    if root is None:
        return index
    for file in root.iter("file"):
        name = _text(file, "filename")
        if name and name != ".":
            key = (
                _text(file, "contextid"),
                _text(file, "component"),
                _text(file, "filearea"),
                _text(file, "filepath") or "/",
                name,
            )
            index.setdefault(key, _text(file, "contenthash"))
    return index


def _activity(
    files, entry, module, activity_slug, position, index, attachments, bank, report, lesson_paths, label
):
    """One Moodle activity as an ActivitySpec, or None (reported) when nothing of it can be carried."""
    modname, directory = _text(entry, "modulename"), _text(entry, "directory")
    root = _parse_xml(files, f"{directory}/{modname}.xml", label)
    module_xml = _parse_xml(files, f"{directory}/module.xml", label, required=False)
    body = root.find(modname)
    if body is None:
        raise BackupError(
            [Problem(f"{label}/{directory}/{modname}.xml", root.line, f"no <{modname}> element")]
        )
    contextid = root.get("contextid", "")
    title = (_text(body, "name") or _text(entry, "title") or modname).strip()
    published = _text(module_xml, "visible") != "0"
    what = f"{modname} “{title}”"
    context = _Context(files, index, attachments, report, what, module.slug)
    intro = to_markdown(
        _text(body, "intro"), _text(body, "introformat") or "1", context, contextid, f"mod_{modname}", "intro"
    )

    if modname == "quiz":
        questions = convert_questions(body, bank, what, report)
        # GIFT has no form for embedded answers (Cloze): those go to the question bank, in a category of
        # their own that the quiz draws all of through a random slot (after its other questions).
        cloze = [question for question in questions if question.kind == "cloze"]
        questions = [question for question in questions if question.kind != "cloze"]
        if not questions and not cloze:
            report.skip(what, "none of its questions could be carried over")
            return None
        if intro:
            report.skip(what, "the quiz's description is not carried over (a quiz here shows its title)")
        settings = quiz_settings(body, _parse_xml(files, f"{directory}/grades.xml", label, required=False))
        if cloze:
            category = cloze_category(title)
            for question in cloze:
                question.category = category
            report.bank.extend(cloze)
            settings["random"] = [{"category": category, "count": len(cloze)}]
            report.skip(
                what,
                f"{len(cloze)} embedded-answers (Cloze) question(s) have no GIFT form: they are in the "
                f"question bank's category “{category}”, and the quiz draws them after its other questions",
            )
        report.carried.append(f"{what}: {len(questions) + len(cloze)} questions")
        return ActivitySpec(
            kind="quiz",
            slug=activity_slug,
            position=position,
            title=title[:200],
            body=dump_gift(questions),
            published=published,
            settings=settings,
            parsed=questions,
        )

    if modname == "page":
        text = to_markdown(
            _text(body, "content"),
            _text(body, "contentformat") or "1",
            context,
            contextid,
            "mod_page",
            "content",
        )
        markdown = "\n\n".join(part for part in (intro if _printintro(body) else "", text) if part)
    elif modname == "label":
        markdown = intro
        words = plain_text(markdown.replace("#", " "))
        title = (words[:80].rsplit(" ", 1)[0] + "…") if len(words) > 80 else (words or "Label")
    elif modname == "url":
        url = _text(body, "externalurl")
        if not re.match(r"https?://", url, re.IGNORECASE):
            report.skip(what, f"only http and https links are carried over, not {url[:40]!r}")
            return None
        markdown = "\n\n".join(
            part
            for part in (intro, f"[{_link_text(title)}]({url.replace(')', '%29').replace(' ', '%20')})")
            if part
        )
    else:  # resource: its file, linked (or shown, for an image) from a lesson
        candidates = [
            (key, contenthash)
            for key, contenthash in index.items()
            if key[:3] == (contextid, "mod_resource", "content")
        ]
        if not candidates:
            report.skip(what, "its file is not in the backup (backed up without files?)")
            return None
        (_c, _comp, _area, _path, filename), contenthash = candidates[0]
        path = _carry_file(contenthash, filename, context)
        if path is None:
            return None
        link = (
            f"![{_link_text(title)}]({path})"
            if path.startswith("images/")
            else f"[{_link_text(filename)}]({path})"
        )
        markdown = "\n\n".join(part for part in (intro, link) if part)
    if not markdown.strip():
        report.skip(what, "it has no text")
        return None
    spec = ActivitySpec(
        kind="lesson",
        slug=activity_slug,
        position=position,
        title=title[:200],
        body=markdown.strip() + "\n",
        minutes=_minutes(markdown),
        published=published,
    )
    spec.moodle_id = _text(entry, "moduleid")
    return spec


_ACTIVITY_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(moodle-activity:(\d+)\)")


def _resolve_activity_links(modules: list[ModuleSpec]) -> None:
    """Links between Moodle activities ($@PAGEVIEWBYID*12@$) as links between the lessons they became
    (the reader finds a lesson by its module's and its own slug); plain text where the target is no lesson."""
    where = {
        getattr(activity, "moodle_id", None): (module.slug, activity.slug)
        for module in modules
        for activity in module.activities
        if activity.kind == "lesson"
    }
    for module in modules:
        for activity in module.activities:
            if activity.kind != "lesson":
                continue

            def link(match, here=module.slug):
                target = where.get(match.group(2))
                if target is None:
                    return match.group(1)
                folder, slug = target
                return (
                    f"[{match.group(1)}]({slug}.md)"
                    if folder == here
                    else f"[{match.group(1)}](../{folder}/{slug}.md)"
                )

            activity.body = _ACTIVITY_LINK.sub(link, activity.body)


def _printintro(body: ET.Element) -> bool:
    return '"printintro";s:1:"1"' in _text(body, "displayoptions") or '"printintro";i:1' in _text(
        body, "displayoptions"
    )


def _link_text(text: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def import_backup(
    data: bytes, label: str = "backup.mbz", slug: str | None = None
) -> tuple[CourseSpec, Report, dict[str, bytes]]:
    """Read, convert and validate a backup: the CourseSpec to import (with `lms.courses.transfer.
    import_course`), the report, and the package's files (to write to disk). Raises BackupError naming
    the file and line of what cannot be read; nothing is written anywhere."""
    files = read_archive(data, label)
    spec, report = convert(files, label, slug)
    if not spec.modules:
        raise BackupError(
            [
                Problem(
                    label,
                    None,
                    "nothing in this backup can be carried over: "
                    + "; ".join(f"{what}: {why}" for what, why in report.skipped[:5]),
                )
            ]
        )
    package = package_files(spec)
    try:
        checked = parse_package(package, label=f"{label} (converted)")
    except PackageError as error:
        raise BackupError(error.problems) from None
    return checked, report, package


class SlugTaken(ValueError):
    """A course with the backup's slug exists: a backup becomes a new course, never overwrites one."""


def save_course(spec: CourseSpec, report: Report):
    """Create the course of a converted backup (through `lms.courses.transfer.import_course`, as
    `lms import-courses` does) and put its Cloze questions in its question bank; flushes, never commits.
    Refuses (SlugTaken) a slug that is taken: a backup is restored as a new course."""
    from sqlalchemy import select

    from lms.courses.models import Course
    from lms.courses.transfer import import_course
    from lms.db import db
    from lms.quizzes.services import add_question

    if db.session.scalar(select(Course.id).where(Course.slug == spec.slug)) is not None:
        raise SlugTaken(spec.slug)
    course, warnings = import_course(spec)
    db.session.flush()
    for question in report.bank:
        add_question(course, question)
    db.session.flush()
    return course, warnings
