"""XML from users (SCORM manifests, Moodle backups and question files) is read only through `parse_xml`.

It is defusedxml's expat parser with DTDs, entities and external references forbidden, so nothing is
ever expanded or fetched (billion laughs, XXE): <!DOCTYPE> is refused as soon as it starts. The tree's
elements know the line of their start tag (ElementTree keeps no positions), so a later refusal can name
it too; every refusal is an XmlError naming the file and the line.
"""

from xml.etree import ElementTree as ET
from xml.parsers.expat import ErrorString

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError


class XmlError(ValueError):
    """An XML file refused: `file` as the user knows it, `line` (None when no line applies), `message`."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file} line {line}: {message}" if line else f"{file}: {message}")


class Element(ET.Element):
    line = 1  # the line of the start tag, set while the tree is built


def parse_xml(data: bytes | str, file: str) -> Element:
    """The root element of the document; XmlError (naming `file`) if it is not well-formed or has a
    DTD, an entity or an external reference."""

    def element(tag, attrs):
        made = Element(tag, attrs)
        made.line = parser.parser.CurrentLineNumber  # expat is at this start tag right now
        return made

    parser = DefusedXMLParser(
        target=ET.TreeBuilder(element_factory=element),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        parser.feed(data)
        return parser.close()
    except ParseError as error:
        raise XmlError(
            file, error.position[0] or 1, f"not well-formed XML: {ErrorString(error.code)}"
        ) from None
    except DTDForbidden:
        message = "XML DTDs (<!DOCTYPE ...>) and entities are not allowed"
    except EntitiesForbidden:
        message = "XML entities are not allowed"
    except ExternalReferenceForbidden:
        message = "external XML references are not allowed"
    raise XmlError(file, parser.parser.CurrentLineNumber or 1, message)
