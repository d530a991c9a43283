"""render_markdown and find_relative_links: pure functions, no app needed."""

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from lms.markup import PYGMENTS_CSS_CLASS, find_relative_links, is_relative_url, render_markdown

# Any of these in the markup of the output (tags, attribute names, URLs) is a sanitiser hole.
DANGEROUS = (
    "<script",
    "javascript:",
    "vbscript:",
    "data:",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "style=",
)
FORBIDDEN_TAGS = {"script", "style", "svg", "math", "noscript", "object", "embed", "form", "input", "button"}


class Skeleton(HTMLParser):
    """The output as a browser acts on it: tags, attribute names and URL values, without the text.

    Text is left out on purpose: Markdown shows `<IMG SRC=javascript:...>` as escaped, harmless text,
    and a lesson about web security may legitimately say "javascript:".
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.parts.append(f"<{tag}")
        for name, value in attrs:
            self.parts.append(f" {name}=")
            if name in ("href", "src", "action", "formaction", "background", "data", "srcdoc", "xlink:href"):
                # what a browser would see: entities decoded, whitespace and control characters ignored
                self.parts.append(re.sub(r"[\x00-\x20\x7f-\xa0\s]+", "", value or ""))
        self.parts.append(">")


def assert_safe(html: str) -> None:
    skeleton = Skeleton()
    skeleton.feed(html)
    skeleton.close()
    markup = "".join(skeleton.parts).lower()
    for needle in DANGEROUS:
        assert needle not in markup, f"{needle!r} survived in {html!r}"
    assert not skeleton.tags & FORBIDDEN_TAGS, html
    assert "<script" not in html.lower()  # escaped text would read "&lt;script"


class Recorder:
    """A resolve_link that records its calls and maps "x" to "/files/x"."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def __call__(self, url: str, kind: str) -> str | None:
        self.calls.append((url, kind))
        return f"/files/{url}"


# --- extensions ------------------------------------------------------------------------------------------


def test_returns_markup_and_empty_input():
    assert isinstance(render_markdown("*hi*"), Markup)
    assert render_markdown("*hi*") == "<p><em>hi</em></p>"
    assert render_markdown("") == Markup("")
    assert PYGMENTS_CSS_CLASS == "highlight"


def test_table_with_alignment_as_attribute():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in html and "<th" in html and "<td" in html
    assert 'align="right"' in html
    assert "style=" not in html


def test_fenced_code_is_highlighted_with_classes_only():
    html = render_markdown("```python\ndef f():\n    return 1\n```")
    assert html.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">f</span>' in html
    assert "style=" not in html


def test_fenced_code_without_language_is_not_guessed():
    html = render_markdown("```\n<b>def</b> f(): pass\n```")
    assert '<div class="highlight">' in html
    assert '<span class="k">' not in html  # guess_lang=False: plain text
    assert "&lt;b&gt;def&lt;/b&gt;" in html  # code stays text


def test_footnotes():
    html = render_markdown("Claim[^1].\n\n[^1]: Source.")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in html
    assert '<div class="footnote">' in html
    assert '<li id="fn:1">' in html
    assert 'href="#fnref:1"' in html


def test_admonition():
    html = render_markdown('!!! tip "Remember"\n    Save often.')
    assert '<div class="admonition tip">' in html
    assert '<p class="admonition-title">Remember</p>' in html
    assert "<p>Save often.</p>" in html


def test_toc_ids_on_headings_without_permalinks():
    html = render_markdown("[TOC]\n\n# Getting started\n\n## Getting started")
    assert '<h1 id="getting-started">Getting started</h1>' in html
    assert '<h2 id="getting-started_1">' in html
    assert '<div class="toc">' in html and 'href="#getting-started"' in html
    assert "¶" not in html and "headerlink" not in html


def test_attr_list_class_and_id_kept():
    html = render_markdown("A paragraph\n{: .lead #intro }")
    assert re.search(r'<p (?=[^>]*class="lead")(?=[^>]*id="intro")[^>]*>A paragraph</p>', html)


def test_unsafe_class_values_dropped_safe_ones_kept():
    html = render_markdown('<span class="ok bad&quot;x a:b">t</span> <div class="$$">d</div>')
    assert '<span class="ok">t</span>' in html
    assert "<div>d</div>" in html


