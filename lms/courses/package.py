"""Course packages on disk (docs/course-format.md): read and validate, write back.

Reading works on a mapping of package paths to bytes, so a folder and an uploaded zip go through the
same checks. Nothing here touches the database: `lms.courses.importer` applies a valid package.
"""

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lms.courses.models import CATEGORIES
from lms.markup import (
    MAX_MARKDOWN_CHARS,
    MAX_SUMMARY_CHARS,
    MarkdownError,
    find_relative_links,
    render_markdown,
)
from lms.uploads import looks_like

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED_RE = re.compile(r"^(\d{1,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
LANGUAGES = ("en", "el", "mk", "bg", "sr")
REQUIRED_MANIFEST_KEYS = ("slug", "title", "summary", "language", "category", "hours")
# Files a package may carry besides its Markdown, GIFT and TOML. No SVG or HTML: they can hold script.
ATTACHMENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
IMAGE_TYPES = {ext for ext, kind in ATTACHMENT_TYPES.items() if kind.startswith("image/")}


def content_matches(data: bytes, name: str) -> bool:
    """Is `data` a file a course may carry, and what the name's type says (lms.uploads.looks_like)?
    The one check for browser uploads and package imports."""
    return posixpath.splitext(name)[1].lower() in ATTACHMENT_TYPES and looks_like(data, name)


@dataclass
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class PackageError(ValueError):
    """A package that cannot be imported; `problems` names each file, line and problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class ActivitySpec:
    kind: str  # a registered kind's name (lms.activities)
    slug: str
    position: int
    title: str
    body: str
    minutes: int = 10
    optional: bool = False
    published: bool = True
    settings: dict = field(default_factory=dict)
    parsed: list = field(default_factory=list, compare=False)  # what the kind parsed, for its imported()


@dataclass
class ModuleSpec:
    slug: str
    position: int
    title: str
    summary: str
    activities: list[ActivitySpec] = field(default_factory=list)


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    language: str
    category: str
    hours: Decimal
    trainers: list[str]
    translation_of: str | None
    published: bool
    completion_activities: str
    completion_lessons: str
    completion_min_grade: int
    completion_min_attendance: int
    modules: list[ModuleSpec]
    files: dict[str, bytes]  # path with module folders by slug -> bytes


def read_folder(path: Path, max_bytes: int = 200 * 1024 * 1024) -> dict[str, bytes]:
    """Every file under a package folder, by POSIX path relative to it. Hidden files are skipped."""
    files, total = {}, 0
    for file in sorted(path.rglob("*")):
        relative = file.relative_to(path).as_posix()
        if file.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            total += file.stat().st_size
            if total > max_bytes:
                raise PackageError([Problem(str(path), None, f"package is larger than {max_bytes} bytes")])
            files[relative] = file.read_bytes()
    return files


def parse_package(files: dict[str, bytes], label: str = "") -> CourseSpec:
    """Validate a whole package and return it; raise PackageError listing every problem found."""
    reader = _Reader(files, label)
    spec = reader.read()
    if reader.problems:
        raise PackageError(reader.problems)
    return spec


class _Reader:
    def __init__(self, files: dict[str, bytes], label: str):
        self.files = files
        self.label = label.rstrip("/") + "/" if label else ""
        self.problems: list[Problem] = []

    def problem(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.label + path, line, message))

    def text(self, path: str) -> str | None:
        try:
            return self.files[path].decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.problem(path, None, f"not UTF-8 text ({error.reason} at byte {error.start})")
            return None

    def toml(self, path: str) -> dict | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line = getattr(error, "lineno", None) or _line_from_message(str(error))
            self.problem(path, line, f"invalid TOML: {getattr(error, 'msg', error)}")
            return None

    def read(self) -> CourseSpec | None:
        from lms.activities import kind_of, kinds
        from lms.activities.base import LINK_TARGET

        if "course.toml" not in self.files:
            self.problem("course.toml", None, "missing: every package needs a course.toml manifest")
            return None
        manifest = self.toml("course.toml") or {}
        course = self.manifest(manifest)
        modules, files = [], {}
        folders = sorted({path.split("/", 1)[0] for path in self.files if "/" in path})
        linkable: dict[str, tuple[str, str]] = {}
        for folder in folders:
            module = self.module(folder)
            if module is not None:
                modules.append(module)
        self.check_unique([(m.slug, m.position) for m in modules], "module")
        # Attachments: anything else, keyed by the path with module folders named by slug.
        module_slugs = {
            folder: NUMBERED_RE.match(folder).group(2) for folder in folders if NUMBERED_RE.match(folder)
        }
        suffixes = tuple(kind.suffix for kind in kinds().values())
        for path, data in self.files.items():
            if path == "course.toml" or path.endswith(("/module.toml", *suffixes)):
                continue
            suffix = posixpath.splitext(path)[1].lower()
            if suffix not in ATTACHMENT_TYPES:
                allowed = ", ".join(sorted(ATTACHMENT_TYPES))
                self.problem(path, None, f"file type {suffix or '(none)'} is not allowed here ({allowed})")
                continue
            if not content_matches(data, path):
                self.problem(
                    path, None, f"the contents are not a {suffix} file (the type is checked, not the name)"
                )
                continue
            files[_by_slug(path, module_slugs)] = data
        for module in modules:
            for activity in module.activities:
                if kind_of(activity).supports(LINK_TARGET):
                    linkable[f"{module.slug}/{activity.slug}"] = (module.slug, activity.slug)
        for folder in folders:
            for path in sorted(p for p in self.files if p.startswith(folder + "/") and p.endswith(".md")):
                self.check_links(path, module_slugs, linkable, files)
        if course is None:
            return None
        course.modules = sorted(modules, key=lambda m: m.position)
        course.files = files
        return course

    def manifest(self, data: dict) -> CourseSpec | None:
        missing = [key for key in REQUIRED_MANIFEST_KEYS if key not in data]
        for key in missing:
            self.problem("course.toml", None, f"missing required key '{key}'")
        if missing:
            return None
        slug = str(data["slug"])
        if not SLUG_RE.match(slug) or len(slug) > 80:
            self.problem("course.toml", None, f"slug '{slug}' must be lower-case letters, digits and '-'")
        if data["language"] not in LANGUAGES:
            self.problem(
                "course.toml", None, f"language '{data['language']}' is not one of {', '.join(LANGUAGES)}"
            )
        if data["category"] not in CATEGORIES:
            self.problem(
                "course.toml", None, f"category '{data['category']}' is not one of {', '.join(CATEGORIES)}"
            )
        for key in ("title", "summary"):
            if not isinstance(data[key], str) or not data[key].strip():
                self.problem("course.toml", None, f"'{key}' must be a non-empty text")
        if isinstance(data["summary"], str) and len(data["summary"]) > MAX_SUMMARY_CHARS:
            self.problem("course.toml", None, f"'summary' is longer than {MAX_SUMMARY_CHARS:,} characters")
        try:
            hours = Decimal(str(data["hours"]))
            if hours < 0 or hours > 10000:
                raise InvalidOperation
        except InvalidOperation:
            self.problem("course.toml", None, f"hours '{data['hours']}' must be a number from 0 to 10000")
            hours = Decimal(0)
        trainers = data.get("trainers", [])
        if not isinstance(trainers, list) or not all(isinstance(t, str) for t in trainers):
            self.problem("course.toml", None, "trainers must be a list of e-mail addresses")
            trainers = []
        completion = data.get("completion", {})
        if not isinstance(completion, dict):
            self.problem("course.toml", None, "[completion] must be a table")
            completion = {}
        activities = completion.get("activities", "all")
        if activities not in ("all", "none"):
            self.problem("course.toml", None, 'completion.activities must be "all" or "none"')
        lessons = completion.get("lessons", "marked")
        if lessons not in ("marked", "viewed"):
            self.problem("course.toml", None, 'completion.lessons must be "marked" or "viewed"')
        percents = {}
        for key in ("min_grade", "min_attendance"):
            value = completion.get(key, 0)
            if not isinstance(value, int) or not 0 <= value <= 100:
                self.problem("course.toml", None, f"completion.{key} must be a whole number from 0 to 100")
                value = 0
            percents[key] = value
        unknown = set(data) - {
            *REQUIRED_MANIFEST_KEYS,
            "trainers",
            "translation_of",
            "published",
            "completion",
        }
        for key in sorted(unknown):
            self.problem("course.toml", None, f"unknown key '{key}'")
        return CourseSpec(
            slug=slug,
            title=str(data["title"]).strip(),
            summary=str(data["summary"]).strip(),
            language=data["language"],
            category=data["category"],
            hours=hours,
            trainers=[t.strip().lower() for t in trainers],
            translation_of=data.get("translation_of") or None,
            published=bool(data.get("published", True)),
            completion_activities=activities,
            completion_lessons=lessons,
            completion_min_grade=percents["min_grade"],
            completion_min_attendance=percents["min_attendance"],
            modules=[],
            files={},
        )

    def module(self, folder: str) -> ModuleSpec | None:
        from lms.activities import kind_for_file, kinds

        suffixes = tuple(kind.suffix for kind in kinds().values())
        match = NUMBERED_RE.match(folder)
        if not match:
            if any(path.startswith(folder + "/") and path.endswith(suffixes) for path in self.files):
                self.problem(folder, None, "a module folder is named NN-slug, e.g. 01-know-your-customer")
            return None
        toml_path = f"{folder}/module.toml"
        if toml_path not in self.files:
            self.problem(toml_path, None, "missing: every module folder needs a module.toml with a title")
            return None
        data = self.toml(toml_path) or {}
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            self.problem(toml_path, None, "missing required key 'title'")
            title = folder
        module = ModuleSpec(
            slug=match.group(2),
            position=int(match.group(1)),
            title=title.strip(),
            summary=str(data.get("summary", "")).strip(),
        )
        for path in sorted(p for p in self.files if posixpath.dirname(p) == folder):
            name = posixpath.basename(path)
            kind = kind_for_file(name)
            if kind is None:
                continue
            stem = name[: -len(kind.suffix)]
            numbered = NUMBERED_RE.match(stem)
            if not numbered:
                self.problem(path, None, f"activity files are named NN-slug plus {', '.join(suffixes)}")
                continue
            position, slug = int(numbered.group(1)), numbered.group(2)
            text = self.text(path)
            if text is None:
                continue
            tables = data.get(kind.name, {})
            settings = tables.get(stem, {}) if isinstance(tables, dict) else {}
            activity = kind.read(self, path, text, slug, position, dict(settings))
            if activity is not None:
                module.activities.append(activity)
        self.check_unique([(a.slug, a.position) for a in module.activities], "activity", folder)
        return module

    def front_matter(self, path: str, text: str, keys, repeated=()) -> tuple[dict, str] | None:
        """A '---' block of `key: value` lines at the top of a Markdown file, and the body after it.
        Values map to (line number, text without surrounding quotes); a key in `repeated` may appear on
        several lines and maps to a list of them. None (problems noted) when the block is missing or
        unclosed."""
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            self.problem(path, 1, "a lesson starts with a front-matter block between '---' lines")
            return None
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            self.problem(path, 1, "the front-matter block is not closed with '---'")
            return None
        values = {}
        for number, line in enumerate(lines[1:end], start=2):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not sep or (key not in keys and key not in repeated):
                allowed = ", ".join((*keys, *repeated))
                self.problem(path, number, f"expected 'key: value' with a key among {allowed}")
                continue
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            if key in repeated:
                values.setdefault(key, []).append((number, value))
            else:
                values[key] = (number, value)
        return values, "\n".join(lines[end + 1 :]).lstrip("\n")

    def titled_markdown(self, path: str, text: str, keys, what: str, repeated=()) -> tuple[dict, str] | None:
        """front_matter for a kind's Markdown file, which must have a title and a body that renders
        (`what` names the body in problems); None, problems noted, otherwise."""
        parsed = self.front_matter(path, text, keys, repeated)
        if parsed is None:
            return None
        values, body = parsed
        if "title" not in values or not values["title"][1]:
            self.problem(path, 1, "front matter needs a 'title'")
            return None
        return parsed if self.markdown(path, body, what) else None

    def markdown(self, path: str, body: str, what: str) -> bool:
        """Whether a Markdown body is within the length cap and renders: the same renderer the import
        uses, so what it would refuse is refused here (a problem noted otherwise)."""
        if len(body) > MAX_MARKDOWN_CHARS:
            self.problem(
                path,
                None,
                f"the {what} is {len(body):,} characters long; at most {MAX_MARKDOWN_CHARS:,} are allowed",
            )
            return False
        try:
            render_markdown(body)
        except MarkdownError as error:
            self.problem(path, None, str(error))
            return False
        return True

    def flag(self, path: str, values: dict, key: str, default: bool) -> bool:
        """A true/false front-matter value; a problem (and the default) for anything else."""
        number, raw = values.get(key, (None, str(default).lower()))
        if raw.lower() not in ("true", "false"):
            self.problem(path, number, f"{key} '{raw}' must be true or false")
            return default
        return raw.lower() == "true"

    def check_unique(self, pairs, what: str, where: str = "course") -> None:
        for index in (0, 1):
            seen = set()
            for pair in pairs:
                if pair[index] in seen:
                    label = "slug" if index == 0 else "number"
                    self.problem(where, None, f"two of its {what} files share the {label} '{pair[index]}'")
                seen.add(pair[index])

    def check_links(self, path: str, module_slugs, linkable, files) -> None:
        text = self.text(path) or ""
        for line, url, kind in find_relative_links(text):
            target = resolve_package_path(path, url, module_slugs)
            if target is None:
                self.problem(path, line, f"link {url} points outside the package")
            elif target.endswith(".md"):
                if target[:-3] not in linkable:
                    self.problem(path, line, f"link to missing lesson {url}")
            elif target not in files:
                what = "image" if kind == "image" else "file"
                self.problem(path, line, f"link to missing {what} {url}")


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _by_slug(path: str, module_slugs: dict[str, str]) -> str:
    """'01-know-your-customer/images/x.png' -> 'know-your-customer/images/x.png'."""
    head, _, rest = path.partition("/")
    return f"{module_slugs[head]}/{rest}" if rest and head in module_slugs else path


def link_target(base_dir: str, url: str, module_slug=None) -> str | None:
    """Where a relative link from a file in `base_dir` points, as a package path with the module folder
    and the lesson file named by slug: '../02-reach/01-channels.md' -> 'reach/channels.md'. Fragment
    and query are left out. None when the link climbs out of the package.

    `module_slug(folder)` names a module folder by its slug; by default 'NN-slug' -> 'slug'.
    """
    target = url.split("#", 1)[0].split("?", 1)[0]
    joined = posixpath.normpath(posixpath.join(base_dir, target))
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    head, _, rest = joined.partition("/")
    if rest:
        joined = f"{(module_slug or _numbered_slug)(head)}/{rest}"
    if joined.endswith(".md"):
        folder, _, name = joined.rpartition("/")
        joined = f"{folder}/{_numbered_slug(name[:-3])}.md"
    return joined


def _numbered_slug(name: str) -> str:
    numbered = NUMBERED_RE.match(name)
    return numbered.group(2) if numbered else name


def resolve_package_path(from_path: str, url: str, module_slugs: dict[str, str]) -> str | None:
    """link_target for a link in the package file `from_path`, naming only real module folders by slug."""
    return link_target(posixpath.dirname(from_path), url, lambda folder: module_slugs.get(folder, folder))


# --- writing ---------------------------------------------------------------------------------------


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        number = Decimal(str(value)).normalize()
        return str(int(number)) if number == number.to_integral_value() else str(number)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):  # an inline table, such as a quiz's random rule {category = "...", count = 2}
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    # A JSON string is a valid TOML basic string for text: same escapes for quote, backslash, controls.
    return json.dumps(str(value), ensure_ascii=False)


def toml_table(values: dict) -> str:
    return "".join(f"{key} = {toml_value(value)}\n" for key, value in values.items() if value is not None)


def package_files(spec: CourseSpec) -> dict[str, bytes]:
    """The files of a package, the inverse of parse_package (numbering normalised to 01, 02, ...)."""
    from lms.activities import kind_of

    manifest = {
        "slug": spec.slug,
        "title": spec.title,
        "summary": spec.summary,
        "language": spec.language,
        "category": spec.category,
        "hours": spec.hours,
        "trainers": spec.trainers,
        "translation_of": spec.translation_of,
        "published": spec.published,
    }
    completion = {
        "activities": spec.completion_activities,
        # Written only when not the default, so packages that never heard of it stay as they are.
        "lessons": spec.completion_lessons if spec.completion_lessons != "marked" else None,
        "min_grade": spec.completion_min_grade,
        "min_attendance": spec.completion_min_attendance,
    }
    files = {"course.toml": (toml_table(manifest) + "\n[completion]\n" + toml_table(completion)).encode()}
    folders = {}
    for number, module in enumerate(spec.modules, start=1):
        folder = f"{number:02d}-{module.slug}"
        folders[module.slug] = folder
        module_toml = toml_table({"title": module.title, "summary": module.summary or None})
        for index, activity in enumerate(module.activities, start=1):
            kind = kind_of(activity)
            stem = f"{index:02d}-{activity.slug}"
            text, settings = kind.write(activity)
            files[f"{folder}/{stem}{kind.suffix}"] = text.encode()
            if settings is not None:
                module_toml += f"\n[{kind.name}.{stem}]\n" + toml_table(settings)
        files[f"{folder}/module.toml"] = module_toml.encode()
    for path, data in spec.files.items():
        head, _, rest = path.partition("/")
        files[f"{folders[head]}/{rest}" if rest and head in folders else path] = data
    return files


def write_folder(files: dict[str, bytes], target: Path) -> None:
    for path, data in sorted(files.items()):
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
