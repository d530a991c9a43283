"""Certificate PDFs: a Jinja template rendered to HTML, then WeasyPrint turns the HTML into a PDF.

Rendering is split in two so that a batch can be spread over processes: `CertificateRenderer.html` needs
a Flask app context (Jinja environment, locale), `CertificateRenderer.pdf_from_html` needs none.

WeasyPrint resolves every URL in the HTML and CSS through `url_fetcher_for`, which serves only files
under the static and uploads folders, and QR codes it makes itself (lms-qr:/<text>): a name such as
`<img src="file:///etc/passwd">` is autoescaped text anyway, and even a URL that slipped into the markup
could read nothing else and reach no network.

The first PDF in a process is slow (fonts, stylesheet); a renderer keeps its FontConfiguration, the
parsed stylesheet and an image cache, so later PDFs reuse them.
"""

from __future__ import annotations

import mimetypes
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

import billiard
from babel.dates import format_date
from babel.numbers import format_percent
from flask import render_template
from flask_babel import force_locale, gettext
from fontTools.ttLib import TTFont
from werkzeug.exceptions import ServiceUnavailable


class PdfUnavailable(ServiceUnavailable):
    """WeasyPrint cannot load Pango on this machine: a page asking for a PDF gets a 503, not a 500."""


try:
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.images import SVGImage
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse
except OSError as error:  # raised by WeasyPrint when the Pango library is missing
    raise PdfUnavailable(
        f"PDFs cannot be made on this server: {error}. "
        "Install the Debian packages libpango-1.0-0 and libpangoft2-1.0-0."
    ) from error

from lms.core.views import hours_label  # noqa: E402
from lms.qr import qr_png  # noqa: E402
from lms.storage import clean_key  # noqa: E402

# Internal URL schemes: the only URLs the PDF renderer will fetch.
STATIC_SCHEME = "lms-static"
UPLOADS_SCHEME = "lms-uploads"
QR_SCHEME = "lms-qr"  # lms-qr:/<percent-encoded text>: the PNG of that text's QR code
BASE_URL = f"{STATIC_SCHEME}:/"
STYLESHEET = "css/pdf/certificate.css"
# The fonts of the name and the course title (as in the stylesheet), whose widths choose their sizes.
NAME_FONT = "fonts/NotoSerif-Bold.ttf"
TITLE_FONT = "fonts/NotoSerif-Italic.ttf"

# The partners write Serbian in Latin script (as lms.i18n does for the site).
BABEL_LOCALES = {"sr": "sr_Latn"}

# The languages a certificate can be issued in; its texts come from the site's catalogues.
LANGUAGES = ("en", "el", "mk", "bg", "sr")


def certificate_texts() -> dict[str, str]:
    """The fixed texts of a certificate in the current locale (set with flask_babel.force_locale)."""
    return {
        "heading": gettext("Certificate of completion"),
        "certify": gettext("This is to certify that"),
        "completed": gettext("has successfully completed the course"),
        "grade": gettext("Grade"),
        "verify": gettext("Verify at"),
        "code": gettext("Certificate code"),
    }


_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")
# Whitespace alone between two tags (never user text, whose < and > are escaped).
_BETWEEN_TAGS = re.compile(r">\s+<")

_MIME_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".css": "text/css",
}


@dataclass
class CertificateView:
    """Everything a certificate prints, already resolved: rendering touches no database."""

    code: str
    name: str
    course_title: str
    hours: float
    completed_on: date
    grade: float | None
    issuer: str
    language: str
    verify_url: str
    signatories: list[dict]
    funding_line: str = ""
    logos: list[str] = field(default_factory=lambda: ["img/logo.svg", "img/eu-flag.svg"])
    template: str = "classic"


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language if language in LANGUAGES else "en")


def template_name(template: str) -> str:
    """templates/pdf/certificate.html for "classic", certificate_<name>.html for the others."""
    if template == "classic":
        return "pdf/certificate.html"
    if not _TEMPLATE_NAME.fullmatch(template):
        raise ValueError(f"Not a certificate template name: {template!r}")
    return f"pdf/certificate_{template}.html"


def qr_url(text: str) -> str:
    """The internal URL of the QR code of `text`, which the URL fetcher makes (lms.qr.qr_png)."""
    return f"{QR_SCHEME}:/{quote(text, safe='')}"


def asset_url(path: str) -> str:
    """The internal URL of a static file ("img/logo.svg") or an upload ("uploads/abc.png")."""
    path = path.strip().lstrip("/")
    if path.startswith("uploads/"):
        return f"{UPLOADS_SCHEME}:/{path.removeprefix('uploads/')}"
    return f"{STATIC_SCHEME}:/{path.removeprefix('static/')}"