def test_sane_lists_do_not_merge_list_types():
    html = render_markdown("1. one\n\n* bullet")
    assert "<ol>" in html and "<ul>" in html


def test_md_in_html_is_off():
    html = render_markdown('<div markdown="1">*not emphasis*</div>')
    assert "<em>" not in html


def test_greek_and_cyrillic_survive():
    text = "# Καλημέρα κόσμε\n\nПривет, мир! Ελληνικά και кириллица: ёжик, ΑΒΓ."
    html = render_markdown(text)
    assert "Καλημέρα κόσμε</h1>" in html
    assert "<p>Привет, мир! Ελληνικά και кириллица: ёжик, ΑΒΓ.</p>" in html
    assert 'id="καλημέρα-κόσμε"' in html  # readable unicode slug, not "_1"


# --- hostile input ---------------------------------------------------------------------------------------


def test_script_tag_removed():
    html = render_markdown("Hi <script>alert(1)</script>\n\n<script>\nalert(2)\n</script>")
    assert "<script" not in html.lower()


def test_img_onerror_removed():
    html = render_markdown("<img src=x onerror=alert(1)>")
    assert "onerror" not in html
    assert 'src="x"' in html


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "[x](file:///etc/passwd)",
        "[x]: javascript:alert(1)\n\n[y][x]",
        '<a href="  javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="&#x6A;&#x61;vascript&#58;alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href="java\nscript:alert(1)">x</a>',
        '<img src="javascript:alert(1)">',
    ],
)
def test_dangerous_urls_dropped(text):
    html = render_markdown(text)
    assert_safe(html)
    for scheme in ("data:", "file:", "&#106;", "&#x6a;"):
        assert scheme not in html.lower()
    assert "href=" not in html and "src=" not in html


@pytest.mark.parametrize(
    "text",
    [
        'Para\n{: onclick="alert(1)" }',
        'Para\n{: style="background:url(javascript:alert(1))" }',
        '[x](https://ok.example){: onmouseover="alert(1)" style="color:red" }',
        '![x](a.png){: onerror="alert(1)" }',
    ],
)
def test_attr_list_cannot_add_handlers_or_style(text):
    assert_safe(render_markdown(text))


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("<svg onload=alert(1)><circle r=1 /></svg>", "<svg"),
        ("<math><mtext><script>alert(1)</script></mtext></math>", "<math"),
        ("<style>body{display:none}</style>", "<style"),
        ('<form action="https://evil.example"><input name=p><button>Go</button></form>', "<form"),
        ('<object data="https://evil.example/x.swf"></object>', "<object"),
        ('<embed src="https://evil.example/x.swf">', "<embed"),
        ("<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>", "<noscript"),
        ('<input autofocus onfocus="alert(1)">', "<input"),
    ],
)
def test_dangerous_tags_removed(text, gone):
    html = render_markdown(text)
    assert gone not in html.lower()
    assert "<input" not in html.lower() and "<button" not in html.lower()
    assert_safe(html)


def test_comments_removed():
    assert "<!--" not in render_markdown("a <!-- secret --> b\n\n<!--\nblock\n-->")


@pytest.mark.parametrize(
    "text",
    [
        '<iframe src="https://evil.example/embed/x"></iframe>',
        '<iframe src="javascript:alert(1)"></iframe>',
        '<iframe src="https://www.youtube.com.evil.example/embed/abc"></iframe>',
        '<iframe src="https://www.youtube.com/watch?v=abc"></iframe>',
        '<iframe src="https://player.vimeo.com/video/12ab"></iframe>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        "<iframe>fallback</iframe>",
    ],
)
def test_other_iframes_removed_entirely(text):
    html = render_markdown(f"before\n\n{text}\n\nafter")
    assert "iframe" not in html.lower()
    assert "<p>before</p>" in html and "<p>after</p>" in html


def test_youtube_embed_rewritten_to_nocookie():
    html = render_markdown(
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?start=30&amp;rel=0" width="560" height="315"'
        ' title="Video" allow="encrypted-media" allowfullscreen onload="alert(1)">fallback</iframe>'
    )
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30&amp;rel=0"' in html
    assert 'width="560"' in html and 'title="Video"' in html and "allowfullscreen" in html
    assert "fallback" not in html
    assert_safe(html)


