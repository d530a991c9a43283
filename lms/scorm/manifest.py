"""imsmanifest.xml of a SCORM 1.2 or 2004 package: its title, its launchable items (SCOs and assets).

The file comes from someone else, so it goes through lms.safe_xml (defusedxml) with DTDs, entities and
external references forbidden. Namespaces vary between versions and authoring tools, so elements are
matched by their local name, and `adlcp:scormtype` (1.2) and `adlcp:scormType` (2004) by name whatever
the case.
Every refusal names the file, the line and the problem.
"""

import posixpath
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import unquote, urlsplit

from lms.safe_xml import XmlError, parse_xml

MANIFEST = "imsmanifest.xml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
MAX_ITEMS = 500


class ManifestError(XmlError):
    """A manifest refused: the line (None when no line applies) and the problem."""

    def __init__(self, line: int | None, message: str):
        super().__init__(MANIFEST, line, message)


@dataclass
class Item:
    """A launchable item of the organization: a SCO (talks to the runtime API) or an asset."""

    identifier: str
    title: str
    href: str  # path inside the package, with the item's parameters
    scorm_type: str  # "sco" or "asset"
    launch_data: str = ""
    mastery_score: float | None = None  # SCORM 1.2 adlcp:masteryscore (0-100)
    max_time_allowed: str = ""
    time_limit_action: str = ""
    depth: int = 0  # nesting in the organization, for the table of contents


@dataclass
class Manifest:
    version: str  # "1.2" or "2004"
    title: str
    items: list[Item] = field(default_factory=list)

    @property
    def scos(self) -> list[Item]:
        return [item for item in self.items if item.scorm_type == "sco"]

    def item(self, identifier: str) -> Item | None:
        return next((item for item in self.items if item.identifier == identifier), None)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Manifest":
        return cls(data["version"], data["title"], [Item(**item) for item in data.get("items", [])])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(parent, name: str) -> list:
    return [child for child in parent if _local(child.tag) == name]


def _child(parent, name: str):
    found = _children(parent, name)
    return found[0] if found else None


def _text(parent, name: str) -> str:
    child = _child(parent, name) if parent is not None else None
    return (child.text or "").strip() if child is not None else ""


