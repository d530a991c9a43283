"""Copy pinned third-party files from the npm registry into the repository (never edit the copies by hand).

    python3 .ci/vendor.py            # fetch every asset below that is missing or of another version
    python3 .ci/vendor.py --check    # exit 1 if a copy is missing or differs from its pinned package

Each asset is one file out of one npm package at a pinned version, fetched with `npm pack` (so npm's
registry settings and integrity checks apply), with the package's licence beside it and a VERSION file.
"""

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (package, version, files in the package, destination folder in the repository)
ASSETS = [
    # axe-core: the accessibility checker the browser tests inject into every page (tests only, not shipped).
    ("axe-core", "4.11.1", ["axe.min.js", "LICENSE"], "tests/e2e/vendor/axe-core"),
    # GitHub's Markdown toolbar for a <textarea> (a web component, MIT): the lesson editor's buttons.
    (
        "@github/markdown-toolbar-element",
        "2.2.3",
        ["dist/index.js", "LICENSE"],
        "static/vendor/markdown-toolbar-element",
    ),
]


def fetch(package: str, version: str, files: list[str], destination: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        command = ["npm", "pack", f"{package}@{version}", "--silent", "--pack-destination", tmp]
        subprocess.run(  # noqa: S603 - fixed arguments from ASSETS above; npm from PATH as a developer runs it
            command,  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            archive.extractall(tmp, filter="data")
        destination.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copyfile(Path(tmp) / "package" / name, destination / Path(name).name)
        (destination / "VERSION").write_text(f"{package}@{version} from the npm registry\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that each copy is there and pinned")
    args = parser.parse_args()
    stale = []
    for package, version, files, folder in ASSETS:
        destination = ROOT / folder
        pinned = f"{package}@{version} from the npm registry\n"
        version_file = destination / "VERSION"
        current = version_file.exists() and version_file.read_text() == pinned
        if current and all((destination / Path(name).name).exists() for name in files):
            continue
        if args.check:
            stale.append(f"{package}@{version} -> {folder}")
        else:
            fetch(package, version, files, destination)
            print(f"vendored {package}@{version} into {folder}")
    for line in stale:
        print(f"missing or stale: {line} (run python3 .ci/vendor.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
