"""Start-ups with the key in a real OS keychain (GNOME Keyring's Secret Service over D-Bus).

People keep their key in the keychain, not in ``ROOMDESK_API_KEY``, and reading it there costs
keyring's import and a D-Bus round trip (more when the keychain must first be unlocked). The
benchmark runs :func:`run_in_keychain_session` from its own process: it starts a private session
bus with an unlocked, throw-away keyring under a temporary HOME, and this module's ``main`` inside
it, which saves the key there and starts the probes (``bench.startup_probe``) one after another.
The person's own keychain is never touched.

Needs ``dbus-run-session`` and ``gnome-keyring-daemon`` (Debian: dbus-daemon, gnome-keyring);
:func:`keychain_tools` says what is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.emulator_child import REPO_ROOT
from bench.fixtures import BENCH_API_KEY

KEYRING_PASSWORD = "roomdesk-bench"
_RESULT_PREFIX = "KEYCHAIN-RUN "


def keychain_tools() -> tuple[dict[str, str], list[str]]:
    """The tools found by name, and the names of those missing."""
    names = ("dbus-run-session", "gnome-keyring-daemon")
    found = {name: path for name in names if (path := shutil.which(name))}
    return found, [name for name in names if name not in found]


def run_in_keychain_session(data_dirs: list[Path], api_url: str) -> list[dict[str, Any]]:
    """For each data directory, a bare window's and roomdesk's start, the key in the keychain.

    Each item holds ``minimal`` and ``app`` (the probes' reports, see :func:`run_probe`).
    Raises RuntimeError when the tools are missing or the session fails.
    """
    tools, missing = keychain_tools()
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not found (Debian: dbus-daemon, gnome-keyring)")
    with tempfile.TemporaryDirectory(prefix="roomdesk-bench-keychain-") as scratch:
        root = Path(scratch)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(REPO_ROOT),
        }
        homes = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR")
        for name in homes:
            directory = root / name.lower()
            directory.mkdir(mode=0o700)
            env[name] = str(directory)
        daemon_log = root / "gnome-keyring-daemon.log"
        # The daemon reads the new keyring's password from stdin and forks: its output goes to
        # a file, so that it cannot hold our stdout pipe open.
        shell = '"$1" --unlock --components=secrets >"$2" 2>&1 || exit 90; shift 2; exec "$@"'
        command = [
            tools["dbus-run-session"],
            "--",
            "sh",
            "-c",
            shell,
            "sh",
            tools["gnome-keyring-daemon"],
            str(daemon_log),
            sys.executable,
            "-m",
            "bench.keychain_session",
            f"--api-url={api_url}",
            *map(str, data_dirs),
        ]
        done = subprocess.run(
            command,
            input=KEYRING_PASSWORD,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120 + 60 * len(data_dirs),
            check=False,
        )
        runs = [
            json.loads(line.removeprefix(_RESULT_PREFIX))
            for line in done.stdout.splitlines()
            if line.startswith(_RESULT_PREFIX)
        ]
        if done.returncode != 0 or len(runs) != len(data_dirs):
            log = daemon_log.read_text(errors="replace") if daemon_log.exists() else "(no log)"
            raise RuntimeError(
                f"the keychain session failed (exit {done.returncode}): "
                f"{done.stderr.strip()[-1500:]}\nkeyring daemon: {log[-500:]}"
            )
        return runs


def main() -> None:
    parser = argparse.ArgumentParser(description="inside the keychain session: see the module")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("data_dirs", nargs="+", type=Path)
    args = parser.parse_args()

    import keyring

    from bench.startup import run_probe
    from roomdesk.secrets import KEYRING_SERVICE, KEYRING_USERNAME

    backend = type(keyring.get_keyring())
    if "SecretService" not in f"{backend.__module__}.{backend.__name__}":
        raise SystemExit(f"keyring chose {backend.__module__}.{backend.__name__}, not the keychain")
    keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, BENCH_API_KEY)
    for data_dir in args.data_dirs:
        minimal = run_probe("minimal", data_dir, args.api_url, key_in_environment=False)
        app = run_probe("app", data_dir, args.api_url, key_in_environment=False)
        print(_RESULT_PREFIX + json.dumps({"minimal": minimal, "app": app}), flush=True)


if __name__ == "__main__":
    main()