# Text is fitted to the width of the certificate's body by choosing a size class from the text's width in
# its font, measured with the font's advance widths (kerning makes it a little less). The measure in pt of
# each template's body: classic 253 mm = 717 pt, modern 183 mm = 519 pt.
LINE_PT = {"classic": 700, "modern": 505}
# (size class, font size in pt, lines it may take): the first that holds the text is used.
NAME_SIZES = (
    ("xl", 36, 1),
    ("l", 31, 1),
    ("m", 26, 1),
    ("s", 22, 1),
    ("s", 22, 2),
    ("xs", 18, 2),
)
NAME_SIZES_LAST = "xxs"  # 15 pt, as many lines as it takes
TITLE_SIZES = (("l", 19, 1), ("m", 16, 2), ("s", 13.5, 2), ("xs", 11.5, 3))


@lru_cache(maxsize=8)
def _advance_widths(font_path: str) -> tuple[dict[int, int], int, int]:
    font = TTFont(font_path, lazy=True)
    try:
        metrics = font["hmtx"].metrics
        widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
        return widths, metrics[".notdef"][0], font["head"].unitsPerEm
    finally:
        font.close()


def em_width(text: str, font_path: Path) -> float:
    """The width of `text` set in the font at `font_path`, in ems."""
    widths, missing, units_per_em = _advance_widths(str(font_path))
    return sum(widths.get(ord(char), missing) for char in text) / units_per_em


def size_class(
    text: str, font_path: Path, sizes: tuple, last: str | None = None, measure: float = 700
) -> str:
    """The size class of the largest font size at which `text` fits in the lines that size allows."""
    width = em_width(text, font_path)
    for name, points, lines in sizes:
        # Wrapping at word boundaries never fills every line: allow a margin when more than one.
        if width * points <= measure * (lines if lines == 1 else lines * 0.85):
            return name
    return last or sizes[-1][0]


def template_context(
    view: CertificateView, static_dir: Path, asset_url: Callable[[str], str] = asset_url
) -> dict:
    texts = certificate_texts()
    locale = babel_locale(view.language)
    measure = LINE_PT.get(view.template, LINE_PT["classic"])
    grade = None
    if view.grade is not None:
        grade = format_percent(view.grade / 100, format="#,##0.#%", locale=locale)
    return {
        "view": view,
        "t": texts,
        "lang": view.language if view.language in LANGUAGES else "en",
        "document_title": f"{texts['heading']} — {view.name} — {view.course_title}",
        "completed_on": gettext(
            "Completed on %(date)s", date=format_date(view.completed_on, format="long", locale=locale)
        ),
        "hours": hours_label(view.hours),  # "1 hour", "12 hours", with the language's plural
        "grade": grade,
        "qr_url": qr_url(view.verify_url),
        "asset_url": asset_url,
        "name_size": size_class(view.name, static_dir / NAME_FONT, NAME_SIZES, NAME_SIZES_LAST, measure),
        "title_size": size_class(view.course_title, static_dir / TITLE_FONT, TITLE_SIZES, measure=measure),
    }


class LocalFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the static folder and the uploads in the site's storage (a
    folder or lms.storage) and makes QR codes, and refuses everything else."""

    def __init__(self, static_dir: Path, uploads):
        from lms.storage import LocalStorage, Storage

        super().__init__(allowed_protocols=(STATIC_SCHEME, UPLOADS_SCHEME, QR_SCHEME), allow_redirects=False)
        self.uploads: Storage = uploads if isinstance(uploads, Storage) else LocalStorage(uploads)
        self.static = LocalStorage(static_dir)

    def resolve(self, url: str) -> tuple:
        """(storage, key) for the file a URL names; ValueError for any other scheme or a traversal."""
        from lms.storage import StorageError

        scheme, colon, rest = url.partition(":")
        sources = {STATIC_SCHEME: self.static, UPLOADS_SCHEME: self.uploads}
        source = sources.get(scheme.lower()) if colon else None
        if source is None:
            schemes = f"{STATIC_SCHEME}: and {UPLOADS_SCHEME}:"
            raise ValueError(f"Refusing to fetch {url[:200]!r}: only {schemes} URLs are served")
        relative = unquote(rest.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
        try:
            return source, clean_key(relative)
        except StorageError:
            raise ValueError(f"Refusing to fetch {url[:200]!r}: not a file path") from None

    def version(self, url: str) -> str:
        """Changes when the file does; ValueError or OSError if it cannot be had."""
        source, key = self.resolve(url)
        return source.version(key)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme, colon, rest = url.partition(":")
        if colon and scheme.lower() == QR_SCHEME:
            return URLFetcherResponse(
                url, qr_png(unquote(rest.removeprefix("/"))), {"Content-Type": "image/png"}
            )
        source, key = self.resolve(url)
        try:
            data = source.read(key)
        except (FileNotFoundError, IsADirectoryError):
            raise ValueError(f"Refusing to fetch {url[:200]!r}: no such file") from None
        suffix = PurePosixPath(key).suffix.lower()
        mime_type = _MIME_TYPES.get(suffix) or (mimetypes.guess_type(key)[0] or "application/octet-stream")
        return URLFetcherResponse(url, data, {"Content-Type": mime_type})


def url_fetcher_for(static_dir: Path, uploads) -> Callable:
    """A WeasyPrint url_fetcher serving lms-static:/<path> from static_dir, lms-uploads:/<path> from
    uploads (a folder or a Storage), and raising ValueError for anything else (file:, http:, https:,
    data:, traversal)."""
    return LocalFilesFetcher(static_dir, uploads)


_ROOT_RULE = re.compile(r":root\s*\{([^}]*)\}")
_CUSTOM_PROPERTY = re.compile(r"--([\w-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
_VAR = re.compile(r"var\(\s*--([\w-]+)\s*\)")


def resolve_variables(css: str) -> str:
    """The stylesheet with each var(--name) replaced by the value its :root rule gives --name (a var()
    with a fallback, or of a name :root does not give, is left to WeasyPrint). WeasyPrint resolves a
    var() again for every element and property that uses one, in every document: a thirtieth of a
    certificate, which resolving the stylesheet's colours once when it is loaded saves."""
    values = {
        name: value for block in _ROOT_RULE.findall(css) for name, value in _CUSTOM_PROPERTY.findall(block)
    }
    return _VAR.sub(lambda var: values.get(var[1], var[0]), css)


