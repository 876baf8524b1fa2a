"""An in-memory keyring backend for tests: never the real keychain, never a file.

Subprocesses select it with ``PYTHON_KEYRING_BACKEND=tests.memory_keyring.MemoryKeyring``.
"""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class GatedKeyring(MemoryKeyring):
    """A keychain that answers a read only while the test holds its gate open, like one being
    unlocked; it records the thread of every read asked of it."""

    def __init__(self, *, open_gate: bool = False) -> None:
        super().__init__()
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.readers: list[threading.Thread] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.readers.append(threading.current_thread())
        if not self.gate.wait(timeout=30):
            raise KeyringError("the test never opened the keychain")
        return super().get_password(service, username)
