"""Markdown -> safe HTML. The only way user text becomes HTML in this project.

Python-Markdown is not a sanitizer: it passes raw HTML, ``javascript:`` links and attr_list
``{: onclick=...}`` straight through. Everything it produces therefore goes through one bleach
allow-list, and our own fix-ups (link resolution, rel, lazy loading, embed allow-list) run on the
sanitised token stream, so they only ever see tags and attributes that are already allowed.
"""

from __future__ import annotations

import bisect
import functools
import multiprocessing
import re
from collections.abc import Callable, Iterator
from xml.etree import ElementTree

import bleach
import markdown
from bleach.html5lib_shim import Filter, convert_entities
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

__all__ = [
    "MAX_MARKDOWN_CHARS",
    "MAX_SUMMARY_CHARS",
    "MarkdownError",
    "PYGMENTS_CSS_CLASS",
    "find_relative_links",
    "is_relative_url",
    "markdown_problem",
    "render_markdown",
]

PYGMENTS_CSS_CLASS = "highlight"

LinkResolver = Callable[[str, str], str | None]


class _TaskLists(markdown.treeprocessors.Treeprocessor):
    """'- [ ] to do' and '- [x] done' list items become task lists: a box drawn as text (☐ ☑), so the
    allow-list needs no <input>; the list gets class 'task-list' and the items 'task' (and 'task-done')."""

    MARKER = re.compile(r"^\[([ xX])\]\s+")

    def run(self, root):
        for ul in (element for element in root.iter() if element.tag in ("ul", "ol")):
            tasks = 0
            for li in ul.findall("li"):
                holder = li[0] if len(li) and li[0].tag == "p" and not (li.text or "").strip() else li
                match = self.MARKER.match(holder.text or "")
                if not match:
                    continue
                done = match.group(1) != " "
                box = ElementTree.Element("span", {"class": "task-box"})
                box.text = "☑" if done else "☐"
                box.tail = " " + holder.text[match.end() :]
                holder.text = ""
                holder.insert(0, box)
                li.set("class", "task task-done" if done else "task")
                tasks += 1
            if tasks:
                ul.set("class", "task-list")


class _TaskListExtension(markdown.Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's name
        md.treeprocessors.register(_TaskLists(md), "task_lists", 5)


_EXTENSIONS = [
    "tables", "fenced_code", "codehilite", "footnotes", "admonition", "toc", "attr_list", "sane_lists",
    _TaskListExtension(),
]  # fmt: skip
_EXTENSION_CONFIGS = {
    # Classes only: bleach strips style= anyway; the colours live in static/css/pygments.css.
    "codehilite": {
        "css_class": PYGMENTS_CSS_CLASS,
        "noclasses": False,
        "guess_lang": False,
        "use_pygments": True,
    },
    # Unicode slugs so Greek/Cyrillic headings get readable ids instead of "_1", "_2".
    "toc": {"permalink": False, "slugify": slugify_unicode},
    # The default is style="text-align: ...", which bleach strips; align= survives.
    "tables": {"use_align_attribute": True},
}

_ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
    "blockquote", "code", "pre", "span", "div", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "a", "img", "figure", "figcaption", "abbr", "kbd", "iframe",
})  # fmt: skip
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "id", "class", "rel"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "th": ["align", "colspan", "rowspan"],
    "td": ["align", "colspan", "rowspan"],
    "abbr": ["title"],
    "iframe": ["src", "width", "height", "title", "allowfullscreen", "allow"],
    **dict.fromkeys(
        _HEADINGS + ("ul", "ol", "li", "sup", "div", "span", "p", "code", "pre", "table"), ["id", "class"]
    ),
}
_ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_SAFE_CLASS = re.compile(r"^[a-zA-Z0-9_-]+$")
# Footnotes use "fn:1"; toc slugs may be Greek or Cyrillic, hence \w (Unicode).
_SAFE_ID = re.compile(r"^[\w:.-]+$")

