"""PySide6's import hook, made to check each newly imported module by reading its file once.

Importing PySide6 replaces Python's ``__import__``: every module imported afterwards is checked
for whether it uses PySide (for PySide's opt-in ``__feature__`` switches), with
``inspect.getsource``, which splits the file into lines and keeps them in ``linecache`` for the
rest of the run: time before the first frame, and memory holding source no one reads.

:func:`lighten_pyside_import_hook` swaps that check for one with the same answer ("PySide6" in
the module's source) that reads a plain ``.py`` file's bytes and keeps nothing; any other kind of
module (compiled only, built in, from an archive, a frozen app's) still gets PySide's own check.
The check is a private part of PySide: where it is not found as expected, nothing is changed.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

_FEATURE_MODULE = "shibokensupport.feature"  # where PySide 6.4 to 6.11 keep the check
_CHECK_NAME = "_mod_uses_pyside"
_MARKER = b"PySide6"  # what PySide's check looks for, as the bytes any ASCII-based source has


def _source_file(module: ModuleType) -> str | None:
    """The ``.py`` file inspect would read for the module; None for every other kind."""
    path = getattr(module, "__file__", None)
    return path if isinstance(path, str) and path.endswith(".py") else None


def _checked_by_reading(original: Any) -> Any:
    def mentions_pyside(module: ModuleType) -> bool:
        path = _source_file(module)
        if path is not None:
            try:
                with open(path, "rb") as source:
                    return _MARKER in source.read()
            except OSError:
                pass
        return bool(original(module))

    mentions_pyside.roomdesk_original = original  # type: ignore[attr-defined]
    return mentions_pyside


def lighten_pyside_import_hook() -> bool:
    """Import PySide6 and swap its per-import check (see the module notes); whether it did.

    Call it before PySide6's modules (QtCore, QtWidgets…) are imported, so they and all that
    follow are checked the light way. Calling it again changes nothing.
    """
    import PySide6  # noqa: F401  (installs the import hook)

    feature = sys.modules.get(_FEATURE_MODULE)
    check = getattr(feature, _CHECK_NAME, None)
    if feature is None or not callable(check):
        return False
    if hasattr(check, "roomdesk_original"):
        return True
    setattr(feature, _CHECK_NAME, _checked_by_reading(check))
    return True
