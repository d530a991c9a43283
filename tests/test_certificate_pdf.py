"""Certificate PDFs: one landscape page, every script printed in the bundled fonts, a URL fetcher that
serves only static files and uploads, user text printed as text, a QR code that decodes to the verify URL."""

import io
import logging
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.system import needs

needs("pango")  # WeasyPrint, imported below, cannot load without it

from lms import create_app  # noqa: E402
from lms.certificates.pdf import (  # noqa: E402
    CertificateRenderer,
    CertificateView,
    render_many,
    template_name,
    url_fetcher_for,
)

GREEK_NAME = "Αικατερίνη Παπαδοπούλου"
CYRILLIC_NAME = "Ѓорѓи Ќосевски-Љубеновиќ"
SERBIAN_NAME = "Đorđe Čačić-Šaržić"
LONG_NAME = "Αικατερίνη-Παναγιώτα Χατζηγεωργίου-Παπαδοπούλου του Κωνσταντίνου και της Μαρίας Αλεξάνδρου"
CODE = "K7QM-3XHP-9TRW-4ZDA"
VERIFY_URL = f"https://lms.example.org/verify/{CODE}"
# The fonts bundled in static/fonts, as the stylesheet names them; any other font in a PDF would be a
# fallback for a glyph they lack.
BUNDLED_FONTS = {"Certificate-Serif", "Certificate-Serif-Bold", "Certificate-Serif-Italic"} | {
    "Certificate-Sans",
    "Certificate-Sans-Bold",
}
A4_LANDSCAPE_PT = (841.89, 595.28)


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def make_view(**fields) -> CertificateView:
    values = {
        "code": CODE,
        "name": GREEK_NAME,
        "course_title": "Ψηφιακό μάρκετινγκ για μικρές επιχειρήσεις",
        "hours": 24,
        "completed_on": date(2025, 3, 14),
        "grade": 92.5,
        "issuer": "Thessaloniki Innovation Incubator",
        "language": "el",
        "verify_url": VERIFY_URL,
        "signatories": [
            {"name": "Eleni Papadaki", "title": "Programme Coordinator", "image": "uploads/sig.svg"},
            {"name": "Марко Стојановски", "title": "Head of Training", "image": None},
        ],
        "funding_line": "Co-funded by the European Union — Interreg IPA Greece–North Macedonia",
    }
    values.update(fields)
    return CertificateView(**values)


@pytest.fixture
def uploads_dir(tmp_path) -> Path:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "sig.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><path d="M10 45 C 30 5, 50 5, 60 40'
        ' S 90 60, 110 25" fill="none" stroke="#1b2a6b" stroke-width="3"/></svg>'
    )
    return uploads