class ReplayedSVG:
    """An SVG image (a logo, the funding flag) that WeasyPrint draws once for each size, then replays.

    WeasyPrint draws an SVG node by node, parsing each path's data again every time: the two logos and
    the funding flag were a sixth of a certificate. A drawing is recorded from a graphics state with no
    colour or opacity assumed (so it sets every one it uses), and kept only when it is one balanced q … Q
    whose operators name no PDF resource but opacities (`/a0.5 gs`, which a replay registers again in
    the page's resources as WeasyPrint does): no font, pattern or image, whose names belong to one
    document. Replayed into another page, it draws exactly what WeasyPrint would have drawn there."""

    SIZES = 4  # drawings kept per image: a logo is drawn at one or two sizes
    OPACITY = re.compile(rb"/([aA])(\d+(?:\.\d+)?) gs")

    def __init__(self, image: SVGImage):
        self.image = image
        self.drawings: dict[tuple[float, float], tuple[list[bytes], set]] = {}

    def get_intrinsic_size(self, *args, **kwargs):
        return self.image.get_intrinsic_size(*args, **kwargs)

    def draw(self, stream, width, height, style) -> None:
        drawing = self.drawings.get((width, height))
        if drawing is not None:
            operators, opacities = drawing
            if opacities:
                stream.push_state()  # registers each opacity's ExtGState on this page, changes nothing
                for letter, alpha in opacities:
                    stream.set_alpha(alpha, stroke=letter == "A")
                stream.pop_state()
            stream.stream.extend(operators)
            return
        # Forget the colour and opacity WeasyPrint believes are set, so that the drawing sets its own.
        stream.push_state()
        stream.pop_state()
        start = len(stream.stream)
        self.image.draw(stream, width, height, style)
        operators = stream.stream[start:]
        opacities = self.replayable(operators)
        if opacities is not None and len(self.drawings) < self.SIZES:
            self.drawings[width, height] = (operators, opacities)

    @classmethod
    def replayable(cls, operators: list) -> set | None:
        """The opacities ("a" fill or "A" stroke, value) the operators set, or None if they cannot be
        replayed elsewhere (a named resource, or not one balanced q … Q)."""
        opacities, depth = set(), 0
        for index, operator in enumerate(operators):
            if not isinstance(operator, bytes) or (index and not depth):
                return None
            depth += (operator == b"q") - (operator == b"Q")
            if b"/" in operator:
                match = cls.OPACITY.fullmatch(operator)
                if not match or f"{float(match[2])}" != match[2].decode():
                    return None  # not an opacity, or not one set_alpha would name the same
                opacities.add((match[1].decode(), float(match[2])))
        return opacities if operators and not depth else None


class ImageCache(dict):
    """WeasyPrint's image cache (its `cache` option, URL -> image): keeps SVG images as ReplayedSVG."""

    def __setitem__(self, key, value):
        super().__setitem__(key, ReplayedSVG(value) if isinstance(value, SVGImage) else value)