# Only these players may be embedded; youtube.com is rewritten to the privacy-enhanced host.
_YOUTUBE_EMBED = re.compile(
    r"^https://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([A-Za-z0-9_-]{1,64})(\?[\w=&.%-]*)?$"
)
_VIMEO_EMBED = re.compile(r"^https://player\.vimeo\.com/video/(\d+)(\?[\w=&.%-]*)?$")

# Browsers ignore these inside a URL ("java\tscript:"), so they must not hide a scheme from us.
_URL_IGNORED_CHARS = re.compile(r"[\x00-\x20\x7f-\xa0\s`]+")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _url_scheme(url: str) -> str | None:
    match = _SCHEME.match(_URL_IGNORED_CHARS.sub("", url))
    return match.group(1).lower() if match else None


def is_relative_url(url: str) -> bool:
    """True for a URL relative to the document: no scheme and not starting with "/", "//", "#" or "\\".

    Browsers treat a leading backslash like a slash, so "\\evil.example" is not relative either.
    """
    url = _URL_IGNORED_CHARS.sub("", url)
    if not url or url.startswith(("/", "\\", "#")):
        return False
    return _url_scheme(url) is None


def _is_external(url: str) -> bool:
    url = _URL_IGNORED_CHARS.sub("", url)
    return _url_scheme(url) in {"http", "https"} or url.startswith(("//", "\\\\", "/\\", "\\/"))


def _safe_resolved_url(url: str) -> bool:
    """A resolver's answer is applied after bleach ran, so it gets the same protocol check here."""
    scheme = _url_scheme(url)
    return scheme is None or scheme in _ALLOWED_PROTOCOLS


def _embed_src(src: str) -> str | None:
    src = src.strip()
    if match := _YOUTUBE_EMBED.match(src):
        return f"https://www.youtube-nocookie.com/embed/{match.group(1)}{match.group(2) or ''}"
    if _VIMEO_EMBED.match(src):
        return src
    return None


class _FixupFilter(Filter):
    """On bleach's output stream: resolve relative URLs, add rel and loading, enforce the embed allow-list."""

    def __init__(self, source, resolve_link: LinkResolver | None = None):
        super().__init__(source)
        self.resolve_link = resolve_link

    def __iter__(self) -> Iterator[dict]:
        in_iframe = keep_iframe = False
        for token in super().__iter__():
            kind = token["type"]
            if in_iframe:
                # An iframe's content is never shown, so drop it; drop a refused iframe whole, end tag
                # included, rather than leave an empty frame.
                if kind == "EndTag" and token["name"] == "iframe":
                    in_iframe = False
                    if keep_iframe:
                        yield token
                continue
            if kind in ("StartTag", "EmptyTag"):
                attrs = token["data"]
                name = token["name"]
                if name == "iframe":
                    src = _embed_src(convert_entities(attrs.get((None, "src"), "")))
                    in_iframe, keep_iframe = kind == "StartTag", src is not None
                    if src is None:
                        continue
                    attrs[(None, "src")] = src
                    attrs[(None, "loading")] = "lazy"
                elif name == "a":
                    self._resolve(attrs, "href", "link")
                    if _is_external(convert_entities(attrs.get((None, "href"), ""))):
                        attrs[(None, "rel")] = "noopener nofollow"
                elif name == "img":
                    self._resolve(attrs, "src", "image")
                    attrs[(None, "loading")] = "lazy"
                self._clean_id_class(attrs)
            yield token

    def _resolve(self, attrs: dict, attr: str, kind: str) -> None:
        if self.resolve_link is None or (None, attr) not in attrs:
            return
        # bleach keeps entities as written (href="a&amp;b"); the resolver wants the real URL. Decode the
        # way bleach does: what it does not decode it serialises as "&amp;", so browsers see it literally.
        url = convert_entities(attrs[(None, attr)])
        if not is_relative_url(url):
            return
        resolved = self.resolve_link(url.strip(), kind)
        if resolved is None:
            return
        if _safe_resolved_url(resolved):
            attrs[(None, attr)] = resolved
        else:  # fail closed rather than emit an unchecked URL
            del attrs[(None, attr)]

    @staticmethod
    def _clean_id_class(attrs: dict) -> None:
        if (None, "class") in attrs:
            classes = [c for c in attrs[(None, "class")].split() if _SAFE_CLASS.match(c)]
            if classes:
                attrs[(None, "class")] = " ".join(classes)
            else:
                del attrs[(None, "class")]
        if (None, "id") in attrs and not _SAFE_ID.match(attrs[(None, "id")]):
            del attrs[(None, "id")]