def test_youtube_nocookie_and_vimeo_embeds_kept():
    html = render_markdown(
        '<iframe src="https://www.youtube-nocookie.com/embed/abc_DEF-12"></iframe>\n\n'
        '<iframe src="https://player.vimeo.com/video/76979871"></iframe>'
    )
    assert '<iframe src="https://www.youtube-nocookie.com/embed/abc_DEF-12"' in html
    assert '<iframe src="https://player.vimeo.com/video/76979871"' in html


# A fuzz-ish corpus in the style of the OWASP XSS filter evasion cheat sheet.
XSS_PAYLOADS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
    "&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A"
    "&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=https://xss.example/scriptlet.html <",
    "<svg/onload=alert('XSS')>",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/scriptlet.html"></OBJECT>',
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<details open ontoggle="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "[a](javascript:alert(1)) [b](javascript&#58;alert(1)) [c](<javascript:alert(1)>)",
    '[a](https://ok.example "title\\" onclick=\\"alert(1)")',
    '![a](x.png "t" onerror="alert(1)")',
    "<a href=\"\x01javascript:alert(1)\">x</a> <a href='&#0000106avascript:alert(1)'>y</a>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_corpus_is_neutralised(payload):
    assert_safe(render_markdown(payload))
    # also inside list items, blockquotes and tables, where Markdown parses it differently
    assert_safe(render_markdown(f"- {payload}\n\n> {payload}\n\n| h |\n|---|\n| {payload} |"))


# --- links -----------------------------------------------------------------------------------------------


def test_external_links_get_rel_and_internal_do_not():
    html = render_markdown(
        "[a](https://example.org) [b](http://example.org) [c](//example.org) [d](/courses) [e](#top) "
        "[f](mailto:a@example.org) [g](page.md)"
    )
    assert html.count('rel="noopener nofollow"') == 3
    assert '<a href="https://example.org" rel="noopener nofollow">a</a>' in html
    assert '<a href="//example.org" rel="noopener nofollow">c</a>' in html
    assert '<a href="/courses">d</a>' in html
    assert '<a href="#top">e</a>' in html
    assert '<a href="mailto:a@example.org">f</a>' in html


def test_user_rel_on_external_link_is_replaced():
    html = render_markdown('<a href="https://example.org" rel="opener">x</a>')
    assert 'rel="noopener nofollow"' in html and 'rel="opener"' not in html


def test_images_lazy_loaded():
    html = render_markdown('![alt](https://cdn.example/a.png "T")\n\n<img src="b.png" loading="eager">')
    assert html.count('loading="lazy"') == 2
    assert "eager" not in html
    assert 'alt="alt"' in html and 'title="T"' in html


def test_resolve_link_called_for_relative_links_and_images_only():
    resolver = Recorder()
    html = render_markdown(
        "[rel](intro.md#part) ![img](images/x.png) [abs](https://e.org) [root](/x) [net](//e.org/x) "
        "[frag](#top) [mail](mailto:a@b.org)\n\n"
        '<img src="raw.png"> <a href="raw.html?a=1&amp;b=2">r</a>\n\n'
        "[ref]\n\n[ref]: ref/page.md\n\nNote[^1]\n\n[^1]: Footnote.",
        resolve_link=resolver,
    )
    assert resolver.calls == [
        ("intro.md#part", "link"),
        ("images/x.png", "image"),
        ("raw.png", "image"),
        ("raw.html?a=1&b=2", "link"),  # entities decoded for the resolver
        ("ref/page.md", "link"),
    ]
    assert '<a href="/files/intro.md#part">rel</a>' in html
    assert 'src="/files/images/x.png"' in html
    assert 'src="/files/raw.png"' in html
    assert 'href="/files/raw.html?a=1&amp;b=2"' in html
    assert 'href="/files/ref/page.md"' in html


def test_resolver_sees_the_url_a_browser_would():
    resolver = Recorder()
    render_markdown('[a](p.html?x=1&para=2) <a href="q.html?x=1&para=2">b</a>', resolve_link=resolver)
    # "&para=" is not an entity inside an attribute, so it must not become "¶"
    assert resolver.calls == [("p.html?x=1&para=2", "link"), ("q.html?x=1&para=2", "link")]


def test_protocol_relative_link_with_tab_still_gets_rel():
    html = render_markdown('<a href="/\t/evil.example">x</a>')
    assert 'rel="noopener nofollow"' in html


def test_resolve_link_none_keeps_url():
    html = render_markdown("[a](missing.md) ![b](gone.png)", resolve_link=lambda url, kind: None)
    assert 'href="missing.md"' in html and 'src="gone.png"' in html


def test_resolve_link_result_is_checked_too():
    html = render_markdown("[a](x.md)", resolve_link=lambda url, kind: "javascript:alert(1)")
    assert_safe(html)
    assert "<a>a</a>" in html


def test_resolve_link_not_called_for_stripped_or_unsafe_urls():
    resolver = Recorder()
    render_markdown("[x](javascript:alert(1)) <object data='a.swf'></object> <video src='v.mp4'>", resolver)
    assert resolver.calls == []


def test_resolved_url_becoming_external_gets_rel():
    html = render_markdown("[a](x.md)", resolve_link=lambda url, kind: "https://cdn.example/x")
    assert '<a href="https://cdn.example/x" rel="noopener nofollow">a</a>' in html


@pytest.mark.parametrize(
    ("url", "relative"),
    [
        ("images/x.png", True),
        ("x.md#part", True),
        ("../up.md", True),
        ("?q=1", True),
        ("a/b:c.png", True),
        ("https://e.org", False),
        ("HTTP://e.org", False),
        ("mailto:a@b.org", False),
        ("javascript:alert(1)", False),
        (" java\tscript:alert(1)", False),
        ("/root", False),
        ("//host/x", False),
        ("\\\\host\\x", False),
        ("#frag", False),
        ("", False),
    ],
)
def test_is_relative_url(url, relative):
    assert is_relative_url(url) is relative


# --- find_relative_links ---------------------------------------------------------------------------------

SOURCE = """\
# Lesson

See [intro](intro.md) and ![diagram](images/d.png "Diagram") and [site](https://x.org).
[![badge](img/b.svg)](docs/page.md) [abs](/abs) [net](//cdn.example/a.png) [top](#top) <https://auto.example>

```markdown
![in fence](images/fenced.png)
```

Inline `![code](images/code.png)` and ``[code](x.md)`` are not links.

    ![indented code](images/indented.png)

- item
    ![in list](images/list.png)

<img src="images/raw.png" alt=""> <a href='raw.html'>r</a> <a href="https://x.org">x</a>
<!-- ![commented](images/comment.png) -->

[ref]: refs/link.md
[pic]: <refs/pic.png> "title"
[far]: https://x.org/ref
[^1]: images/not-a-footnote-link.png

![used][pic] [link text][ref] [paren](a_(b).md) \\[escaped](escaped.md)
~~~
[tilde fence](tilde.md)
~~~
![Ελληνικά](εικόνες/σχήμα.png)
"""


def test_find_relative_links():
    assert find_relative_links(SOURCE) == [
        (3, "intro.md", "link"),
        (3, "images/d.png", "image"),
        (4, "img/b.svg", "image"),
        (4, "docs/page.md", "link"),
        (15, "images/list.png", "image"),
        (17, "images/raw.png", "image"),
        (17, "raw.html", "link"),
        (20, "refs/link.md", "link"),
        (21, "refs/pic.png", "image"),
        (25, "a_(b).md", "link"),
        (29, "εικόνες/σχήμα.png", "image"),
    ]


def test_find_relative_links_agrees_with_render():
    """The importer's report and the renderer must see the same relative URLs."""
    resolver = Recorder()
    render_markdown(SOURCE, resolve_link=resolver)
    found = find_relative_links(SOURCE)
    assert sorted(resolver.calls) == sorted((url, kind) for _line, url, kind in found)


def test_find_relative_links_edge_cases():
    assert find_relative_links("") == []
    assert find_relative_links("no links here\n") == []
    assert find_relative_links("```\n[unclosed](fence.md)\n") == [(2, "fence.md", "link")]
    assert find_relative_links("a\r\nb\r\n[x](y.md)") == [(3, "y.md", "link")]
    assert find_relative_links('<A HREF="up.html">x</A> <img alt="a" src=\'a&amp;b.png\'>') == [
        (1, "up.html", "link"),
        (1, "a&b.png", "image"),
    ]
    assert find_relative_links("[x](javascript:alert(1)) ![y](data:image/png;base64,AAAA)") == []
    assert find_relative_links('<a href="q.html?x=1&para=2">b</a>') == [(1, "q.html?x=1&para=2", "link")]


# --- pathological input: the renderer stays bounded (issue 10, item 5) ---------------------------------


@pytest.fixture
def scanned(monkeypatch):
    """Counts the characters Python-Markdown's link scan reads (its getText walks to the matching "]")."""
    from markdown.inlinepatterns import LinkInlineProcessor

    original, total = LinkInlineProcessor.getText, [0]

    def counting(self, data, index):
        text, end, handled = original(self, data, index)
        total[0] += end - index
        return text, end, handled

    monkeypatch.setattr(LinkInlineProcessor, "getText", counting)
    return total


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "[^"])
def test_runs_of_brackets_render_literally_with_a_linear_scan(scanned, unit):
    text = unit * 1_500 + " end"
    html = str(render_markdown(text))
    assert html == f"<p>{unit * 1_500} end</p>"
    assert scanned[0] < 10 * len(text)  # quadratic before: each "[" read to the end of the paragraph