class PdfRenderer:
    """WeasyPrint that reuses one FontConfiguration, one parsed stylesheet and one image cache across
    many PDFs, and fetches only the project's own files (url_fetcher_for)."""

    stylesheet_path = STYLESHEET

    def __init__(self, static_dir: Path, uploads):
        """uploads: a folder, or the Storage that holds the uploads (lms.storage)."""
        self.static_dir = Path(static_dir)
        self.url_fetcher = url_fetcher_for(self.static_dir, uploads)
        self.uploads = self.url_fetcher.uploads
        self.font_config = FontConfiguration()
        # Parsing the stylesheet with the font configuration loads its @font-face fonts, once.
        self.stylesheet = CSS(
            string=self.stylesheet_text(),
            base_url=f"{STATIC_SCHEME}:/{self.stylesheet_path}",
            url_fetcher=self.url_fetcher,
            font_config=self.font_config,
        )
        self.image_cache = ImageCache()

    # WeasyPrint's image cache keeps every image it loads, by URL; each certificate's QR code is used
    # once, so the cache is emptied when it holds this many entries (a few per image), which keeps a
    # batch's memory flat; the logos are then loaded again, once.
    IMAGE_CACHE_ENTRIES = 64

    def stylesheet_text(self) -> str:
        return resolve_variables((self.static_dir / self.stylesheet_path).read_text(encoding="utf-8"))

    def pdf_from_html(self, html: str, attachments: list[tuple[str, str, str]] = ()) -> bytes:
        """The PDF of some HTML; needs no app context (so worker processes can call it).
        `attachments`: (file name, text, description) of files embedded in the PDF."""
        if len(self.image_cache) > self.IMAGE_CACHE_ENTRIES:
            self.image_cache.clear()
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.url_fetcher)
        files = [
            Attachment(string=text, name=name, description=description, relationship="Data")
            for name, text, description in attachments
        ]
        return document.write_pdf(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            cache=self.image_cache,
            attachments=files or None,
        )


class CertificateRenderer(PdfRenderer):
    """Certificates: the template in the certificate's language, then a PDF with the shared machinery."""

    def html(self, view: CertificateView) -> str:
        """The certificate as HTML, without whitespace between tags (templates/pdf/_certificate.html);
        needs an app context (Jinja environment)."""
        with force_locale(babel_locale(view.language)):
            context = template_context(view, self.static_dir, self.asset_url)
            return _BETWEEN_TAGS.sub("><", render_template(template_name(view.template), **context))

    def asset_url(self, path: str) -> str:
        """asset_url(path) with the file's version, so that the image cache, which is keyed by URL,
        never serves an upload that has since been replaced (or was missing at first)."""
        url = asset_url(path)
        try:
            version = self.url_fetcher.version(url)
        except (ValueError, OSError):
            return url  # WeasyPrint logs the failure when it fetches the URL
        return f"{url}?v={version}"

    def render(self, view: CertificateView, attachments: list[tuple[str, str, str]] = ()) -> bytes:
        return self.pdf_from_html(self.html(view), attachments)


# One renderer per worker process of render_many, built by the pool's initializer.
_worker: dict[str, CertificateRenderer] = {}


def _init_worker(static_dir: str, uploads_settings: dict, scratch_dir: str) -> None:
    from lms.storage import open_storage

    # WeasyPrint copies @font-face fonts to a temporary folder; keep it in a folder that the parent
    # removes, as a pool's workers may be terminated without running any cleanup.
    tempfile.tempdir = scratch_dir
    _worker["renderer"] = CertificateRenderer(Path(static_dir), open_storage(uploads_settings))


def _render_in_worker(page: tuple[str, str]) -> tuple[str, bytes]:
    code, html = page
    return code, _worker["renderer"].pdf_from_html(html)


def render_many(
    html_pages: Iterable[tuple[str, str]],
    static_dir: Path,
    uploads,
    processes: int = 2,
    renderer: CertificateRenderer | None = None,
) -> Iterator[tuple[str, bytes]]:
    """(code, html) in, (code, pdf) out, in the same order, rendered by `processes` worker processes,
    each with one renderer for its whole share of the batch; processes=1 renders in this process, with
    `renderer` if given (warm: its fonts, stylesheet and images are loaded already). uploads: a folder
    or a Storage."""
    if processes <= 1:
        renderer = renderer or CertificateRenderer(Path(static_dir), uploads)
        for code, html in html_pages:
            yield code, renderer.pdf_from_html(html)
        return
    uploads_settings = url_fetcher_for(static_dir, uploads).uploads.settings()
    with tempfile.TemporaryDirectory(prefix="lms-certificates-") as scratch:
        # billiard (Celery's fork of multiprocessing) lets a Celery worker's own child process start these.
        pool = billiard.Pool(
            processes, initializer=_init_worker, initargs=(str(static_dir), uploads_settings, scratch)
        )
        try:
            yield from pool.imap(_render_in_worker, html_pages, chunksize=1)
            pool.close()
        finally:
            pool.terminate()
            pool.join()
