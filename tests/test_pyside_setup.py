"""The lighter per-import check swapped into PySide6's import hook (roomdesk.pyside_setup)."""

from __future__ import annotations

import importlib
import linecache
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from roomdesk import pyside_setup
from roomdesk.pyside_setup import lighten_pyside_import_hook


@pytest.fixture
def feature_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """PySide's feature module, with its own check put back after the test."""
    import PySide6  # noqa: F401

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not hasattr(feature, "_mod_uses_pyside"):
        pytest.skip("this PySide6 has no shibokensupport.feature._mod_uses_pyside")
    check = feature._mod_uses_pyside
    original = getattr(check, "roomdesk_original", check)
    monkeypatch.setattr(feature, "_mod_uses_pyside", original)
    return feature


def _import_from(directory: Path, name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    (directory / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(directory))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


def test_the_light_check_answers_as_pysides_own_for_every_loaded_module(
    feature_module: ModuleType,
) -> None:
    import roomdesk.store.db
    import roomdesk.ui.main_window  # noqa: F401

    original = feature_module._mod_uses_pyside
    assert lighten_pyside_import_hook() is True
    light = feature_module._mod_uses_pyside
    assert light is not original
    assert light.roomdesk_original is original
    modules = [module for module in list(sys.modules.values()) if isinstance(module, ModuleType)]
    answers = {module.__name__: light(module) for module in modules}
    assert answers == {module.__name__: bool(original(module)) for module in modules}
    # Both answers occur, so the comparison means something.
    assert answers["roomdesk.ui.main_window"] is True
    assert answers["roomdesk.store.db"] is False


def test_a_module_file_is_read_without_filling_linecache(
    feature_module: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lighten_pyside_import_hook()
    check = feature_module._mod_uses_pyside
    uses = _import_from(tmp_path, "uses_qt_sample", "from PySide6 import QtCore\n", monkeypatch)
    plain = _import_from(tmp_path, "plain_sample", "VALUE = 'Qt' + 'Side'\n", monkeypatch)
    non_ascii = _import_from(
        tmp_path, "non_ascii_sample", "# Größe, déjà vu\nNAME = 'PySide6 ü'\n", monkeypatch
    )
    linecache.clearcache()
    assert check(uses) is True
    assert check(plain) is False
    assert check(non_ascii) is True
    for module in (uses, plain, non_ascii):
        assert module.__file__ not in linecache.cache


def test_modules_without_a_py_file_get_pysides_own_check(
    feature_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def recording_check(module: ModuleType) -> bool:
        seen.append(module.__name__)
        return True

    monkeypatch.setattr(feature_module, "_mod_uses_pyside", recording_check)
    lighten_pyside_import_hook()
    check = feature_module._mod_uses_pyside
    missing_file = ModuleType("moved_away")
    missing_file.__file__ = "/nonexistent/roomdesk-test/moved_away.py"
    compiled_only = ModuleType("compiled_only")
    compiled_only.__file__ = "/somewhere/compiled_only.cpython-311.so"
    assert check(sys) is True  # built in: no __file__
    assert check(missing_file) is True
    assert check(compiled_only) is True
    assert seen == ["sys", "moved_away", "compiled_only"]


def test_a_second_call_keeps_one_light_check(feature_module: ModuleType) -> None:
    original = feature_module._mod_uses_pyside
    lighten_pyside_import_hook()
    light = feature_module._mod_uses_pyside
    assert lighten_pyside_import_hook() is True
    assert feature_module._mod_uses_pyside is light
    assert light.roomdesk_original is original


def test_a_pyside_without_the_check_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import PySide6  # noqa: F401

    stand_in = SimpleNamespace(pyside_feature_dict={})
    monkeypatch.setitem(sys.modules, pyside_setup._FEATURE_MODULE, stand_in)
    assert lighten_pyside_import_hook() is False
    assert vars(stand_in) == {"pyside_feature_dict": {}}
    monkeypatch.delitem(sys.modules, pyside_setup._FEATURE_MODULE)
    assert lighten_pyside_import_hook() is False
