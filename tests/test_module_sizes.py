"""Rules about the source itself: modules small enough to read, and no measurements in comments."""

from __future__ import annotations

from pathlib import Path

import roomdesk

PACKAGE = Path(roomdesk.__file__).parent
# A module is read in a sitting: a little over a thousand lines is the most any may have.
MAX_MODULE_LINES = 1_100


def test_no_module_is_too_long_to_read():
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
