"""Collect the licences of everything a build bundles, for packaging/roomdesk.spec.

Walks roomdesk's requirements in the build venv (markers evaluated for this platform), adds
Python and PyInstaller (its bootloader is in every bundle), and writes ``<out>/THIRD-PARTY.txt``
(name, version, licence of each) plus the licence files found under ``<out>/<name>/``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata as metadata
import re
import shutil
import sys
import sysconfig
from pathlib import Path

from packaging.requirements import Requirement

APP_DISTRIBUTION = "roomdesk"
# Bundled without being a requirement: the bootloader. Its own requirements are build-time only.
ALSO_BUNDLED = ("pyinstaller",)
_LICENCE_FILE = re.compile(r"(licen[cs]e|copying|notice|authors)", re.IGNORECASE)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def bundled_distributions() -> list[metadata.Distribution]:
    """roomdesk, everything it requires here, and the bootloader's; each once, by name."""
    seen: dict[str, metadata.Distribution] = {}
    for name in ALSO_BUNDLED:
        # Absent outside a build venv (the tests run the spec too).
        with contextlib.suppress(metadata.PackageNotFoundError):
            seen[_normal(name)] = metadata.distribution(name)
    pending = [APP_DISTRIBUTION]
    while pending:
        name = _normal(pending.pop())
        if name in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional or other-platform requirement that is not installed
        seen[name] = distribution
        for text in distribution.requires or ():
            requirement = Requirement(text)
            # Extras are not installed for the app; only unconditional or matching markers.
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return [seen[name] for name in sorted(seen)]


def _field(meta: metadata.PackageMetadata, name: str) -> str:
    """The first value of the metadata field ``name``; "" when the package leaves it out."""
    values = meta.get_all(name) or []
    return str(values[0]) if values else ""


def licence_of(distribution: metadata.Distribution) -> str:
    meta = distribution.metadata
    expression = _field(meta, "License-Expression")
    if expression:
        return expression
    text = _field(meta, "License").strip()
    if text and len(text) < 80 and "\n" not in text:
        return text
    classifiers = [
        value.rsplit(" :: ", 1)[-1]
        for value in meta.get_all("Classifier") or []
        if value.startswith("License ::")
    ]
    return ", ".join(classifiers) or "see the licence files"


def collect(out_dir: Path) -> Path:
    """Write the licences to ``out_dir`` (emptied first); returns ``out_dir``."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    lines = ["Third-party software in this roomdesk build", ""]
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    lines.append(f"Python {sys.version.split()[0]}: PSF-2.0")
    if python_licence.is_file():
        (out_dir / "python").mkdir()
        shutil.copyfile(python_licence, out_dir / "python" / "LICENSE.txt")
    for distribution in bundled_distributions():
        name = distribution.metadata["Name"]
        lines.append(f"{name} {distribution.version}: {licence_of(distribution)}")
        for file in distribution.files or ():
            if _LICENCE_FILE.search(file.name) and not file.name.endswith((".py", ".pyc")):
                source = Path(str(distribution.locate_file(file)))
                if source.is_file():
                    target = out_dir / _normal(name) / file.name
                    target.parent.mkdir(exist_ok=True)
                    shutil.copyfile(source, target)
    (out_dir / "THIRD-PARTY.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir
