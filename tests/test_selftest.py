"""``roomdesk --self-test`` and ``--startup-probe`` from source: the report, its exit code, and
the keychain rule that catches a frozen build without keyring's backends."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from keyring.backends import fail

from roomdesk import selftest
from roomdesk.emulator import EmulatorServer

CHECK_NAMES = [
    "Qt",
    "resources",
    "TLS",
    "time zones",
    "child environment",
    "demo server",
    "main window",
    "create room",
    "list rooms",
    "copy host link",
    "delete room",
    "keyring backends",
    "keychain",
]


def run_roomdesk(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    environment = dict(os.environ, TMPDIR=str(temp), **env)
    return subprocess.run(
        [sys.executable, "-m", "roomdesk", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def check_lines(stdout: str) -> dict[str, str]:
    """{check name: "ok" or "FAILED"} from the report."""
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"^(ok|FAILED)\s+([^:]+): ", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def test_self_test_from_source_passes_and_cleans_up(tmp_path: Path, data_dir: Path) -> None:
    report_file = tmp_path / "report.txt"
    result = run_roomdesk(
        "--self-test", tmp_path=tmp_path, ROOMDESK_SELF_TEST_REPORT=str(report_file)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("roomdesk ") and "self-test (source" in lines[0]
    assert check_lines(result.stdout) == dict.fromkeys(CHECK_NAMES, "ok")
    assert lines[-1] == f"result: all {len(CHECK_NAMES)} checks passed"
    assert report_file.read_text(encoding="utf-8") == result.stdout
    # It ran in a temporary data directory, removed afterwards, not in the configured one.
    assert not data_dir.exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_self_test_reports_the_keychain_backend(tmp_path: Path) -> None:
    result = run_roomdesk("--self-test", tmp_path=tmp_path)
    keychain = [line for line in result.stdout.splitlines() if "keychain:" in line]
    assert len(keychain) == 1
    assert re.search(r"keychain: .+ is active", keychain[0])


def test_failing_emulator_fails_the_self_test(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: EmulatorServer) -> str:
        raise OSError("address already in use")

    monkeypatch.setattr(EmulatorServer, "start", refuse)
    out = io.StringIO()

    assert selftest.run_self_test(out) == 1
    checks = check_lines(out.getvalue())
    assert checks["demo server"] == "FAILED"
    assert "OSError: address already in use" in out.getvalue()
    for later in ("main window", "create room", "list rooms", "copy host link", "delete room"):
        assert checks[later] == "FAILED"
    assert "not run: demo server failed" in out.getvalue()
    # The checks that do not need the demo still ran.
    assert checks["resources"] == "ok"
    assert out.getvalue().rstrip().endswith("checks FAILED")


def test_self_test_in_process_passes(qapp) -> None:
    out = io.StringIO()
    assert selftest.run_self_test(out) == 0, out.getvalue()
    assert check_lines(out.getvalue()) == dict.fromkeys(CHECK_NAMES, "ok")


# --- the keychain rule -------------------------------------------------------------------------


def run_check(check) -> tuple[bool, str]:
    report = selftest.SelfTestReport()
    asyncio.run(report.check("check", check))
    return report.results[0].ok, report.results[0].detail


@pytest.fixture
def fail_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)


def test_fail_backend_without_a_secret_service_is_reported_not_failed(
    fail_backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(selftest, "_secret_service_reachable", lambda: False)
    ok, detail = run_check(selftest._check_keychain)
    assert ok
    assert "fail Keyring is active" in detail and "no Secret Service" in detail


def test_fail_backend_with_a_secret_service_fails(
    fail_backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(selftest, "_secret_service_reachable", lambda: True)
    ok, detail = run_check(selftest._check_keychain)
    assert not ok
    assert "Secret Service answers" in detail


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_fail_backend_fails_where_a_keychain_always_exists(
    fail_backend, monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    ok, detail = run_check(selftest._check_keychain)
    assert not ok
    assert "always has a keychain" in detail


def test_missing_keyring_metadata_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a frozen build without keyring's dist-info sees: no entry points at all.
    monkeypatch.setattr(selftest, "_keyring_entry_points", dict)
    ok, detail = run_check(selftest._check_keyring_backends)
    assert not ok
    assert "not registered" in detail and "metadata is missing" in detail


@pytest.mark.parametrize(
    ("platform", "backend"),
    [("linux", "SecretService"), ("darwin", "macOS"), ("win32", "Windows")],
)
def test_native_keyring_backend_per_platform(
    monkeypatch: pytest.MonkeyPatch, platform: str, backend: str
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert selftest.native_keyring_backend() == backend


def test_child_environment_check_flags_a_leaking_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setenv("QT_PLUGIN_PATH", str(tmp_path / "PySide6" / "Qt" / "plugins"))
    ok, detail = run_check(selftest._check_child_environment)
    assert not ok and "QT_PLUGIN_PATH" in detail

    monkeypatch.delenv("QT_PLUGIN_PATH")
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/lib")
    ok, _detail = run_check(selftest._check_child_environment)
    assert ok


# --- start-up probe ----------------------------------------------------------------------------


def test_startup_probe_reports_the_first_paint(tmp_path: Path) -> None:
    result = run_roomdesk("--startup-probe", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"^startup-probe first-paint-ms=(\d+)$", result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert 0 < int(match.group(1)) < 60_000


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_process_age_counts_from_process_start() -> None:
    age = selftest.process_age()
    assert age is not None
    assert 0 < age < 24 * 3600