# --- keeping the parser bounded ----------------------------------------------------------------------------
#
# Python-Markdown is quadratic (or worse) on some inputs: runs of "[" or "![" (each scans to the end of its
# paragraph for a "]"), unclosed fences, nested lists and quotes, and more. So: every text is capped in size;
# brackets that cannot form a link are escaped before parsing when a paragraph has enough of them to cost
# more than linear time; and a text too long to be harmless is converted in a forked process that is
# killed after RENDER_SECONDS, so no input can hold a worker for longer.

MAX_MARKDOWN_CHARS = 100_000  # the most any Markdown field takes (a lesson); forms may set less
MAX_SUMMARY_CHARS = 5_000  # a course's summary
RENDER_SECONDS = 5.0  # generous: a 100,000-character lesson converts in about a second
_IN_PROCESS_CHARS = 2_000  # below this even the worst input converts in a few milliseconds
_MAX_LINK_DEPTH = 4  # brackets nested deeper than this never make a link worth the scan
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


class MarkdownError(ValueError):
    """Text the renderer refuses; str() is a message for the author."""


def markdown_problem(text: str, limit: int = MAX_MARKDOWN_CHARS) -> str | None:
    """What is wrong with `text` as Markdown before rendering it (today: only its size), or None."""
    from lms.i18n import _l, text_of

    if len(text) > limit:
        return text_of(
            _l(
                "The text is %(size)s characters long; at most %(limit)s are allowed. "
                "Split it into shorter parts.",
                size=f"{len(text):,}",
                limit=f"{limit:,}",
            )
        )
    return None


def _bracket_cost(paragraph: str) -> tuple[int, set[int]]:
    """How many characters Python-Markdown's link scan would read in `paragraph` (each "[" reads to its
    matching "]", or to the end), and the positions of "[" and "(" that cannot make a link: unmatched,
    or nested deeper than _MAX_LINK_DEPTH (with their partners). One pass, so linear."""
    cost, hopeless = 0, set()
    for opening, closing in ("[]", "()"):
        stack: list[int] = []
        for index, char in enumerate(paragraph):
            if char not in (opening, closing) or (index and paragraph[index - 1] == "\\"):
                continue
            if char == opening:
                stack.append(index)
            elif stack:
                start = stack.pop()
                cost += index - start
                if len(stack) >= _MAX_LINK_DEPTH:
                    hopeless.update((start, index))
        cost += sum(len(paragraph) - start for start in stack)
        hopeless.update(stack)
    return cost, hopeless


# Stand-ins for brackets that cannot make a link: private-use characters that Markdown treats as plain
# text (an escape like "\\[" would itself be an inline match, and those are quadratic too), put back as
# "[" and "(" in the HTML it returns. Any already in the text are dropped first.
_STAND_INS = {"[": "\ue000", "]": "\ue001", "(": "\ue002", ")": "\ue003"}
_PUT_BACK = str.maketrans({stand_in: bracket for bracket, stand_in in _STAND_INS.items()})
_DROP_STAND_INS = str.maketrans(dict.fromkeys(_STAND_INS.values()))


def _defuse(text: str) -> str:
    """Replace the brackets that cannot make a link by stand-ins, in paragraphs whose link scans would cost
    more than linear time; other paragraphs are left exactly as written."""
    text = text.translate(_DROP_STAND_INS)
    parts, start = [], 0
    for end in [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]:
        paragraph = text[start:end]
        cost, hopeless = _bracket_cost(paragraph)
        if cost > 20 * len(paragraph) + 10_000:
            paragraph = "".join(_STAND_INS[c] if i in hopeless else c for i, c in enumerate(paragraph))
        parts.append(paragraph)
        start = end
    return "".join(parts)