def test_ordinary_links_and_code_are_untouched_by_the_guard(scanned):
    text = (
        "See [the guide](guide.md) and `a[0]` and [ref][r].\n\n[r]: https://example.org\n\n```\nx = [\n```\n"
    )
    html = str(render_markdown(text))
    assert '<a href="guide.md">the guide</a>' in html and "<code>a[0]</code>" in html
    assert '<a href="https://example.org" rel="noopener nofollow">ref</a>' in html and "x = [" in html


def test_text_over_the_limit_is_refused_with_a_clear_message(app):
    from lms.markup import MAX_MARKDOWN_CHARS, MarkdownError

    with app.test_request_context(), pytest.raises(MarkdownError, match="at most 100,000 are allowed"):
        render_markdown("a" * (MAX_MARKDOWN_CHARS + 1))


@pytest.mark.parametrize(
    "text",
    ["- " * 5_000 + "x", "```\n" * 20_000, "> - " * 8_000 + "x"],
    ids=["nested-lists", "unclosed-fences", "quoted-lists"],
)
def test_any_other_slow_input_is_cut_off_with_a_message(app, monkeypatch, text):
    from lms import markup

    monkeypatch.setattr(markup, "RENDER_SECONDS", 0.05)  # far below what this input takes anywhere
    with app.test_request_context(), pytest.raises(markup.MarkdownError, match="too complex to display"):
        render_markdown(text)


