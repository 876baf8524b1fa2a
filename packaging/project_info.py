"""The facts every package is built from: name and version from pyproject.toml, and the ids.

The spec loads this file; the build scripts ask it from the shell:
``python packaging/project_info.py version`` (also: name, description, bundle-id, ...).
Only the standard library, so it runs before anything is installed.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# The desktop file, the icon and Qt's desktop file name (QGuiApplication.setDesktopFileName)
# all use this id, so window managers match the running window to the launcher.
DESKTOP_ID = "roomdesk"
# Reverse-DNS id for macOS (CFBundleIdentifier) and AppStream (the metainfo file).
BUNDLE_ID = "org.roomdesk.roomdesk"
# macOS: the oldest release PySide6 6.11's wheels support (macosx_13_0).
MACOS_MINIMUM_VERSION = "13.0"
# Placeholder until the project has a public address (the .deb's Maintainer field needs one).
MAINTAINER = "roomdesk developers <maintainers@roomdesk.invalid>"


@dataclass(frozen=True)
class ProjectInfo:
    name: str
    version: str
    description: str
    license: str

    @property
    def windows_version(self) -> str:
        """A version Windows' file properties accept: up to four numbers, e.g. 0.1.0.0."""
        numbers = []
        for part in self.version.split(".")[:4]:
            digits = "".join(character for character in part if character.isdigit())
            numbers.append(digits or "0")
        return ".".join(numbers + ["0"] * (4 - len(numbers)))


def read_project(root: Path = REPO_ROOT) -> ProjectInfo:
    with (root / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    license_field = project.get("license", {})
    license_text = license_field.get("text", "") if isinstance(license_field, dict) else ""
    return ProjectInfo(
        name=project["name"],
        version=project["version"],
        description=project.get("description", ""),
        license=license_text or str(license_field),
    )


def main(argv: list[str]) -> int:
    info = read_project()
    answers = {
        "name": info.name,
        "version": info.version,
        "windows-version": info.windows_version,
        "description": info.description,
        "license": info.license,
        "desktop-id": DESKTOP_ID,
        "bundle-id": BUNDLE_ID,
        "maintainer": MAINTAINER,
    }
    if len(argv) != 1 or argv[0] not in answers:
        print(f"usage: project_info.py {{{'|'.join(answers)}}}", file=sys.stderr)
        return 2
    print(answers[argv[0]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
