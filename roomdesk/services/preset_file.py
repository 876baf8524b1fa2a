"""The presets file: a small JSON file in the config folder that the window and the command
line both read and write.

Written whole to a temporary file and renamed over the old one, readable by the owner only. A
file that cannot be read as presets is moved aside (``presets.json.corrupt-<UTC time>``) with a
warning, and an empty list started; a damaged preset inside a good file is skipped with a
warning and written back as it was, so a later roomdesk that understands it still has it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roomdesk.secrets import KeychainError, NamedSecrets
from roomdesk.services.presets import (
    PRESET_VERSION,
    Preset,
    PresetSecrets,
    find_preset,
    presets_from_list,
    read_secrets,
)
from roomdesk.sessions.files import OutputFileError, write_atomically, write_problem

log = logging.getLogger(__name__)


class PresetFileError(Exception):
    """The presets file could not be read or written; the message says which and why."""


@dataclass
class PresetList:
    """The presets as read; ``warnings`` are the sentences to show once; ``kept_raw`` holds the
    entries that could not be read, to write back untouched."""

    presets: list[Preset] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept_raw: list[Any] = field(default_factory=list)


class PresetFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> PresetList:
        """The presets in the file; an empty list when there is no file yet. Raises
        :class:`PresetFileError` only when the file is there but cannot be opened."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return PresetList()
        except OSError as exc:
            raise PresetFileError(
                f"The presets file {self.path} could not be read: {exc.strerror or exc}."
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("presets"), list):
                raise ValueError("it holds no list of presets")
        except (UnicodeDecodeError, ValueError) as exc:
            return PresetList(warnings=[self._move_aside(str(exc))])
        return PresetList(*presets_from_list(data["presets"]))

    def save(self, presets: Iterable[Preset], kept_raw: Iterable[Any] = ()) -> None:
        """Write ``presets`` (then ``kept_raw`` as they were) over the file, whole or not at
        all; :class:`PresetFileError` when it cannot be written (the old file stays)."""
        data = {
            "version": PRESET_VERSION,
            "presets": [*(preset.to_dict() for preset in presets), *kept_raw],
        }
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if self._unreadable():
            raise PresetFileError(
                f"The presets file {self.path} cannot be read, so it was left as it is and "
                "nothing was saved: move it away or fix it, then try again."
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomically(self.path, text.encode("utf-8"), mode=0o600)
        except (OSError, OutputFileError) as exc:
            reason = write_problem(exc) if isinstance(exc, OSError) else str(exc)
            raise PresetFileError(
                f"The presets could not be saved to {self.path}: {reason}. "
                "The presets saved before are unchanged."
            ) from None

    def _unreadable(self) -> bool:
        """Whether a file is there that is not presets (one that could not be moved aside):
        writing over it would lose what it holds."""
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, UnicodeDecodeError, ValueError):
            return True
        return not isinstance(data, dict) or not isinstance(data.get("presets"), list)

    def _move_aside(self, reason: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        number = 1
        while target.exists():
            number += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
        try:
            os.rename(self.path, target)
        except OSError as exc:
            return (
                f"The presets file {self.path} could not be read ({reason}) nor moved aside "
                f"({exc.strerror or exc}); no presets are offered until it is fixed or removed."
            )
        log.info(
            "the presets file %s was unreadable (%s); moved it to %s", self.path, reason, target
        )
        return (
            f"The presets file {self.path} could not be read ({reason}). It was moved to "
            f"{target} and an empty list of presets was started."
        )


def save_presets(
    file: PresetFile,
    presets: list[Preset],
    *,
    kept_raw: Iterable[Any] = (),
    secrets: NamedSecrets | None = None,
    new_secrets: Mapping[str, str] | None = None,
    before: Iterable[Preset] = (),
) -> None:
    """Save ``presets``: first the ``new_secrets`` (name → secret) in the keychain, then the
    file, then the keychain entries only ``before`` referred to are removed. A keychain that
    cannot be used stops the save before the file is written (:class:`KeychainError`)."""
    for name, secret in (new_secrets or {}).items():
        if secrets is not None:
            secrets.set(name, secret)
    file.save(presets, kept_raw)
    if secrets is None:
        return
    in_use = {name for preset in presets for name in preset.secret_names}
    for name in {name for preset in before for name in preset.secret_names} - in_use:
        try:
            secrets.delete(name)
        except KeychainError as exc:  # the presets are saved; an entry left over is harmless
            log.info("a preset's secret %r could not be removed: %s", name, exc)


class PresetLibrary:
    """The presets as the window works with them: read once, then changed and written back
    whole. ``secrets`` None keeps no secrets (each preset's come back missing)."""

    def __init__(self, file: PresetFile, secrets: NamedSecrets | None) -> None:
        self.file = file
        self.secrets = secrets
        try:
            self._loaded = file.load()
        except PresetFileError as exc:
            self._loaded = PresetList(warnings=[str(exc)])

    @property
    def presets(self) -> list[Preset]:
        return list(self._loaded.presets)

    @property
    def warnings(self) -> list[str]:
        return list(self._loaded.warnings)

    def secrets_of(self, preset: Preset) -> PresetSecrets:
        """The secrets ``preset`` refers to; a keychain that cannot be asked counts as not
        having them (the messages then say to enter them again)."""
        secrets = self.secrets

        def lookup(name: str) -> str | None:
            if secrets is None:
                return None
            try:
                return secrets.get(name)
            except KeychainError as exc:
                log.info("a preset's secret %r could not be read: %s", name, exc)
                return None

        return read_secrets(preset, lookup)

    async def secrets_of_async(self, preset: Preset) -> PresetSecrets:
        """:meth:`secrets_of` off the event loop's thread: a keychain may take a while, or first
        ask the person to unlock it, and a window must keep drawing meanwhile."""
        if not preset.secret_names:
            return self.secrets_of(preset)  # nothing to ask the keychain
        import asyncio  # not at the top: the window is drawn before asyncio is imported

        return await asyncio.to_thread(self.secrets_of, preset)

    def put(self, preset: Preset, new_secrets: Mapping[str, str]) -> None:
        """Keep ``preset``, replacing the one of the same name (case aside)."""
        old = find_preset(self._loaded.presets, preset.name)
        kept = [preset if p is old else p for p in self._loaded.presets]
        self.replace_all(kept if old is not None else [*kept, preset], new_secrets)

    def replace_all(
        self, presets: list[Preset], new_secrets: Mapping[str, str] | None = None
    ) -> None:
        """Keep exactly ``presets``; raises :class:`PresetFileError` or :class:`KeychainError`
        with nothing changed in the file."""
        before = self._loaded.presets
        save_presets(
            self.file,
            presets,
            kept_raw=self._loaded.kept_raw,
            secrets=self.secrets,
            new_secrets=new_secrets,
            before=before,
        )
        self._loaded = PresetList(list(presets), [], self._loaded.kept_raw)


__all__ = ["PresetFile", "PresetFileError", "PresetLibrary", "PresetList", "save_presets"]
