"""Every directory roomdesk reads or writes, resolved in one place.

``ROOMDESK_DATA_DIR`` overrides the whole layout (data, config and logs live below it), which
is what tests and portable installs use. Otherwise the platform's standard locations are used.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from roomdesk import APP_NAME
from roomdesk.store.db import StoreFolderError

DATA_DIR_ENV = "ROOMDESK_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def store_file(self) -> Path:
        return self.data_dir / "rooms.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.ini"

    @property
    def presets_file(self) -> Path:
        """The presets, which the window and the command line share."""
        return self.config_dir / "presets.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "roomdesk.log"

    @property
    def _folders(self) -> list[Path]:
        # On macOS the data and config folders are one.
        return list(dict.fromkeys((self.data_dir, self.config_dir, self.log_dir)))

    def ensure(self) -> AppPaths:
        """Create the missing directories, readable by the owner only.

        A folder that exists already keeps its mode: it may be shared on purpose (a
        ``ROOMDESK_DATA_DIR`` chosen by the person); :meth:`folder_warnings` says so instead.
        Raises :class:`~roomdesk.store.StoreFolderError` when a folder cannot be made.
        """
        for directory in self._folders:
            try:
                _make_private_dir(directory)
            except OSError as exc:
                raise StoreFolderError(directory, exc) from exc
        return self

    def folder_warnings(self) -> list[str]:
        """A sentence for each existing folder that other users may read or change."""
        if sys.platform == "win32":  # no POSIX modes: Windows folders inherit their ACLs
            return []
        found = []
        for directory in self._folders:
            try:
                mode = directory.stat().st_mode & 0o777
            except OSError:
                continue
            if mode & 0o077:
                found.append(
                    f"the folder {directory} is open to other users (mode {mode:o}); roomdesk "
                    "left it as it is and keeps the room list and log in it readable by you only"
                )
        return found


def _make_private_dir(directory: Path) -> None:
    """Create ``directory`` with mode 0700 unless it exists; an existing one is left alone."""
    try:
        directory.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        if directory.is_dir():
            return
        raise
    directory.chmod(0o700)  # mkdir's mode is filtered by the umask


def _platform_dirs(home: Path) -> tuple[Path, Path, Path]:
    if sys.platform == "win32":
        local = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        roaming = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
        return local / APP_NAME, roaming / APP_NAME, local / APP_NAME / "logs"
    if sys.platform == "darwin":
        support = home / "Library" / "Application Support" / APP_NAME
        return support, support, home / "Library" / "Logs" / APP_NAME
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP_NAME
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / APP_NAME
    state = Path(os.environ.get("XDG_STATE_HOME") or home / ".local" / "state") / APP_NAME
    return data, config, state / "logs"


def app_paths(environ: dict[str, str] | None = None) -> AppPaths:
    """The directories for this process, honouring ``ROOMDESK_DATA_DIR``."""
    env = os.environ if environ is None else environ
    override = env.get(DATA_DIR_ENV)
    if override:
        root = Path(override).expanduser()
        return AppPaths(data_dir=root, config_dir=root / "config", log_dir=root / "logs")
    data, config, logs = _platform_dirs(Path.home())
    return AppPaths(data_dir=data, config_dir=config, log_dir=logs)
