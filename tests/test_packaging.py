"""Static checks of the packaging files; none needs PyInstaller, Inno Setup or dmgbuild.

The PyInstaller spec is executed with stand-ins for PyInstaller's build classes, which record
what the spec asks for, so its choices (keyring backends, excluded Qt modules, resources, the
macOS bundle's Info.plist) are checked on every platform.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import types
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGING = REPO_ROOT / "packaging"
RESOURCES = REPO_ROOT / "resources"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def load_packaging_module(name: str) -> types.ModuleType:
    """A helper from packaging/ (a folder, not a package: PyPI's "packaging" has that name)."""
    module_name = "packaging_" + name.replace("/", "_")
    spec = importlib.util.spec_from_file_location(module_name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- the PyInstaller spec ----------------------------------------------------------------------


class Recorder:
    """Stands in for Analysis, PYZ, EXE, COLLECT and BUNDLE: keeps the arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        # What Analysis offers the spec afterwards.
        self.binaries: list[tuple[str, str, str]] = []
        self.datas: list[tuple[str, str, str]] = list(kwargs.get("datas") or [])
        self.scripts: list[Any] = []
        self.pure: list[Any] = []


def run_spec(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str, binaries: list | None = None
) -> dict[str, Any]:
    """Execute the spec as PyInstaller would on ``platform``; returns its namespace."""
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package: [f"{package}.<submodule>"]  # type: ignore[attr-defined]
    hooks.copy_metadata = lambda name: [  # type: ignore[attr-defined]
        (f"/site/{name}.dist-info", f"{name}.dist-info")
    ]
    versioninfo = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in (
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ):
        setattr(versioninfo, name, Recorder)
    for name in ("PyInstaller", "PyInstaller.utils", "PyInstaller.utils.win32"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32.versioninfo", versioninfo)
    sys.modules["PyInstaller.utils.win32"].versioninfo = versioninfo  # type: ignore[attr-defined]

    def analysis(*args: Any, **kwargs: Any) -> Recorder:
        recorder = Recorder(*args, **kwargs)
        recorder.binaries = list(binaries or [])
        return recorder

    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "SPECPATH": str(PACKAGING),
        "workpath": str(tmp_path / "work"),
        "Analysis": analysis,
        "PYZ": Recorder,
        "EXE": Recorder,
        "COLLECT": Recorder,
        "BUNDLE": Recorder,
    }
    source = (PACKAGING / "roomdesk.spec").read_text(encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(sys, "platform", platform)
        exec(compile(source, str(PACKAGING / "roomdesk.spec"), "exec"), namespace)
    return namespace


@pytest.fixture
def linux_spec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    return run_spec(monkeypatch, tmp_path, "linux")


def test_spec_compiles() -> None:
    compile((PACKAGING / "roomdesk.spec").read_text(encoding="utf-8"), "roomdesk.spec", "exec")


def test_spec_takes_name_and_version_from_pyproject(linux_spec: dict[str, Any]) -> None:
    assert linux_spec["APP_NAME"] == PYPROJECT["project"]["name"]
    assert linux_spec["VERSION"] == PYPROJECT["project"]["version"]
    exe, collect = linux_spec["exe"], linux_spec["coll"]
    assert exe.kwargs["name"] == collect.kwargs["name"] == "roomdesk"
    assert exe.kwargs["console"] is False  # windowed
    assert exe.kwargs["exclude_binaries"] is True  # one folder, not one file
    assert exe.kwargs["upx"] is False


def test_spec_bundles_keyring_backends_and_their_metadata(linux_spec: dict[str, Any]) -> None:
    analysis = linux_spec["a"]
    hidden = set(analysis.kwargs["hiddenimports"])
    for backend in ("SecretService", "macOS", "Windows", "chainer", "fail", "null"):
        assert f"keyring.backends.{backend}" in hidden
    assert {"secretstorage", "jeepney.<submodule>", "truststore", "tzdata"} <= hidden
    assert "PySide6.QtNetwork" in hidden
    destinations = {destination for _source, destination in analysis.kwargs["datas"]}
    # Entry points live in the dist-info: without it keyring only has its fail backend.
    assert "keyring.dist-info" in destinations
    assert "licenses" in destinations


def test_spec_bundles_the_resources(linux_spec: dict[str, Any]) -> None:
    datas = linux_spec["a"].kwargs["datas"]
    bundled = {Path(destination) / Path(source).name for source, destination in datas}
    for path in (
        "roomdesk.svg",
        "roomdesk.desktop",
        "icons/copy.svg",
        "icons/app/roomdesk-256.png",
    ):
        assert Path("resources") / path in bundled
    # Each platform's icon container only in its own build.
    assert Path("resources/icons/app/roomdesk.ico") not in bundled


def test_spec_excludes_unused_qt_modules(linux_spec: dict[str, Any]) -> None:
    excludes = set(linux_spec["a"].kwargs["excludes"])
    for module in (
        "QtQml",
        "QtQuick",
        "QtPdf",
        "QtMultimedia",
        "QtWebEngineCore",
        "QtWebEngineWidgets",
        "Qt3DCore",
        "QtCharts",
        "QtDataVisualization",
        "QtBluetooth",
        "QtSensors",
        "QtSerialPort",
        "QtOpenGL",
    ):
        assert f"PySide6.{module}" in excludes
    for needed in ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtNetwork"):
        assert f"PySide6.{needed}" not in excludes


def test_spec_drops_translations_unused_plugins_and_system_desktop_libraries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    qt = "PySide6/Qt"
    binaries = [
        (f"{qt}/plugins/platforms/libqxcb.so", "/site/libqxcb.so", "BINARY"),
        (f"{qt}/plugins/platforms/libqoffscreen.so", "/site/libqoffscreen.so", "BINARY"),
        (f"{qt}/plugins/platforms/libqeglfs.so", "/site/libqeglfs.so", "BINARY"),
        (f"{qt}/plugins/imageformats/libqsvg.so", "/site/libqsvg.so", "BINARY"),
        (f"{qt}/plugins/imageformats/libqjpeg.so", "/site/libqjpeg.so", "BINARY"),
        (f"{qt}/plugins/tls/libqopensslbackend.so", "/site/tls.so", "BINARY"),
        ("libgtk-3.so.0", "/lib/x86_64-linux-gnu/libgtk-3.so.0", "BINARY"),
        ("libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "BINARY"),
        ("libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "BINARY"),
        ("libpython3.11.so.1.0", "/opt/python/lib/libpython3.11.so.1.0", "BINARY"),
    ]
    spec = run_spec(monkeypatch, tmp_path, "linux", binaries)
    kept = {Path(destination).name for destination, _source, _kind in spec["a"].binaries}
    assert kept == {
        "libqxcb.so",
        "libqoffscreen.so",
        "libqsvg.so",
        "libssl.so.3",
        "libpython3.11.so.1.0",
    }
    assert spec["is_unused"]((f"{qt}/translations/qtbase_de.qm", "x", "DATA"))
    assert spec["is_unused"](("PySide6/opengl32sw.dll", "x", "BINARY"))
    assert spec["is_unused"](("PySide6/plugins/imageformats/qgif.dll", "x", "BINARY"))
    assert not spec["is_unused"](("PySide6/plugins/platforms/qwindows.dll", "x", "BINARY"))


def test_spec_builds_a_macos_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = run_spec(monkeypatch, tmp_path, "darwin")
    bundle = spec["app"].kwargs
    version = PYPROJECT["project"]["version"]
    assert bundle["name"] == "roomdesk.app"
    assert bundle["bundle_identifier"] == load_packaging_module("project_info").BUNDLE_ID
    assert bundle["icon"].endswith("roomdesk.icns")
    plist = bundle["info_plist"]
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == version
    assert plist["NSHighResolutionCapable"] is True
    assert plist["LSMinimumSystemVersion"] == "13.0"


def test_spec_gives_windows_an_icon_and_version_info(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = run_spec(monkeypatch, tmp_path, "win32")
    exe = spec["exe"].kwargs
    assert exe["icon"].endswith("roomdesk.ico")
    assert exe["version"] is not None
    assert "app" not in spec  # no BUNDLE off macOS
    assert "secretstorage" not in spec["a"].kwargs["hiddenimports"]


def test_project_info_reads_pyproject() -> None:
    project_info = load_packaging_module("project_info")
    info = project_info.read_project()
    assert (info.name, info.version) == (
        PYPROJECT["project"]["name"],
        PYPROJECT["project"]["version"],
    )
    assert len(info.windows_version.split(".")) == 4
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "project_info.py"), "version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == PYPROJECT["project"]["version"]


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for init in (REPO_ROOT / "roomdesk").rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


# --- desktop integration -------------------------------------------------------------------------


def test_desktop_file_is_valid() -> None:
    desktop_file = RESOURCES / "roomdesk.desktop"
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run(
            [validator, str(desktop_file)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "error" not in result.stdout.lower()
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(desktop_file, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == entry["TryExec"] == "roomdesk"
    assert entry["Icon"] == "roomdesk"
    assert entry["Terminal"] == "false"
    assert {"Network", "VideoConference"} <= set(filter(None, entry["Categories"].split(";")))
    # Window managers match the window to this entry by Qt's desktop file name.
    assert entry["StartupWMClass"] == "roomdesk"
    assert 'setDesktopFileName("roomdesk")' in (REPO_ROOT / "roomdesk" / "app.py").read_text()


def test_metainfo_matches_the_project() -> None:
    root = ElementTree.parse(RESOURCES / "roomdesk.metainfo.xml").getroot()
    assert root.findtext("id") == load_packaging_module("project_info").BUNDLE_ID
    assert root.find("launchable").text == "roomdesk.desktop"
    releases = [release.get("version") for release in root.iter("release")]
    assert PYPROJECT["project"]["version"] in releases


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_generated_icons_exist_with_their_sizes() -> None:
    make_icons = load_packaging_module("make_icons")
    output = RESOURCES / "icons" / "app"
    for size in make_icons.PNG_SIZES:
        assert png_size((output / f"roomdesk-{size}.png").read_bytes()) == (size, size)

    ico = (output / "roomdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sizes = []
    for index in range(count):
        width, height, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * index : 22 + 16 * index]
        )
        image = ico[offset : offset + length]
        assert png_size(image) == (width or 256, height or 256)
        sizes.append(width or 256)
    assert sizes == sorted(make_icons.ICO_SIZES)

    icns = (output / "roomdesk.icns").read_bytes()
    magic, total = struct.unpack(">4sI", icns[:8])
    assert magic == b"icns" and total == len(icns)
    position, chunks = 8, {}
    while position < len(icns):
        kind, length = struct.unpack(">4sI", icns[position : position + 8])
        chunks[kind] = png_size(icns[position + 8 : position + length])[0]
        position += length
    assert chunks == {kind: size for kind, size in make_icons.ICNS_TYPES}

    # Small enough to commit and ship.
    assert sum(path.stat().st_size for path in output.iterdir()) < 200_000


# --- installers and build scripts ----------------------------------------------------------------


def test_inno_setup_script_installs_per_user() -> None:
    lines = {
        line.split("=", 1)[0].strip(): line.split("=", 1)[1].strip()
        for line in (PACKAGING / "windows" / "roomdesk.iss").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith((";", "#", "Name:", "Source:", "Type:"))
    }
    assert lines["PrivilegesRequired"] == "lowest"
    assert lines["DefaultDirName"] == r"{localappdata}\Programs\{#AppName}"
    assert lines["AppVersion"] == "{#AppVersion}"  # passed in by build-windows.ps1
    iss = (PACKAGING / "windows" / "roomdesk.iss").read_text()
    assert "{autoprograms}" in iss  # the Start menu entry
    assert "/DAppVersion=$Version" in (PACKAGING / "build-windows.ps1").read_text()


def test_dmg_settings_name_the_app_and_applications(tmp_path: Path) -> None:
    app = tmp_path / "roomdesk.app"
    settings = (PACKAGING / "macos" / "dmg_settings.py").read_text(encoding="utf-8")
    namespace: dict[str, Any] = {
        "defines": {"app": str(app)},
        "__file__": str(PACKAGING / "macos" / "dmg_settings.py"),
    }
    exec(compile(settings, "dmg_settings.py", "exec"), namespace)
    assert namespace["files"] == [str(app)]
    assert namespace["symlinks"] == {"Applications": "/Applications"}
    assert set(namespace["icon_locations"]) == {"roomdesk.app", "Applications"}
    assert Path(namespace["icon"]).is_file()


@pytest.mark.parametrize(
    "script",
    ["build-linux.sh", "build-macos.sh", "linux/install-desktop-entry.sh"],
)
def test_shell_scripts_parse(script: str) -> None:
    subprocess.run(["bash", "-n", str(PACKAGING / script)], check=True)


@pytest.mark.parametrize("script", ["linux/postinst", "linux/postrm"])
def test_maintainer_scripts_parse(script: str) -> None:
    path = PACKAGING / script
    subprocess.run(["sh", "-n", str(path)], check=True)
    assert path.stat().st_mode & 0o111, f"{script} must be executable"


def test_build_requirements_pin_the_tested_tools() -> None:
    pins = {
        line.split("==")[0].strip(): line.split("==")[1].split(";")[0].strip()
        for line in (PACKAGING / "requirements-build.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    assert {"pyinstaller", "PySide6-Essentials", "dmgbuild"} <= set(pins)
    assert pins["PySide6-Essentials"] != "6.12.0"  # broken on Python 3.11
    # PyInstaller must stay out of the test extra: CI installs it in the build venv only.
    test_extra = PYPROJECT["project"]["optional-dependencies"]["test"]
    assert not any("pyinstaller" in requirement.lower() for requirement in test_extra)


def test_ci_workflow_builds_and_self_tests_on_every_os() -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "build.yml").read_text())
    jobs = workflow["jobs"]
    assert {"linux", "windows", "macos"} <= set(jobs)
    for name, job in jobs.items():
        commands = "\n".join(step.get("run", "") for step in job["steps"])
        assert "self-test" in commands or ".ci/run" in commands, name
    assert "build-windows.ps1" in str(jobs["windows"]) and "build-macos.sh" in str(jobs["macos"])


# --- the .deb's dependencies -------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump (binutils)")
def test_deb_depends_maps_libraries_and_refuses_unknown_ones(tmp_path: Path) -> None:
    deb_depends = load_packaging_module("linux/deb_depends")
    true_binary = Path(shutil.which("true") or "/bin/true").resolve()
    bundle = tmp_path / "bundle"
    (bundle / "plugins" / "platformthemes").mkdir(parents=True)
    shutil.copy(true_binary, bundle / "app")
    depends, recommends, unknown = deb_depends.work_out(bundle)
    assert unknown == {}
    assert any(package.startswith("libc6 (>= 2.") for package in depends)
    assert "gnome-keyring | kwalletmanager" in recommends

    # A library the map does not know stops the build instead of shipping a broken package.
    monkeypatched = dict(deb_depends.PACKAGE_OF)
    monkeypatched.pop("libc.so.6")
    deb_depends.PACKAGE_OF = monkeypatched
    _depends, _recommends, unknown = deb_depends.work_out(bundle)
    assert "libc.so.6" in unknown


# --- the frozen entry point --------------------------------------------------------------------


def test_entry_point_keeps_the_bundle_out_of_child_processes(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from PySide6.QtCore import QCoreApplication

    entry_point = load_packaging_module("entry_point")
    bundle = tmp_path / "_internal"
    plugins = bundle / "PySide6" / "Qt" / "plugins"
    plugins.mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_PLUGIN_PATH", str(plugins))
    monkeypatch.setenv("QML2_IMPORT_PATH", str(bundle / "PySide6" / "Qt" / "qml"))
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{bundle}:/opt/mine/lib")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/opt/mine/lib")
    monkeypatch.setenv("DYLD_LIBRARY_PATH", str(bundle))
    try:
        entry_point.restore_child_environment()
        assert "QT_PLUGIN_PATH" not in os.environ and "QML2_IMPORT_PATH" not in os.environ
        assert os.environ["LD_LIBRARY_PATH"] == "/opt/mine/lib"
        assert "LD_LIBRARY_PATH_ORIG" not in os.environ and "DYLD_LIBRARY_PATH" not in os.environ
        # Qt still finds the bundle's plugins.
        assert str(plugins) in QCoreApplication.libraryPaths()
    finally:
        QCoreApplication.removeLibraryPath(str(plugins))