def _attribute(element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace and case (scormtype / scormType)."""
    for key, value in element.attrib.items():
        if _local(key).lower() == name.lower():
            return value
    return None


def _version(root) -> str:
    schema = _text(_child(root, "metadata"), "schemaversion")
    if schema:
        if schema.startswith("1.2"):
            return "1.2"
        if "2004" in schema or schema.startswith("CAM 1.3") or schema.startswith("1.3"):
            return "2004"
    namespaces = {element.tag.partition("}")[0].lstrip("{") for element in root.iter() if "}" in element.tag}
    for element in root.iter():
        namespaces.update(key.partition("}")[0].lstrip("{") for key in element.attrib if "}" in key)
    if any("adlcp_v1p3" in ns or "imsss" in ns or "adlseq" in ns for ns in namespaces):
        return "2004"
    if schema:
        raise ManifestError(
            _child(_child(root, "metadata"), "schemaversion").line,
            f"schema version '{schema[:40]}' is not SCORM 1.2 or 2004",
        )
    return "1.2"


def _join(*parts: str) -> str:
    """xml:base values (each read as a folder, with or without its final '/') and an href joined as
    a path inside the package."""
    *bases, href = parts
    folder = ""
    for base in bases:
        if base:
            folder = base if base.startswith("/") else posixpath.join(folder, base)
    return posixpath.join(folder, href) if folder and not href.startswith("/") else href


def _launch_path(line: int, identifier: str, href: str) -> tuple[str, str]:
    """(the file inside the package, the query and fragment after it)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("/") or "\\" in href:
        raise ManifestError(
            line, f"resource '{identifier}' launches '{href[:100]}': only files inside the package"
        )
    path = posixpath.normpath(unquote(parts.path))
    if path.startswith("../") or path == ".." or path.startswith("/"):
        raise ManifestError(line, f"resource '{identifier}' launches '{href[:100]}', outside the package")
    rest = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return path, rest


def _with_parameters(href: str, parameters: str) -> str:
    """An item's `parameters` added to its resource's href (SCORM CAM 1.2 3.4.1.14)."""
    parameters = parameters.strip()
    if not parameters:
        return href
    while parameters[:1] in ("?", "&"):
        parameters = parameters[1:]
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    return href + ("&" if "?" in href else "?") + parameters


def _number(line: int, raw: str, what: str) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ManifestError(line, f"{what} '{raw[:40]}' is not a number") from None
    if not 0 <= value <= 100:
        raise ManifestError(line, f"{what} '{raw[:40]}' must be from 0 to 100")
    return value


def parse_manifest(data: bytes, files: set[str] | None = None) -> Manifest:
    """The package's manifest; ManifestError naming the line and problem. With `files` (the paths in
    the package), every launched file must be one of them."""
    try:
        root = parse_xml(data, MANIFEST)
    except XmlError as error:
        raise ManifestError(error.line, error.message) from None
    if _local(root.tag) != "manifest":
        raise ManifestError(root.line, f"the root element is <{_local(root.tag)}>, not <manifest>")
    version = _version(root)
    organizations = _child(root, "organizations")
    resources_element = _child(root, "resources")
    if resources_element is None:
        raise ManifestError(root.line, "there is no <resources> element")
    bases = (root.get(XML_BASE, ""), resources_element.get(XML_BASE, ""))
    resources = {}
    for resource in _children(resources_element, "resource"):
        identifier = resource.get("identifier", "")
        if not identifier:
            raise ManifestError(resource.line, "a <resource> has no identifier")
        resources[identifier] = resource
    organization = None
    if organizations is not None:
        found = _children(organizations, "organization")
        default = organizations.get("default")
        if default:
            organization = next((o for o in found if o.get("identifier") == default), None)
            if organization is None:
                raise ManifestError(
                    organizations.line, f"the default organization '{default[:60]}' is not in the manifest"
                )
        elif found:
            organization = found[0]
    items: list[Item] = []

    def launchable(resource, identifier: str, title: str, line: int, parameters: str, extra, depth: int):
        href = resource.get("href", "")
        if not href:
            return None
        if urlsplit(href).scheme or href.startswith(("/", "//")):
            raise ManifestError(
                resource.line,
                f"resource '{resource.get('identifier')}' launches '{href[:100]}': "
                "only files inside the package",
            )
        path, rest = _launch_path(
            resource.line, resource.get("identifier", ""), _join(*bases, resource.get(XML_BASE, ""), href)
        )
        if files is not None and path not in files:
            raise ManifestError(
                resource.line,
                f"resource '{resource.get('identifier')}' launches {path}, which is not in the package",
            )
        scorm_type = (_attribute(resource, "scormtype") or "asset").strip().lower()
        if scorm_type not in ("sco", "asset"):
            raise ManifestError(
                resource.line, f"adlcp:scormtype '{scorm_type[:20]}' is neither 'sco' nor 'asset'"
            )
        text = {name: (child.text or "").strip() for name, child in extra.items()}
        mastery = text.get("masteryscore")
        return Item(
            identifier=identifier,
            title=title or identifier,
            href=_with_parameters(path + rest, parameters),
            scorm_type=scorm_type,
            launch_data=text.get("datafromlms", ""),
            mastery_score=_number(extra["masteryscore"].line, mastery, "adlcp:masteryscore")
            if mastery
            else None,
            max_time_allowed=text.get("maxtimeallowed", ""),
            time_limit_action=text.get("timelimitaction", ""),
            depth=depth,
        )

    def walk(parent, depth: int) -> None:
        for item in _children(parent, "item"):
            identifier = item.get("identifier", "")
            if not identifier:
                raise ManifestError(item.line, "an <item> has no identifier")
            if (item.get("isvisible") or "true").lower() == "false":
                continue
            reference = item.get("identifierref")
            if reference:
                resource = resources.get(reference)
                if resource is None:
                    raise ManifestError(
                        item.line,
                        f"item '{identifier[:60]}' points at resource '{reference[:60]}', "
                        "which the manifest does not list",
                    )
                extra = {
                    _local(child.tag).lower(): child
                    for child in item
                    if _local(child.tag).lower()
                    in ("masteryscore", "datafromlms", "maxtimeallowed", "timelimitaction")
                }
                found = launchable(
                    resource,
                    identifier,
                    _text(item, "title"),
                    item.line,
                    item.get("parameters", ""),
                    extra,
                    depth,
                )
                if found is not None:
                    items.append(found)
            if len(items) > MAX_ITEMS:
                raise ManifestError(item.line, f"more than {MAX_ITEMS} items")
            walk(item, depth + 1)

    title = ""
    if organization is not None:
        title = _text(organization, "title")
        walk(organization, 0)
    if not items:
        # No organization (allowed for a package of resources): each launchable resource is an item.
        for identifier, resource in resources.items():
            found = launchable(resource, identifier, identifier, resource.line, "", {}, 0)
            if found is not None:
                items.append(found)
    if not items:
        raise ManifestError(
            root.line, "the manifest launches nothing: no item points at a resource with an href"
        )
    title = title or items[0].title
    return Manifest(version=version, title=re.sub(r"\s+", " ", title).strip()[:200], items=items)
