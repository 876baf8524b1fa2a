"""A real Secret Service round-trip, in a throwaway D-Bus session and a throwaway GNOME Keyring.

The child process gets its own session bus (dbus-run-session) and its own HOME, XDG_* and
XDG_RUNTIME_DIR under tmp_path, so the keyring it unlocks and writes is created there and the
person's own keychain is never touched. Needs Debian's gnome-keyring and dbus-daemon (listed in
.ci/apt-packages.txt); skipped without them, except under CI=true, where it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.secret_service

REPO_ROOT = Path(__file__).resolve().parent.parent
KEYRING_PASSWORD = "throwaway-test-keyring-password"
SECRET = "rdREAL-5e8d2c7a91b04f36-kappa-SECRET"

# Runs inside the throwaway session with keyring's default backend, as the app would.
CHILD_SCRIPT = f"""
import json, os, pathlib, keyring, secretstorage
from roomdesk.secrets import KeyStore, KEYRING_SERVICE, KEYRING_USERNAME

store = KeyStore()
report = {{"keyring_backend": type(keyring.get_keyring()).__module__}}
report["checked"] = store.check_backend()
report["backend_name"] = store.backend_name()
report["before"] = store.get() is None
saved = store.set("  {SECRET}  ")
loaded = store.get()
report["round_trip"] = loaded is not None and loaded.reveal() == "{SECRET}" and loaded == saved
report["source"] = store.source()

# While the key is stored, no file under the throwaway home may hold it in plain text.
roots = [os.environ[name] for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")]
files = [path for root in roots for path in pathlib.Path(root).rglob("*") if path.is_file()]
report["keyring_files"] = sorted(path.name for path in files if path.parent.name == "keyrings")
report["plain_text_files"] = [str(path) for path in files if b"{SECRET}" in path.read_bytes()]

# Ask the Secret Service directly, so the test sees the daemon holds it, not some cache.
connection = secretstorage.dbus_init()
collection = secretstorage.get_default_collection(connection)
items = list(collection.search_items({{"service": KEYRING_SERVICE, "username": KEYRING_USERNAME}}))
report["items_in_daemon"] = len(items)
report["daemon_value_matches"] = bool(items) and items[0].get_secret() == b"{SECRET}"
connection.close()

report["cleared"] = store.clear()
report["after"] = store.get() is None
report["cleared_again"] = store.clear()
print("RESULT " + json.dumps(report))
"""


def _require_tools() -> tuple[str, str]:
    found = {tool: shutil.which(tool) for tool in ("dbus-run-session", "gnome-keyring-daemon")}
    missing = [tool for tool, path in found.items() if path is None]
    if missing:
        message = (
            f"{', '.join(missing)} not found: install gnome-keyring and dbus "
            "(Debian/Ubuntu: sudo apt install gnome-keyring dbus-daemon dbus-user-session)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Secret Service test: {message}")
        pytest.skip(message)
    return found["dbus-run-session"], found["gnome-keyring-daemon"]  # type: ignore[return-value]


def _isolated_environment(tmp_path: Path) -> dict[str, str]:
    home, data, config, cache, runtime = (
        tmp_path / name for name in ("home", "data", "config", "cache", "runtime")
    )
    for directory in (home, data, config, cache, runtime):
        directory.mkdir(mode=0o700)
    python_path = [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(config),  # keyring's keyringrc.cfg is looked up here
        "XDG_CACHE_HOME": str(cache),
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHONPATH": os.pathsep.join(python_path),
        # Deliberately absent: DBUS_SESSION_BUS_ADDRESS (dbus-run-session sets its own),
        # DISPLAY, ROOMDESK_API_KEY and PYTHON_KEYRING_BACKEND.
    }


def test_round_trip_through_a_real_secret_service(tmp_path: Path) -> None:
    dbus_run_session, keyring_daemon = _require_tools()
    daemon_log = tmp_path / "gnome-keyring-daemon.log"
    # The daemon reads the new keyring's password from stdin, i.e. from input= below; its own
    # output goes to a file so that it cannot hold our stdout pipe open after it forks.
    shell = '"$1" --unlock --components=secrets >"$2" 2>&1 || exit 90; exec "$3" -c "$4" </dev/null'
    completed = subprocess.run(
        [
            dbus_run_session,
            "--",
            "sh",
            "-c",
            shell,
            "sh",
            keyring_daemon,
            str(daemon_log),
            sys.executable,
            CHILD_SCRIPT,
        ],
        input=KEYRING_PASSWORD,
        capture_output=True,
        text=True,
        env=_isolated_environment(tmp_path),
        timeout=120,
        check=False,
    )
    details = (
        f"exit {completed.returncode}\nstdout:\n{completed.stdout}\nstderr:\n{completed.stderr}\n"
        f"daemon:\n{daemon_log.read_text() if daemon_log.exists() else '(no log)'}"
    )
    assert completed.returncode == 0, details
    result_lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(result_lines) == 1, details
    report = json.loads(result_lines[0].removeprefix("RESULT "))

    assert report == {
        "keyring_backend": "keyring.backends.SecretService",
        "checked": "SecretService Keyring",
        "backend_name": "SecretService Keyring",
        "before": True,
        "round_trip": True,
        "source": "keychain",
        "keyring_files": report["keyring_files"],
        "plain_text_files": [],
        "items_in_daemon": 1,
        "daemon_value_matches": True,
        "cleared": True,
        "after": True,
        "cleared_again": False,
    }, details
    assert SECRET not in completed.stdout + completed.stderr
    # The unlocked keyring was created in the throwaway XDG_DATA_HOME, not the person's own.
    assert report["keyring_files"], details
    assert (tmp_path / "data" / "keyrings").is_dir()
