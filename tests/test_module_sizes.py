"""Rules about the source itself: modules small enough to read, and no measurements in comments."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
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


# A figure with a unit of time or size: a measurement, at home in docs/performance.md.
MEASUREMENT = re.compile(r"\d (ms|µs|MB|MiB|KiB)\b|\d\.\d* s\b")
# Facts of Python, SQLite or arithmetic that comments state with a unit; not measurements.
FACTS = (
    "(at least 10 ms): 150 ms a minute",
    "0.8 s is 800 ms, not 801",
    "its default is 2 MB",
    "holding 2 MB of pages",
    "Python's default is 5 ms",
)


def _comments_and_docstrings(path: Path) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source)):
        documented = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        if isinstance(node, documented) and (docstring := ast.get_docstring(node)) is not None:
            yield getattr(node, "lineno", 1), docstring


def test_comments_give_reasons_and_leave_measurements_to_the_performance_notes():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _comments_and_docstrings(path):
            text = " ".join(text.split())  # a phrase may be wrapped over lines
            for fact in FACTS:
                text = text.replace(fact, "")
            found += [
                f"{path.relative_to(PACKAGE)}:{line}: {m[0]}" for m in MEASUREMENT.finditer(text)
            ]
    assert found == []