def test_a_long_ordinary_text_renders_in_a_child_process_with_links_resolved(app):
    text = "".join(f"Paragraph {n} with [a link](page-{n}.md).\n\n" for n in range(200))
    assert len(text) > 2_000  # rendered in a forked child, which still calls the resolver
    html = str(render_markdown(text, resolve_link=lambda url, kind: "/resolved/" + url))
    assert html.count('href="/resolved/page-') == 200


def test_task_lists_render_as_boxes_without_inputs():
    html = str(render_markdown("- [ ] to do **now**\n- [x] done\n- plain\n\n1. [X] first"))
    assert '<ul class="task-list">' in html and '<ol class="task-list">' in html
    assert '<li class="task"><span class="task-box">☐</span> to do <strong>now</strong></li>' in html
    assert '<li class="task task-done"><span class="task-box">☑</span> done</li>' in html
    assert "<li>plain</li>" in html and "[ ]" not in html and "<input" not in html


def test_raw_html_cannot_forge_a_task_list_item_with_attributes():
    html = str(render_markdown('<ul class="task-list" onclick="x()"><li class="task" style="x">y</li></ul>'))
    assert "onclick" not in html and "style" not in html


def test_no_bundled_lesson_shows_raw_markdown():
    """Every lesson of the bundled courses, rendered: no checkbox, emphasis or table syntax left as text."""
    import re
    from pathlib import Path

    raw = re.compile(r"\[[ xX]\]\s|\*\*|(?<![\w/])__\w|^\s*\|.*\|\s*$|^:::|^!!!|\{:", re.MULTILINE)
    lessons = sorted((Path(__file__).resolve().parents[1] / "courses").glob("*/*/*.md"))
    assert lessons
    for lesson in lessons:
        text = re.sub(
            r"<pre.*?</pre>|<code>.*?</code>", "", str(render_markdown(lesson.read_text())), flags=re.S
        )
        assert not raw.search(text), f"{lesson}: {raw.search(text).group(0)!r}"
