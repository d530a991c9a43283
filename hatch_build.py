"""Hatch build hook: compile the translation catalogues so no install needs a manual step."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_catalogues(root: Path) -> list[Path]:
    written = []
    for po_path in sorted((root / "lms" / "translations").glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        with po_path.open("rb") as po:
            catalogue = read_po(po, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo:
            write_mo(mo, catalogue)
        written.append(mo_path)
    return written


class CompileCatalogues(BuildHookInterface):
    def initialize(self, version, build_data):
        compile_catalogues(Path(self.root))