def _render(text: str, resolve_link: LinkResolver | None) -> str:
    # A fresh instance per call: Markdown objects keep per-document state (footnotes, toc ids)
    # and are not thread-safe; rendering happens at save time, so the setup cost does not matter.
    md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
    try:
        raw_html = md.convert(_defuse(text))
    except RecursionError:
        raise MarkdownError("nested") from None
    # Link resolution lives in a filter over the parsed HTML (not a Markdown Treeprocessor) because
    # raw-HTML <img>/<a> is stashed by Markdown and never reaches its element tree.
    cleaner = bleach.Cleaner(
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        protocols=_ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[functools.partial(_FixupFilter, resolve_link=resolve_link)],
    )
    return cleaner.clean(raw_html).translate(_PUT_BACK)


def _render_in_child(text: str, resolve_link: LinkResolver | None, pipe) -> None:
    try:
        pipe.send(("ok", _render(text, resolve_link)))
    except MarkdownError:
        pipe.send(("refused", ""))


def _bounded_render(text: str, resolve_link: LinkResolver | None) -> str:
    """_render in this process for short texts; else in a forked child (which shares the resolver and the
    app's state, and touches no database) given RENDER_SECONDS, then killed."""
    from lms.i18n import _l, text_of

    too_complex = text_of(
        _l(
            "This text is too complex to display (for example thousands of unclosed brackets or deeply "
            "nested lists). Simplify it and try again."
        )
    )
    if len(text) <= _IN_PROCESS_CHARS:
        try:
            return _render(text, resolve_link)
        except MarkdownError:
            raise MarkdownError(too_complex) from None
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_render_in_child, args=(text, resolve_link, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(RENDER_SECONDS):
            raise MarkdownError(too_complex)
        status, html = receiver.recv()
    except EOFError:
        raise MarkdownError(too_complex) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if status != "ok":
        raise MarkdownError(too_complex)
    return html


def render_markdown(text: str, resolve_link: LinkResolver | None = None) -> Markup:
    """Render trusted-or-not Markdown `text` to sanitised HTML.

    `resolve_link(url, kind)` is called for every relative URL (kind "link" for a[href], "image" for
    img[src]) and returns a replacement URL, or None to keep it; e.g. a course file path -> its served URL.
    Raises MarkdownError (with a message for the author) for text that is too long or too complex.
    """
    if not text:
        return Markup("")
    if problem := markdown_problem(text):
        raise MarkdownError(problem)
    return Markup(_bounded_render(text, resolve_link))  # noqa: S704 - this is the sanitiser's output


# --- finding relative links in Markdown source (for the course importer) ------------------------------------

# Python-Markdown's fences: at column 0, closed by the identical fence on a line of its own.
_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})[^\n]*\n", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[*+-]|\d+[.)])[ \t]")
# The "(url "title")" part after "]"; the matching "[" (and a "!" before it) is found by walking back.
_INLINE_TARGET = re.compile(
    r"\]\(\s*(?:<([^<>\n]*)>|((?:[^\s()]|\([^\s()]*\))+))(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
)
# Python-Markdown's ReferenceProcessor.RE, minus footnote definitions ("[^1]: ...").
_REF_DEFINITION = re.compile(
    r"^[ ]{0,3}\[([^\[\]^][^\[\]]*)\]:[ ]*(?:\n[ ]*)?(\S+)[ ]*(?:\n[ ]*)?"
    r"""((["'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",
    re.MULTILINE,
)
_REF_IMAGE_USE = re.compile(r"!\[([^\]]*)\](?!\()(?:[ ]?\[([^\]]*)\])?")
_RAW_TAG = re.compile(r"<(img|a)\b([^<>]*)>", re.IGNORECASE)
_RAW_ATTR = re.compile(
    r"""(?<![\w-])(src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping newlines so offsets and line numbers stay valid."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _mask_fences(text: str) -> str:
    pos = 0
    while match := _FENCE_OPEN.search(text, pos):
        close = re.compile(rf"^{re.escape(match.group(1))}[ ]*$", re.MULTILINE).search(text, match.end())
        if close is None:  # an unclosed fence is not a fence for Python-Markdown
            pos = match.end()
            continue
        text = _blank(text, match.start(), close.end())
        pos = close.end()
    return text


def _mask_indented_code(text: str) -> str:
    """Blank indented code blocks: indented lines after a blank line, unless they continue a list item."""
    lines = text.split("\n")
    previous_blank, in_code, in_list = True, False, False
    for index, line in enumerate(lines):
        if not line.strip():
            previous_blank = True
            continue
        indented = line.startswith(("    ", "\t"))
        if indented and (in_code or (previous_blank and not in_list)):
            in_code = True
            lines[index] = " " * len(line)
        else:
            in_code = False
            if not indented:
                in_list = bool(_LIST_ITEM.match(line)) or (in_list and not previous_blank)
        previous_blank = False
    return "\n".join(lines)


def _mask_code_spans(text: str) -> str:
    # Code spans never cross a paragraph break, so match within each paragraph.
    start = 0
    for end in [m.start() for m in _BLANK_LINES.finditer(text)] + [len(text)]:
        for match in _CODE_SPAN.finditer(text, start, end):
            text = _blank(text, match.start(), match.end())
        start = end
    return text


def _opening_bracket(text: str, close: int) -> int | None:
    """Index of the "[" matching the "]" at `close`, skipping backslash-escaped brackets."""
    depth = 0
    paragraph_start = text.rfind("\n\n", 0, close)  # a link never spans paragraphs
    for index in range(close, paragraph_start, -1):
        char = text[index]
        if char not in "[]" or (index and text[index - 1] == "\\"):
            continue
        depth += 1 if char == "]" else -1
        if depth == 0:
            return index
    return None


def find_relative_links(text: str) -> list[tuple[int, str, str]]:
    """(line number, url, kind) for every relative link ("link") or image ("image") in Markdown `text`.

    Covers inline links and images, reference definitions and raw-HTML <a href>/<img src>; skips code
    (fenced, indented, inline) and HTML comments. URLs are returned as written (percent-escapes intact).
    """
    masked = _mask_code_spans(_mask_indented_code(_mask_fences(text.replace("\r\n", "\n"))))
    masked = _HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), masked)
    found: list[tuple[int, str, str]] = []  # (offset, url, kind)

    for match in _INLINE_TARGET.finditer(masked):
        if match.start() and masked[match.start() - 1] == "\\":
            continue
        opening = _opening_bracket(masked, match.start())
        if opening is None:
            continue
        kind = "image" if opening and masked[opening - 1] == "!" else "link"
        url_group = 1 if match.group(1) is not None else 2
        found.append((match.start(url_group), match.group(url_group), kind))

    image_refs = set()
    for match in _REF_IMAGE_USE.finditer(masked):
        image_refs.add((match.group(2) or match.group(1)).strip().lower())
    for match in _REF_DEFINITION.finditer(masked):
        kind = "image" if match.group(1).strip().lower() in image_refs else "link"
        found.append((match.start(2), match.group(2).lstrip("<").rstrip(">"), kind))

    for tag in _RAW_TAG.finditer(masked):
        name = tag.group(1).lower()
        for attr in _RAW_ATTR.finditer(masked, tag.start(2), tag.end(2)):
            if attr.group(1).lower() == ("src" if name == "img" else "href"):
                url = convert_entities(next(group for group in attr.groups()[1:] if group is not None))
                found.append((attr.start(), url, "image" if name == "img" else "link"))

    newlines = [index for index, char in enumerate(masked) if char == "\n"]
    return [
        (bisect.bisect_left(newlines, offset) + 1, url.strip(), kind)
        for offset, url, kind in sorted(found, key=lambda item: item[0])
        if is_relative_url(url)
    ]
