"""The one parser for XML from users: refusals name the file and line; nothing is expanded or fetched."""

import pytest

from lms.safe_xml import XmlError, parse_xml


def test_elements_know_their_lines():
    root = parse_xml(b'<?xml version="1.0"?>\n<a>\n  <b/>\n  <c>text</c>\n</a>', "x.xml")
    assert [(el.tag, el.line) for el in root.iter()] == [("a", 2), ("b", 3), ("c", 4)]


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        ("<a>\n<b>\n</a>", 3, "not well-formed XML: mismatched tag"),
        ('<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<a>&x;</a>', 2, "XML DTDs"),
        ('<?xml version="1.0"?>\n\n<!DOCTYPE a SYSTEM "file:///etc/passwd">\n<a/>', 3, "XML DTDs"),
        ("<a>&undefined;</a>", 1, "not well-formed XML: undefined entity"),
    ],
)
def test_a_refusal_names_the_file_and_the_line(data, line, message):
    with pytest.raises(XmlError) as refused:
        parse_xml(data, "pkg.zip/course.xml")
    error = refused.value
    assert (error.file, error.line) == ("pkg.zip/course.xml", line) and error.message.startswith(message)
    assert str(error).startswith(f"pkg.zip/course.xml line {line}: {message}")


def test_an_error_without_a_line_names_the_file_only():
    assert str(XmlError("imsmanifest.xml", None, "no organizations")) == "imsmanifest.xml: no organizations"