@pytest.fixture
def pdf_app(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context(), app.test_request_context():
        yield app


@pytest.fixture
def static_dir(pdf_app) -> Path:
    return Path(pdf_app.static_folder)


@pytest.fixture
def renderer(static_dir, uploads_dir) -> CertificateRenderer:
    return CertificateRenderer(static_dir, uploads_dir)


@pytest.fixture
def weasyprint_log(caplog):
    """WeasyPrint reports a missing image, font or stylesheet through logging, not by raising."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


def write_pdf(tmp_path: Path, pdf: bytes, name: str = "certificate.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_info(path: Path) -> dict[str, str]:
    needs("pdfinfo")
    lines = run("pdfinfo", "-enc", "UTF-8", str(path)).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdf_text(path: Path) -> str:
    needs("pdftotext")
    return run("pdftotext", "-enc", "UTF-8", str(path), "-")


def pdf_fonts(path: Path) -> set[str]:
    needs("pdffonts")
    rows = run("pdffonts", str(path)).splitlines()[2:]
    return {row.split()[0].partition("+")[2] for row in rows}


@pytest.mark.parametrize("template", ["classic", "modern"])
def test_one_landscape_a4_page_with_metadata(renderer, tmp_path, weasyprint_log, template):
    pdf = renderer.render(make_view(template=template))

    assert pdf.startswith(b"%PDF")
    info = pdf_info(write_pdf(tmp_path, pdf))
    assert info["Pages"] == "1"
    width, height = map(float, re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"]).groups())
    assert (width, height) == pytest.approx(A4_LANDSCAPE_PT, abs=0.5)
    heading = "Πιστοποιητικό ολοκλήρωσης"  # the word the Greek interface uses
    assert info["Title"] == f"{heading} — {GREEK_NAME} — Ψηφιακό μάρκετινγκ για μικρές επιχειρήσεις"
    assert info["Author"] == "Thessaloniki Innovation Incubator"
    assert not weasyprint_log.records, "WeasyPrint failed to load something"
    assert pdf_fonts(write_pdf(tmp_path, pdf)) <= BUNDLED_FONTS
    assert CODE in pdf_text(write_pdf(tmp_path, pdf))


@pytest.mark.parametrize(
    ("language", "name", "course_title", "printed"),
    [
        ("el", GREEK_NAME, "Ψηφιακό μάρκετινγκ", ["Πιστοποιητικό ολοκλήρωσης", "14 Μαρτίου 2025", "24 ώρες"]),
        (
            "mk",
            CYRILLIC_NAME,
            "Финансиско планирање",
            ["Сертификат за завршена обука", "14 март 2025", "24 часа"],
        ),
        ("bg", "Цветелина Живкова", "Управление на проекти", ["Сертификат за завършено обучение"]),
        ("sr", SERBIAN_NAME, "Osnove preduzetništva", ["Sertifikat o završenoj obuci", "14. mart 2025."]),
        (
            "en",
            "Mary O'Brien",
            "Export readiness",
            ["Certificate of completion", "March 14, 2025", "24 hours"],
        ),
    ],
)
def test_text_layer_in_each_language_uses_only_the_bundled_fonts(
    renderer, tmp_path, language, name, course_title, printed, weasyprint_log
):
    path = write_pdf(
        tmp_path, renderer.render(make_view(language=language, name=name, course_title=course_title))
    )

    text = pdf_text(path)
    for expected in [name, course_title, CODE, VERIFY_URL, *printed]:
        assert expected in text
    # A glyph missing from the bundled fonts would be drawn by some system font, or as a box.
    assert pdf_fonts(path) <= BUNDLED_FONTS
    assert not weasyprint_log.records


def test_grade_is_printed_only_when_given(renderer, tmp_path):
    graded = pdf_text(write_pdf(tmp_path, renderer.render(make_view(language="en", grade=87.5))))
    ungraded = pdf_text(write_pdf(tmp_path, renderer.render(make_view(language="en", grade=None))))

    assert "Grade 87.5%" in graded
    assert "Grade" not in ungraded


@pytest.mark.parametrize("template", ["classic", "modern"])
def test_a_very_long_name_stays_on_the_page(renderer, tmp_path, template):
    needs("pdftotext")
    path = write_pdf(tmp_path, renderer.render(make_view(name=LONG_NAME, template=template)))

    assert pdf_info(path)["Pages"] == "1"
    assert " ".join(pdf_text(path).split()).count(LONG_NAME) == 1
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>',
        run("pdftotext", "-bbox", str(path), "-"),
    )
    name_words = [(float(x_min), float(x_max)) for x_min, x_max, word in words if word in LONG_NAME.split()]
    assert name_words
    frame = 8 / 25.4 * 72  # the frame is 8 mm inside the page's edges
    assert all(frame < x_min and x_max < A4_LANDSCAPE_PT[0] - frame for x_min, x_max in name_words)


def test_name_size_shrinks_with_its_width(renderer):
    sizes = [
        re.search(r'class="name name--(\w+)"', renderer.html(make_view(name=name))).group(1)
        for name in ("Ana Li", GREEK_NAME, "Αικατερίνη-Παναγιώτα Χατζηγεωργίου-Παπαδοπούλου", LONG_NAME)
    ]
    order = ["xl", "l", "m", "s", "xs", "xxs"]
    ranks = [order.index(size) for size in sizes]
    assert ranks == sorted(ranks)
    assert sizes[0] == "xl"
    assert ranks[-1] >= order.index("s")


def test_url_fetcher_serves_only_static_files_and_uploads(static_dir, uploads_dir, tmp_path):
    fetch = url_fetcher_for(static_dir, uploads_dir)
    (tmp_path / "secret.txt").write_text("secret")

    font = fetch("lms-static:/fonts/NotoSans-Regular.ttf")
    assert font.read() == (static_dir / "fonts" / "NotoSans-Regular.ttf").read_bytes()
    font.close()
    signature = fetch("lms-uploads:/sig.svg")
    assert signature.content_type == "image/svg+xml"
    signature.close()

    for url in [
        "file:///etc/passwd",
        f"file://{static_dir}/fonts/NotoSans-Regular.ttf",
        "http://example.org/x",
        "https://example.org/x.png",
        "data:image/svg+xml,<svg/>",
        "lms-static:/../../../../etc/passwd",
        "lms-static:/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "lms-static:/fonts/../../secret.txt",
        "lms-uploads:/../secret.txt",
        "lms-uploads:////etc/passwd",
        "lms-static:/fonts/",
        "lms-static:/missing.png",
        "fonts/NotoSans-Regular.ttf",
    ]:
        with pytest.raises(ValueError):
            fetch(url)


def test_a_hostile_name_is_printed_as_text_not_fetched(renderer, tmp_path, weasyprint_log):
    hostile = '<img src="file:///etc/passwd">'
    fetched = []
    fetch = renderer.url_fetcher.fetch
    renderer.url_fetcher.fetch = lambda url, headers=None: fetched.append(url) or fetch(url, headers)
    view = make_view(name=hostile, course_title='<link rel="stylesheet" href="http://example.org/x.css">')

    html = renderer.html(view)
    assert hostile not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<link" not in html
    text = pdf_text(write_pdf(tmp_path, renderer.pdf_from_html(html)))
    assert hostile in text
    assert fetched
    assert all(url.startswith(("lms-static:/", "lms-uploads:/", "lms-qr:/")) for url in fetched)
    assert not weasyprint_log.records


def test_a_replaced_upload_is_not_served_from_the_image_cache(renderer, uploads_dir):
    from PIL import Image

    fetched = []
    fetch = renderer.url_fetcher.fetch
    renderer.url_fetcher.fetch = lambda url, headers=None: fetched.append(url) or fetch(url, headers)
    view = make_view(signatories=[{"name": "Eleni Papadaki", "title": "", "image": "uploads/late.png"}])

    renderer.render(view)  # not uploaded yet: WeasyPrint logs it and leaves the space empty
    Image.new("RGB", (40, 10), "navy").save(uploads_dir / "late.png")
    renderer.render(view)
    Image.new("RGB", (80, 20), "navy").save(uploads_dir / "late.png")
    renderer.render(view)

    versions = [url for url in fetched if url.startswith("lms-uploads:/late.png?v=")]
    assert len(versions) == len(set(versions)) == 2


@pytest.mark.parametrize("template", ["classic", "modern"])
def test_qr_code_encodes_the_verify_url(renderer, tmp_path, template, weasyprint_log):
    html = renderer.html(make_view(template=template))
    assert 'src="lms-qr:/https%3A%2F%2Flms.example.org%2Fverify%2FK7QM-3XHP-9TRW-4ZDA"' in html
    assert "data:" not in html

    needs("pdftoppm")
    needs("zbarimg")
    path = write_pdf(tmp_path, renderer.pdf_from_html(html))
    run("pdftoppm", "-png", "-r", "150", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).split()
    assert decoded == [VERIFY_URL]
    assert not weasyprint_log.records


def test_qr_code_is_drawn_one_pixel_a_module_unsmoothed(renderer, tmp_path):
    """The PNG has a pixel a module (and two of quiet zone each side), and the PDF asks viewers not to
    interpolate it: scaled up, each module stays a sharp square, as the SVG path that was there drew it."""
    import segno

    needs("pdfimages")
    path = write_pdf(tmp_path, renderer.render(make_view(signatories=[])))
    rows = [row.split() for row in run("pdfimages", "-list", str(path)).splitlines()[2:]]
    side = segno.make(VERIFY_URL, error="m", micro=False).symbol_size(scale=1, border=2)[0]
    qr = [row for row in rows if row[3:5] == [str(side), str(side)]]
    assert len(qr) == 1, rows
    assert qr[0][9] == "no"  # pdfimages' "interp" column


def test_url_fetcher_makes_qr_codes(static_dir, uploads_dir):
    from PIL import Image

    response = url_fetcher_for(static_dir, uploads_dir)("lms-qr:/" + quote(VERIFY_URL, safe=""))
    assert response.content_type == "image/png"
    image = Image.open(io.BytesIO(response.read()))
    response.close()
    assert image.size[0] == image.size[1] > 21


def test_image_cache_stays_small_over_a_batch(renderer):
    """Every certificate's QR code is a new image: the cache must not keep them all (memory flat)."""
    renderer.IMAGE_CACHE_ENTRIES = 8
    sizes = []
    for index in range(6):
        renderer.render(make_view(code=f"K7QM-3XHP-9TRW-{index:04d}", verify_url=f"{VERIFY_URL}{index}"))
        sizes.append(len(renderer.image_cache))
    assert max(sizes) <= 8 + 6  # the entries of one certificate's images on top of the limit
    assert sizes[-1] < sizes[2] or sizes[2] < sizes[1]  # it was emptied at least once


def test_template_names():
    assert template_name("classic") == "pdf/certificate.html"
    assert template_name("modern") == "pdf/certificate_modern.html"
    with pytest.raises(ValueError):
        template_name("../base")


@pytest.mark.parametrize("processes", [1, 2])
def test_render_many_keeps_order(renderer, static_dir, uploads_dir, tmp_path, processes):
    views = [
        make_view(code=f"CODE-{index:04d}", name=name, language=language)
        for index, (name, language) in enumerate(
            [(GREEK_NAME, "el"), (CYRILLIC_NAME, "mk"), (SERBIAN_NAME, "sr"), ("Jane Doe", "en")]
        )
    ]
    pages = [(view.code, renderer.html(view)) for view in views]

    results = list(render_many(iter(pages), static_dir, uploads_dir, processes=processes))

    assert [code for code, _ in results] == [view.code for view in views]
    for (code, pdf), view in zip(results, views, strict=True):
        assert pdf.startswith(b"%PDF")
        text = pdf_text(write_pdf(tmp_path, pdf, f"{code}.pdf"))
        assert view.name in text
        assert code in text


def test_render_many_of_nothing(static_dir, uploads_dir):
    assert list(render_many([], static_dir, uploads_dir, processes=2)) == []


def test_renderer_reuses_its_fonts_and_stylesheet(renderer):
    stylesheet, font_config = renderer.stylesheet, renderer.font_config
    renderer.render(make_view())
    renderer.render(replace(make_view(), name=CYRILLIC_NAME, language="mk"))
    assert renderer.stylesheet is stylesheet
    assert renderer.font_config is font_config


@pytest.mark.parametrize(
    ("language", "hours", "printed"), [("mk", 21, "21 час "), ("el", 1, "1 ώρα"), ("sr", 2, "2 sata")]
)
def test_hours_on_a_certificate_agree_with_their_number(renderer, tmp_path, language, hours, printed):
    pdf = renderer.render(make_view(language=language, name=SERBIAN_NAME, hours=hours))
    assert printed in pdf_text(write_pdf(tmp_path, pdf)).replace("\n", " ")


def test_html_has_no_whitespace_between_tags_but_spaces_between_inline_elements(renderer):
    html = renderer.html(make_view())
    assert not re.search(r">\s+<", html)
    assert '</span>&#32;<span class="sep"></span>&#32;<span class="fact">' in html


def test_stylesheet_colours_are_resolved_once(renderer):
    from lms.certificates.pdf import resolve_variables

    assert "var(" not in renderer.stylesheet_text()
    css = ":root { --ink: #123456; --rule: 1px solid }\np { color: var(--ink); border: var( --rule ) }"
    assert resolve_variables(css).endswith("p { color: #123456; border: 1px solid }")
    # A fallback or a name :root does not give is left to WeasyPrint.
    assert resolve_variables("p { color: var(--ink, red); x: var(--nope) }") == (
        "p { color: var(--ink, red); x: var(--nope) }"
    )


def page_pixels(tmp_path: Path, pdf: bytes, name: str) -> bytes:
    from PIL import Image

    needs("pdftoppm")
    path = write_pdf(tmp_path, pdf, f"{name}.pdf")
    result = subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(path), str(tmp_path / name)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not result.stderr, result.stderr  # e.g. "ExtGState 'a0.5' is unknown"
    return Image.open(tmp_path / f"{name}.png").convert("RGB").tobytes()


@pytest.mark.parametrize("template", ["classic", "modern"])
def test_svg_images_replayed_draw_the_same_page(renderer, uploads_dir, tmp_path, template):
    """Logos, the funding flag and a signature with transparency are drawn by WeasyPrint in the first
    certificates and replayed in the next: the pages are the same to the pixel."""
    from lms.certificates.pdf import ReplayedSVG

    (uploads_dir / "faint.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><rect width="200" height="60"'
        ' fill="#1b2a6b" fill-opacity="0.5"/></svg>'
    )
    signatories = [{"name": "Eleni Papadaki", "title": "", "image": "uploads/faint.svg"}]
    view = make_view(template=template, signatories=signatories)
    drawn = renderer.render(view)  # as loaded: drawn by WeasyPrint
    renderer.render(view)  # from the cache: drawn by WeasyPrint and recorded
    images = [image for image in renderer.image_cache.values() if isinstance(image, ReplayedSVG)]
    assert len(images) == 3 and all(image.drawings for image in images)
    replayed = renderer.render(view)
    assert page_pixels(tmp_path, replayed, "replayed") == page_pixels(tmp_path, drawn, "drawn")


def test_only_self_contained_drawings_are_replayed():
    from lms.certificates.pdf import ReplayedSVG

    replayable = ReplayedSVG.replayable
    assert replayable([b"q", b"0 0 1 rg", b"/a0.5 gs", b"0 0 10 10 re", b"f", b"Q"]) == {("a", 0.5)}
    assert replayable([b"q", b"/A1.0 gs", b"Q"]) == {("A", 1.0)}
    assert replayable([b"q", b"BT", b"/f1 12 Tf", b"ET", b"Q"]) is None  # a font of one document
    assert replayable([b"q", b"/Im1 Do", b"Q"]) is None
    assert replayable([b"q", b"/a1 gs", b"Q"]) is None  # set_alpha would name it /a1.0
    assert replayable([b"q", b"f"]) is None  # not balanced
    assert replayable([b"q", b"Q", b"f"]) is None  # drawing outside its own state
    assert replayable(["/P1 BMC"]) is None
    assert replayable([]) is None


@pytest.mark.parametrize(("language", "name"), [("el", GREEK_NAME), ("mk", CYRILLIC_NAME)])
def test_every_font_is_embedded_as_a_subset(renderer, tmp_path, language, name):
    needs("pdffonts")
    path = write_pdf(tmp_path, renderer.render(make_view(language=language, name=name)))
    rows = [row.split() for row in run("pdffonts", str(path)).splitlines()[2:]]
    assert len(rows) == len(BUNDLED_FONTS)
    # name, type (two words), encoding, then emb, sub and uni
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), rows
    assert name in pdf_text(path)
