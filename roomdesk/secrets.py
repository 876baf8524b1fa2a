"""The Whereby API key: kept in the operating system's keychain, never in a file.

Where the key comes from, first match wins:

1. ``ROOMDESK_API_KEY`` in the environment (automation, CI, tests). It is read, never written.
2. The OS keychain through :mod:`keyring`, as service ``roomdesk``, username ``api-key``: the
   Secret Service (GNOME Keyring, KWallet) on Linux, the macOS Keychain, Windows Credential Locker.

There is deliberately no plain-file fallback: when no keychain is usable, saving fails with a
:class:`KeychainError` that tells the person what to install or unlock. Backends that would keep
the key in a file (``keyrings.alt``) or drop it (keyring's ``null`` backend) count as unusable.

Errors, each with a message fit to show a person and never containing the key:

* ``ValueError``: the text cannot be a Whereby API key (empty, whitespace inside, too long, ...).
* :class:`KeychainError`: the keychain is absent, locked or refused the request.
* :class:`ApiKeyMissing`: :meth:`KeyStore.require` found no key anywhere. It is not a
  ``KeychainError`` on purpose: the keychain works, the person has just not entered a key yet,
  and the UI answers that with "enter your key", not with "install a keychain".

Every :class:`KeyStore` method blocks (keyring talks to D-Bus or the OS); GUI code awaits
:meth:`KeyStore.aget`, :meth:`KeyStore.aset` and :meth:`KeyStore.aclear`, which run them in the
event loop's default executor.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn, TypeVar

# keyring itself is imported lazily, where the keychain is used, off the GUI thread (see
# KeyStore): a start with the key in the environment never pays for that import.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend
    from keyring.backends.chainer import ChainerBackend

KEYRING_SERVICE: Final = "roomdesk"
KEYRING_USERNAME: Final = "api-key"
API_KEY_ENV: Final = "ROOMDESK_API_KEY"
MAX_API_KEY_LENGTH: Final = 4096

KeySource = Literal["environment", "keychain"]
# unavailable: nothing to talk to (install or start one); locked: it is there but locked;
# failed: it answered with an error we have no better advice for.
KeychainProblem = Literal["unavailable", "locked", "failed"]

_T = TypeVar("_T")

_NEVER_PLAIN_FILE = (
    "roomdesk never stores the API key in a plain file; for automation, set "
    f"{API_KEY_ENV} in the environment instead."
)

_FRIENDLY_BACKEND_NAMES: Final = {
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Locker",
}


def api_key_problem(text: str) -> str | None:
    """Why ``text`` (already stripped) cannot be a Whereby API key, or None when it can.

    The reasons never quote the text, so they are safe to show and to log.
    """
    if not text:
        return "The API key is empty: paste the key from your Whereby dashboard."
    if len(text) > MAX_API_KEY_LENGTH:
        return (
            f"The API key is {len(text)} characters long, but a Whereby API key has at most "
            f"{MAX_API_KEY_LENGTH}: paste only the key."
        )
    if any(character.isspace() for character in text):
        return "The API key contains spaces or line breaks: paste it as one unbroken line."
    # It travels in an HTTP Authorization header, which only carries printable ASCII.
    if not (text.isascii() and text.isprintable()):
        return (
            "The API key contains characters an API key never has (only printable ASCII is "
            "allowed): copy it again from your Whereby dashboard."
        )
    return None


class ApiKey:
    """A Whereby API key that never shows itself.

    ``repr``, ``str``, ``format`` and f-strings all give ``ApiKey(<hidden>)``; only
    :meth:`reveal` returns the secret. Leading and trailing whitespace is stripped; anything else
    that cannot be an API key raises ``ValueError``. Pickling raises ``TypeError`` so the key
    cannot end up in a file or a queue by accident.
    """

    __slots__ = ("_secret",)
    _secret: str

    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str):
            raise TypeError(f"an API key must be str, not {type(secret).__name__}")
        stripped = secret.strip()
        problem = api_key_problem(stripped)
        if problem is not None:
            raise ValueError(problem)
        object.__setattr__(self, "_secret", stripped)

    def reveal(self) -> str:
        """The secret itself: only for the Authorization header and the keychain."""
        return self._secret

    @property
    def fingerprint(self) -> str:
        """8 hex digits of the key's SHA-256, so a person can tell keys apart without seeing one."""
        import hashlib  # its import (OpenSSL) is not needed before the window's first frame

        return hashlib.sha256(self._secret.encode()).hexdigest()[:8]

    def __repr__(self) -> str:
        return "ApiKey(<hidden>)"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return format(repr(self), format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        import hmac

        return hmac.compare_digest(self._secret.encode(), other._secret.encode())

    def __hash__(self) -> int:
        return hash((ApiKey, self._secret))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("ApiKey is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("ApiKey is immutable")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError(
            "ApiKey cannot be pickled: that would write the secret out as plain text. "
            "Pass it within the process, or call reveal() deliberately."
        )

    def __reduce__(self) -> NoReturn:
        self.__reduce_ex__(0)

    # Immutable, so copies can be the same object; without these, copy would try __reduce_ex__.
    def __copy__(self) -> ApiKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ApiKey:
        return self


class KeychainError(Exception):
    """The OS keychain cannot be used; the message says what to install, start or unlock.

    ``problem`` is ``"unavailable"``, ``"locked"`` or ``"failed"``; ``backend_name`` is what
    :meth:`KeyStore.backend_name` reports; ``cause_type`` names the exception keyring raised
    (its message is left out, since it could quote the key).
    """

    def __init__(
        self,
        message: str,
        *,
        problem: KeychainProblem,
        backend_name: str,
        cause_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problem: KeychainProblem = problem
        self.backend_name = backend_name
        self.cause_type = cause_type

    def __str__(self) -> str:
        return self.message


class ApiKeyMissing(Exception):
    """No API key in the environment nor in the keychain (see the module docstring for why this
    is not a :class:`KeychainError`)."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (
            "No Whereby API key is set: enter it in Settings (it is kept in your system "
            f"keychain), or set {API_KEY_ENV} in the environment."
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def keychain_advice(problem: KeychainProblem, platform: str | None = None) -> str:
    """What a person should do about ``problem`` on ``platform`` (default: this one)."""
    platform = sys.platform if platform is None else platform
    if platform == "darwin":
        advice = {
            "unavailable": (
                "No usable keychain: roomdesk could not reach the macOS Keychain. Run roomdesk "
                "in your logged-in desktop session (not over SSH) and check in Keychain Access "
                "that your login keychain exists."
            ),
            "locked": (
                "The macOS login keychain is locked: unlock it in Keychain Access "
                "(File > Unlock Keychain), then try again."
            ),
            "failed": (
                "The macOS Keychain refused the request: unlock the login keychain in Keychain "
                "Access and allow roomdesk access when asked, then try again."
            ),
        }[problem]
    elif platform == "win32":
        advice = {
            "unavailable": (
                "No usable keychain: roomdesk could not reach Windows Credential Manager. Sign "
                "in to Windows with a regular user account (not a service or guest account), "
                "then try again."
            ),
            "locked": (
                "Windows Credential Manager is not available until you are signed in: sign in "
                "to Windows again, then try again."
            ),
            "failed": (
                "Windows Credential Manager refused the request: check it in Control Panel > "
                "Credential Manager, then try again."
            ),
        }[problem]
    else:
        advice = {
            "unavailable": (
                "No usable keychain: install and start a Secret Service such as GNOME Keyring "
                "(Debian/Ubuntu: sudo apt install gnome-keyring) or KWallet, then unlock it."
            ),
            "locked": (
                "The keychain is locked: unlock your login keyring (GNOME Keyring or KWallet; "
                "logging in to the desktop usually does, or open Passwords and Keys), then try "
                "again."
            ),
            "failed": (
                "The keychain refused the request: make sure GNOME Keyring or KWallet is "
                "running and unlocked, then try again."
            ),
        }[problem]
    return f"{advice} {_NEVER_PLAIN_FILE}"


def describe_backend(backend: KeyringBackend) -> str:
    """A display name for a keyring backend, e.g. ``SecretService Keyring``."""
    from keyring.backends import chainer

    backend_class = type(backend)
    qualified = f"{backend_class.__module__}.{backend_class.__qualname__}"
    if qualified in _FRIENDLY_BACKEND_NAMES:
        return _FRIENDLY_BACKEND_NAMES[qualified]
    name = _class_display_name(backend_class)
    if isinstance(backend, chainer.ChainerBackend):
        chained = [describe_backend(each) for each in _chained_backends(backend)]
        return f"{name} ({', '.join(chained) or 'no backends'})"
    return name


def _class_display_name(backend_class: type[KeyringBackend]) -> str:
    try:
        return str(backend_class.name)
    except Exception:  # a third-party backend with a broken classproperty must not hide errors
        return backend_class.__qualname__


def _chained_backends(backend: ChainerBackend) -> list[KeyringBackend]:
    return list(type(backend).backends)


def _unusable_backend_reason(backend: KeyringBackend) -> str | None:
    """Why roomdesk refuses ``backend`` before even calling it, or None."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        return "Python's keyring found no keychain to use."
    if isinstance(backend, null.Keyring):
        return (
            "Python's keyring is switched off (its null backend is selected by "
            "PYTHON_KEYRING_BACKEND or keyringrc.cfg); remove that setting."
        )
    if isinstance(backend, chainer.ChainerBackend):
        chained = _chained_backends(backend)
        if not chained:
            return "Python's keyring found no keychain to use."
        # The chainer saves to its first backend, so that is the one that must be sound.
        return _unusable_backend_reason(chained[0])
    module = type(backend).__module__
    if module == "keyrings.alt" or module.startswith("keyrings.alt."):
        return (
            f"Python's keyring is set to use {describe_backend(backend)} from keyrings.alt, "
            "which keeps secrets in a file; select a system keychain instead."
        )
    return None


def _optional_types(module_name: str, *names: str) -> tuple[type[BaseException], ...]:
    """Exception classes from a module that exists only on some platforms."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return ()
    found = (getattr(module, name, None) for name in names)
    return tuple(each for each in found if isinstance(each, type))


@functools.cache
def _locked_types() -> tuple[type[BaseException], ...]:
    import keyring.errors

    return (
        keyring.errors.KeyringLocked,
        *_optional_types("secretstorage.exceptions", "LockedException", "PromptDismissedException"),
    )


@functools.cache
def _unavailable_types() -> tuple[type[BaseException], ...]:
    import keyring.errors

    return (
        keyring.errors.NoKeyringError,
        keyring.errors.InitError,
        # D-Bus socket missing or refusing: nothing is listening.
        OSError,
        *_optional_types("secretstorage.exceptions", "SecretServiceNotAvailableException"),
    )


def _dbus_error_name(error: BaseException) -> str | None:
    """The D-Bus error name of a jeepney or dbus-python error, if it is one."""
    jeepney_types = _optional_types("jeepney.wrappers", "DBusErrorResponse")
    if jeepney_types and isinstance(error, jeepney_types):
        return str(getattr(error, "name", "") or "")
    get_dbus_name = getattr(error, "get_dbus_name", None)
    if callable(get_dbus_name):
        return str(get_dbus_name() or "")
    return None


def classify_keychain_error(error: BaseException) -> KeychainProblem:
    """Sort an exception raised by a keyring backend into what a person can do about it."""
    if isinstance(error, _locked_types()):
        return "locked"
    if isinstance(error, _unavailable_types()):
        return "unavailable"
    dbus_name = _dbus_error_name(error)
    if dbus_name is not None:
        if "Locked" in dbus_name:
            return "locked"
        if dbus_name.startswith("org.freedesktop.DBus.Error."):
            return "unavailable"  # ServiceUnknown, NoReply, Disconnected: no daemon answering
    return "failed"


class KeyStore:
    """Reads and writes the API key: environment first, then the OS keychain.

    ``environ`` defaults to ``os.environ`` (read at each call); ``keyring_backend`` defaults to
    keyring's active backend, looked up at each call so keyring's own configuration applies.
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        keyring_backend: KeyringBackend | None = None,
    ) -> None:
        self._environ: Mapping[str, str] = os.environ if environ is None else environ
        self._keyring_backend = keyring_backend

    # --- reading -------------------------------------------------------------------------------

    @property
    def environment_overrides(self) -> bool:
        """True when ``ROOMDESK_API_KEY`` is set: it is used, whatever the keychain holds.

        After :meth:`set` the UI checks this to say "saved, but ROOMDESK_API_KEY wins".
        """
        return bool(self._environ.get(API_KEY_ENV, "").strip())

    def get(self) -> ApiKey | None:
        """The key in effect, or None when there is none.

        Raises ``ValueError`` when ``ROOMDESK_API_KEY`` is set to something that cannot be a key,
        and :class:`KeychainError` when the keychain has to be asked and cannot answer.
        """
        from_environment = self._environment_key()
        if from_environment is not None:
            return from_environment
        return self._keychain_key()

    def require(self) -> ApiKey:
        """Like :meth:`get`, but raises :class:`ApiKeyMissing` instead of returning None."""
        key = self.get()
        if key is None:
            raise ApiKeyMissing()
        return key

    def source(self) -> KeySource | None:
        """Where :meth:`get` takes the key from: ``"environment"``, ``"keychain"`` or None."""
        if self.environment_overrides:
            return "environment"
        return "keychain" if self._keychain_key() is not None else None

    # --- writing -------------------------------------------------------------------------------

    def set(self, key: str) -> ApiKey:
        """Save ``key`` (stripped) in the keychain and return it as an :class:`ApiKey`.

        Raises ``ValueError`` for text that cannot be a key, :class:`KeychainError` when no usable
        keychain is there. With ``ROOMDESK_API_KEY`` set the key is still saved, but
        :attr:`environment_overrides` is True: the environment's key stays in effect.
        """
        api_key = ApiKey(key)
        backend = self._usable_backend("save the API key")
        self._keychain_call(
            "save the API key",
            backend,
            lambda: backend.set_password(KEYRING_SERVICE, KEYRING_USERNAME, api_key.reveal()),
        )
        return api_key

    def clear(self) -> bool:
        """Remove the key from the keychain; True if one was there. ``ROOMDESK_API_KEY`` stays."""
        import keyring.errors

        backend = self._usable_backend("remove the API key")

        def delete() -> bool:
            try:
                backend.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
            except keyring.errors.PasswordDeleteError:
                # Backends raise this both for "nothing there" and for real failures.
                if backend.get_password(KEYRING_SERVICE, KEYRING_USERNAME) is not None:
                    raise
                return False
            return True

        return self._keychain_call("remove the API key", backend, delete)

    def named_secrets(self) -> NamedSecrets:
        """The other secrets, kept in the same keychain as the key."""
        return NamedSecrets(self._keyring_backend)

    # --- the keychain itself -------------------------------------------------------------------

    def backend_name(self) -> str:
        """The keychain keyring uses, e.g. ``SecretService Keyring``, ``macOS Keychain``,
        ``fail Keyring`` (the last meaning: none)."""
        try:
            return describe_backend(self._backend("find the keychain"))
        except KeychainError:
            return "no keyring backend"

    def check_backend(self) -> str:
        """Raise :class:`KeychainError` unless the keychain can be used now; return its name.

        Reads roomdesk's entry once, which is what finds a missing daemon or a locked keyring
        (and may ask the person to unlock it). The environment is not consulted.
        """
        backend = self._usable_backend("open the keychain")

        def probe() -> None:
            backend.get_password(KEYRING_SERVICE, KEYRING_USERNAME)  # the value is not kept

        self._keychain_call("open the keychain", backend, probe)
        return describe_backend(backend)

    # --- async wrappers for the GUI ------------------------------------------------------------

    async def aget(self) -> ApiKey | None:
        return await self._in_executor(self.get)

    async def aset(self, key: str) -> ApiKey:
        # The executor call is built as a closure over an ApiKey so that no event loop's debug
        # log (qasync prints callbacks with their arguments) can show the key.
        api_key = ApiKey(key)
        return await self._in_executor(lambda: self.set(api_key.reveal()))

    async def aclear(self) -> bool:
        return await self._in_executor(self.clear)

    # --- internals -----------------------------------------------------------------------------

    @staticmethod
    async def _in_executor(call: Callable[[], _T]) -> _T:
        import asyncio  # not at the top: the window is drawn before asyncio is imported

        return await asyncio.get_running_loop().run_in_executor(None, call)

    def _environment_key(self) -> ApiKey | None:
        raw = self._environ.get(API_KEY_ENV, "").strip()
        if not raw:
            return None
        problem = api_key_problem(raw)
        if problem is not None:
            raise ValueError(f"{API_KEY_ENV} is set but unusable. {problem}")
        return ApiKey(raw)

    def _keychain_key(self) -> ApiKey | None:
        backend = self._usable_backend("read the API key")
        stored = self._keychain_call(
            "read the API key",
            backend,
            lambda: backend.get_password(KEYRING_SERVICE, KEYRING_USERNAME),
        )
        if stored is None or not stored.strip():
            return None
        if api_key_problem(stored.strip()) is not None:
            raise KeychainError(
                "The keychain holds a roomdesk API key that is not valid: enter the key again "
                "in Settings.",
                problem="failed",
                backend_name=describe_backend(backend),
            )
        return ApiKey(stored)

    def _backend(self, operation: str) -> KeyringBackend:
        if self._keyring_backend is not None:
            return self._keyring_backend
        import keyring

        # keyring.get_keyring() can itself fail, e.g. PYTHON_KEYRING_BACKEND naming no class.
        return self._keychain_call(operation, None, keyring.get_keyring)

    def _usable_backend(self, operation: str) -> KeyringBackend:
        backend = self._backend(operation)
        reason = _unusable_backend_reason(backend)
        if reason is not None:
            raise KeychainError(
                f"{keychain_advice('unavailable')} ({reason} roomdesk tried to {operation} with "
                f"{describe_backend(backend)}.)",
                problem="unavailable",
                backend_name=describe_backend(backend),
            )
        return backend

    @staticmethod
    def _keychain_call(
        operation: str, backend: KeyringBackend | None, call: Callable[[], _T]
    ) -> _T:
        """Run ``call``; turn whatever the backend raises into a KeychainError.

        The original exception is dropped, not chained: its message or its traceback's locals
        could hold the key. Raising after the ``except`` block leaves ``__context__`` empty too.
        """
        try:
            return call()
        except Exception as error:  # any backend failure is a keychain failure to the person
            failure = _translate(error, operation, backend)
        raise failure from None


class NamedSecrets:
    """Other secrets roomdesk keeps for the person, each under a name they can recognise (an
    S3 secret access key a preset uses, say): in the same keychain as the API key, as service
    ``roomdesk``, username ``secret:<name>``. Methods raise :class:`KeychainError` as
    :class:`KeyStore`'s do, and block the same way."""

    def __init__(self, keyring_backend: KeyringBackend | None = None) -> None:
        self._keys = KeyStore(environ={}, keyring_backend=keyring_backend)

    @staticmethod
    def _username(name: str) -> str:
        return f"secret:{name}"

    def get(self, name: str) -> str | None:
        """The secret kept as ``name``, or None when there is none."""
        backend = self._keys._usable_backend("read a saved secret")
        return self._keys._keychain_call(
            "read a saved secret",
            backend,
            lambda: backend.get_password(KEYRING_SERVICE, self._username(name)),
        )

    def set(self, name: str, secret: str) -> None:
        backend = self._keys._usable_backend("save a secret")
        self._keys._keychain_call(
            "save a secret",
            backend,
            lambda: backend.set_password(KEYRING_SERVICE, self._username(name), secret),
        )

    def delete(self, name: str) -> bool:
        """Remove the secret kept as ``name``; True if one was there."""
        import keyring.errors

        backend = self._keys._usable_backend("remove a saved secret")

        def delete() -> bool:
            try:
                backend.delete_password(KEYRING_SERVICE, self._username(name))
            except keyring.errors.PasswordDeleteError:
                if backend.get_password(KEYRING_SERVICE, self._username(name)) is not None:
                    raise
                return False
            return True

        return self._keys._keychain_call("remove a saved secret", backend, delete)


def _translate(
    error: BaseException, operation: str, backend: KeyringBackend | None
) -> KeychainError:
    problem = classify_keychain_error(error)
    name = describe_backend(backend) if backend is not None else "keyring"
    cause_type = type(error).__name__
    return KeychainError(
        f"{keychain_advice(problem)} ({name} could not {operation}: {cause_type}.)",
        problem=problem,
        backend_name=name,
        cause_type=cause_type,
    )
