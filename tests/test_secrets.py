"""roomdesk.secrets against an in-memory keyring: the user's real keychain is never touched."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import pickle
import threading
import traceback

import keyring
import keyring.errors
import pytest
import secretstorage.exceptions
from jeepney.wrappers import DBusErrorResponse
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties

from roomdesk.secrets import (
    API_KEY_ENV,
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    MAX_API_KEY_LENGTH,
    ApiKey,
    ApiKeyMissing,
    KeychainError,
    KeyStore,
    classify_keychain_error,
    describe_backend,
    keychain_advice,
)

# Distinctive enough that finding it anywhere in output means it leaked.
SECRET = "rdTEST-7f3a9c1e5b2d4680-zeta-SECRET"
OTHER_SECRET = "rdTEST-0b1c2d3e4f5a6978-omega-OTHER"
INSTALL_ADVICE = "sudo apt install gnome-keyring"


class InMemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in a dict and records every call."""

    @properties.classproperty
    def priority(cls) -> float:
        # Below keyring's fail backend (0), so keyring never picks this class on its own.
        return -1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []
        self.threads: set[int] = set()

    def _record(self, operation: str, service: str, username: str) -> None:
        self.calls.append((operation, service, username))
        self.threads.add(threading.get_ident())

    def get_password(self, service: str, username: str) -> str | None:
        self._record("get", service, username)
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._record("set", service, username)
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._record("delete", service, username)
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("No such password!")


class RaisingKeyring(InMemoryKeyring):
    """Raises ``error`` from every operation, after recording it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        self._record("get", service, username)
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        self._record("set", service, username)
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        self._record("delete", service, username)
        raise self.error


class LeakySetKeyring(InMemoryKeyring):
    """Fails to save and quotes the password in its error, as a careless backend might."""

    def set_password(self, service: str, username: str, password: str) -> None:
        self._record("set", service, username)
        raise keyring.errors.PasswordSetError(f"cannot store {password!r} for {username}")


class StuckDeleteKeyring(InMemoryKeyring):
    """Refuses to delete although the entry exists."""

    def delete_password(self, service: str, username: str) -> None:
        self._record("delete", service, username)
        raise keyring.errors.PasswordDeleteError("Access denied")


class PlainFileKeyring(InMemoryKeyring):
    """Stands in for keyrings.alt's file backends, which roomdesk must refuse."""


PlainFileKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def backend() -> InMemoryKeyring:
    return InMemoryKeyring()


@pytest.fixture
def store(backend: InMemoryKeyring) -> KeyStore:
    return KeyStore(environ={}, keyring_backend=backend)


def dbus_error(name: str) -> DBusErrorResponse:
    error = DBusErrorResponse.__new__(DBusErrorResponse)
    error.name = name
    error.data = ()
    return error


# --- ApiKey --------------------------------------------------------------------------------------


def test_api_key_reveals_only_on_request() -> None:
    key = ApiKey(f"  {SECRET}\n")
    assert key.reveal() == SECRET
    percent_formatted = "%s %r" % (key, key)  # noqa: UP031 - the old style is what logging uses
    for shown in (
        repr(key),
        str(key),
        f"{key}",
        f"{key!r}",
        f"{key!s}",
        f"{key:>40}",
        percent_formatted,
    ):
        assert SECRET not in shown
        assert "<hidden>" in shown
    assert repr(key) == "ApiKey(<hidden>)"
    assert SECRET not in repr([key, {"key": key}])


def test_api_key_shows_no_characters_of_the_secret() -> None:
    shown = repr(ApiKey(SECRET)) + str(ApiKey(SECRET))
    assert SECRET[:4] not in shown
    assert SECRET[-4:] not in shown


def test_api_key_never_reaches_log_output(caplog: pytest.LogCaptureFixture, capsys) -> None:
    key = ApiKey(SECRET)
    log = logging.getLogger("roomdesk.test")
    with caplog.at_level(logging.DEBUG, logger="roomdesk.test"):
        log.info("key %s", key)
        log.info("key %r", key)
        log.info(f"key {key}")
        log.info(key)
        log.info("keys %s", {"saved": key})
        try:
            raise RuntimeError(f"request failed with {key}")
        except RuntimeError:
            log.exception("request failed")
    print(key, [key])
    printed = capsys.readouterr()
    all_text = caplog.text + printed.out + printed.err
    all_text += "".join(record.getMessage() for record in caplog.records)
    assert "<hidden>" in all_text
    assert SECRET not in all_text


def test_api_key_equality_and_hash_are_by_value() -> None:
    assert ApiKey(SECRET) == ApiKey(f" {SECRET} ")
    assert ApiKey(SECRET) != ApiKey(OTHER_SECRET)
    assert hash(ApiKey(SECRET)) == hash(ApiKey(SECRET))
    assert len({ApiKey(SECRET), ApiKey(SECRET), ApiKey(OTHER_SECRET)}) == 2
    # A plain string is not a key, even with the same text.
    assert ApiKey(SECRET) != SECRET


def test_api_key_fingerprint_is_short_stable_and_not_the_key() -> None:
    key = ApiKey(SECRET)
    assert key.fingerprint == hashlib.sha256(SECRET.encode()).hexdigest()[:8]
    assert len(key.fingerprint) == 8
    assert int(key.fingerprint, 16) >= 0
    assert key.fingerprint not in SECRET
    assert ApiKey(OTHER_SECRET).fingerprint != key.fingerprint


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_api_key_refuses_pickling(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled") as raised:
        pickle.dumps(ApiKey(SECRET), protocol=protocol)
    assert SECRET not in str(raised.value)


def test_api_key_is_immutable_but_copyable() -> None:
    key = ApiKey(SECRET)
    with pytest.raises(AttributeError):
        key._secret = OTHER_SECRET  # type: ignore[misc]
    assert copy.copy(key) is key
    assert copy.deepcopy({"k": key})["k"] is key


def test_api_key_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        ApiKey(SECRET.encode())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (" \t\n ", "empty"),
        (f"{SECRET} {SECRET}", "spaces or line breaks"),
        (f"{SECRET}\n{SECRET}", "spaces or line breaks"),
        (f"{SECRET}\t", None),  # outer whitespace is stripped, so this one is fine
        ("x" * (MAX_API_KEY_LENGTH + 1), "at most 4096"),
        (f"{SECRET}é", "printable ASCII"),
        (f"{SECRET}\x00", "printable ASCII"),
    ],
)
def test_api_key_validation(text: str, reason: str | None) -> None:
    if reason is None:
        assert ApiKey(text).reveal() == text.strip()
        return
    with pytest.raises(ValueError, match=reason) as raised:
        ApiKey(text)
    if text.strip():
        assert SECRET not in str(raised.value)


def test_api_key_accepts_the_longest_allowed_key() -> None:
    assert len(ApiKey("k" * MAX_API_KEY_LENGTH).reveal()) == MAX_API_KEY_LENGTH


# --- KeyStore with a working keychain ------------------------------------------------------------


def test_get_returns_none_when_nothing_is_stored(store: KeyStore) -> None:
    assert store.get() is None
    assert store.source() is None


def test_set_get_clear_round_trip(store: KeyStore, backend: InMemoryKeyring) -> None:
    saved = store.set(f"  {SECRET}  ")
    assert saved == ApiKey(SECRET)
    assert backend.passwords == {(KEYRING_SERVICE, KEYRING_USERNAME): SECRET}
    assert store.get() == ApiKey(SECRET)
    assert store.source() == "keychain"
    assert not store.environment_overrides

    store.set(OTHER_SECRET)
    assert store.get() == ApiKey(OTHER_SECRET)

    assert store.clear() is True
    assert store.get() is None
    assert backend.passwords == {}


def test_clearing_an_absent_key_is_not_an_error(store: KeyStore) -> None:
    assert store.clear() is False
    store.set(SECRET)
    assert store.clear() is True
    assert store.clear() is False


def test_uses_service_roomdesk_and_username_api_key(
    store: KeyStore, backend: InMemoryKeyring
) -> None:
    store.set(SECRET)
    store.get()
    store.clear()
    assert {(service, user) for _, service, user in backend.calls} == {("roomdesk", "api-key")}


@pytest.mark.parametrize("bad", ["", "   ", f"{SECRET} x", "y" * (MAX_API_KEY_LENGTH + 1)])
def test_set_refuses_invalid_keys_without_touching_the_keychain(
    store: KeyStore, backend: InMemoryKeyring, bad: str
) -> None:
    with pytest.raises(ValueError):
        store.set(bad)
    assert backend.calls == []


def test_require_raises_api_key_missing(store: KeyStore) -> None:
    with pytest.raises(ApiKeyMissing, match=API_KEY_ENV) as raised:
        store.require()
    assert not isinstance(raised.value, KeychainError)
    store.set(SECRET)
    assert store.require() == ApiKey(SECRET)


def test_a_corrupt_stored_value_is_reported_without_quoting_it(
    store: KeyStore, backend: InMemoryKeyring
) -> None:
    backend.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] = f"{SECRET} {SECRET}"
    with pytest.raises(KeychainError, match="not valid") as raised:
        store.get()
    assert SECRET not in str(raised.value)


def test_a_blank_stored_value_counts_as_no_key(store: KeyStore, backend: InMemoryKeyring) -> None:
    backend.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] = "  "
    assert store.get() is None


def test_backend_name_of_an_explicit_backend(store: KeyStore) -> None:
    assert store.backend_name() == "test secrets InMemoryKeyring"
    assert store.check_backend() == "test secrets InMemoryKeyring"


def test_default_backend_and_environment_come_from_keyring_and_os(
    monkeypatch: pytest.MonkeyPatch, backend: InMemoryKeyring
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    store = KeyStore()
    store.set(SECRET)
    assert backend.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] == SECRET
    monkeypatch.setenv(API_KEY_ENV, OTHER_SECRET)
    assert store.get() == ApiKey(OTHER_SECRET)


# --- ROOMDESK_API_KEY ----------------------------------------------------------------------------


def test_environment_key_wins_over_the_keychain(backend: InMemoryKeyring) -> None:
    store = KeyStore(environ={API_KEY_ENV: f" {OTHER_SECRET} "}, keyring_backend=backend)
    backend.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] = SECRET
    assert store.get() == ApiKey(OTHER_SECRET)
    assert store.source() == "environment"
    assert store.environment_overrides


def test_environment_key_needs_no_keychain() -> None:
    broken = RaisingKeyring(keyring.errors.KeyringLocked("locked"))
    store = KeyStore(environ={API_KEY_ENV: SECRET}, keyring_backend=broken)
    assert store.get() == ApiKey(SECRET)
    assert store.source() == "environment"
    assert broken.calls == []
    store = KeyStore(environ={API_KEY_ENV: SECRET}, keyring_backend=fail.Keyring())
    assert store.get() == ApiKey(SECRET)


def test_set_with_environment_key_still_saves_and_says_the_environment_wins(
    backend: InMemoryKeyring,
) -> None:
    store = KeyStore(environ={API_KEY_ENV: OTHER_SECRET}, keyring_backend=backend)
    assert store.set(SECRET) == ApiKey(SECRET)
    assert backend.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] == SECRET
    assert store.environment_overrides
    assert store.get() == ApiKey(OTHER_SECRET)
    assert store.clear() is True
    assert store.get() == ApiKey(OTHER_SECRET)


def test_blank_environment_variable_counts_as_unset(backend: InMemoryKeyring) -> None:
    store = KeyStore(environ={API_KEY_ENV: "  "}, keyring_backend=backend)
    assert not store.environment_overrides
    assert store.get() is None
    assert store.source() is None


def test_invalid_environment_key_is_named_but_not_quoted(backend: InMemoryKeyring) -> None:
    store = KeyStore(environ={API_KEY_ENV: f"{SECRET} {SECRET}"}, keyring_backend=backend)
    with pytest.raises(ValueError, match=API_KEY_ENV) as raised:
        store.get()
    assert SECRET not in str(raised.value)


# --- unusable keychains --------------------------------------------------------------------------


def test_fail_backend_gives_install_advice() -> None:
    store = KeyStore(environ={}, keyring_backend=fail.Keyring())
    assert store.backend_name() == "fail Keyring"
    for attempt in (store.check_backend, store.get, store.source, store.clear):
        with pytest.raises(KeychainError) as raised:
            attempt()
        assert raised.value.problem == "unavailable"
        assert keychain_advice("unavailable") in str(raised.value)
    with pytest.raises(KeychainError) as raised:
        store.set(SECRET)
    assert SECRET not in str(raised.value)


def test_linux_advice_names_what_to_install_and_unlock() -> None:
    advice = keychain_advice("unavailable", platform="linux")
    assert advice.startswith("No usable keychain: install and start a Secret Service")
    assert INSTALL_ADVICE in advice
    assert "KWallet" in advice
    assert "unlock" in advice
    assert "never stores the API key in a plain file" in advice


def test_advice_is_tailored_to_macos_and_windows() -> None:
    for problem in ("unavailable", "locked", "failed"):
        assert "macOS Keychain" in keychain_advice(problem, platform="darwin") or (
            "macOS login keychain" in keychain_advice(problem, platform="darwin")
        )
        assert "Windows" in keychain_advice(problem, platform="win32")
        assert "apt" not in keychain_advice(problem, platform="darwin")
        assert "apt" not in keychain_advice(problem, platform="win32")
    assert "unlock" in keychain_advice("locked", platform="darwin").lower()


def test_null_backend_is_refused() -> None:
    store = KeyStore(environ={}, keyring_backend=null.Keyring())
    with pytest.raises(KeychainError, match="null backend") as raised:
        store.set(SECRET)
    assert raised.value.problem == "unavailable"


def test_chainer_with_no_backends_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    store = KeyStore(environ={}, keyring_backend=chainer.ChainerBackend())
    assert store.backend_name() == "chainer ChainerBackend (no backends)"
    with pytest.raises(KeychainError, match="No usable keychain"):
        store.check_backend()


def test_chainer_is_judged_by_the_backend_it_saves_to(
    monkeypatch: pytest.MonkeyPatch, backend: InMemoryKeyring
) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [backend])
    store = KeyStore(environ={}, keyring_backend=chainer.ChainerBackend())
    assert "InMemoryKeyring" in store.backend_name()
    store.set(SECRET)
    assert store.get() == ApiKey(SECRET)

    plain_file = PlainFileKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plain_file])
    with pytest.raises(KeychainError, match=r"keyrings\.alt"):
        store.set(SECRET)
    assert plain_file.calls == []


def test_file_backends_from_keyrings_alt_are_never_used() -> None:
    plain_file = PlainFileKeyring()
    store = KeyStore(environ={}, keyring_backend=plain_file)
    with pytest.raises(KeychainError, match="keeps secrets in a file"):
        store.set(SECRET)
    assert plain_file.calls == []
    assert plain_file.passwords == {}


@pytest.mark.parametrize(
    ("error", "problem", "hint"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "locked", "unlock"),
        (secretstorage.exceptions.LockedException("locked"), "locked", "unlock"),
        (secretstorage.exceptions.PromptDismissedException("dismissed"), "locked", "unlock"),
        (keyring.errors.InitError("Failed to create the collection"), "unavailable", "install"),
        (keyring.errors.NoKeyringError("no backend"), "unavailable", "install"),
        (
            secretstorage.exceptions.SecretServiceNotAvailableException("no daemon"),
            "unavailable",
            "install",
        ),
        (dbus_error("org.freedesktop.DBus.Error.ServiceUnknown"), "unavailable", "install"),
        (dbus_error("org.freedesktop.Secret.Error.IsLocked"), "locked", "unlock"),
        (ConnectionRefusedError("bus socket"), "unavailable", "install"),
        (keyring.errors.PasswordSetError("denied"), "failed", "refused"),
        (RuntimeError("something else"), "failed", "refused"),
    ],
)
def test_backend_errors_become_keychain_errors(
    error: BaseException, problem: str, hint: str
) -> None:
    assert classify_keychain_error(error) == problem
    store = KeyStore(environ={}, keyring_backend=RaisingKeyring(error))
    for attempt in (store.get, store.clear, store.check_backend, lambda: store.set(SECRET)):
        with pytest.raises(KeychainError) as raised:
            attempt()
        assert raised.value.problem == problem
        assert raised.value.cause_type == type(error).__name__
        assert hint in str(raised.value).lower()
        assert raised.value.__cause__ is None
        assert raised.value.__context__ is None


def test_locked_keychain_advice_on_linux_says_unlock() -> None:
    store = KeyStore(environ={}, keyring_backend=RaisingKeyring(keyring.errors.KeyringLocked("x")))
    with pytest.raises(KeychainError) as raised:
        store.get()
    assert str(raised.value).startswith(keychain_advice("locked"))
    assert "unlock your login keyring" in keychain_advice("locked", platform="linux")


def test_a_backend_error_quoting_the_key_does_not_leak_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = KeyStore(environ={}, keyring_backend=LeakySetKeyring())
    with pytest.raises(KeychainError) as raised:
        store.set(SECRET)
    error = raised.value
    assert error.__cause__ is None
    assert error.__context__ is None
    assert error.__suppress_context__
    shown = "".join(traceback.format_exception(error)) + repr(error) + str(error) + repr(error.args)
    with caplog.at_level(logging.ERROR):
        logging.getLogger("roomdesk.test").error("save failed", exc_info=error)
    shown += caplog.text
    assert "PasswordSetError" in shown
    assert SECRET not in shown


def test_delete_refused_while_the_key_is_still_there_is_an_error() -> None:
    backend = StuckDeleteKeyring()
    store = KeyStore(environ={}, keyring_backend=backend)
    store.set(SECRET)
    with pytest.raises(KeychainError) as raised:
        store.clear()
    assert raised.value.problem == "failed"
    assert store.get() == ApiKey(SECRET)


def test_describe_backend_uses_friendly_names() -> None:
    class Keyring(InMemoryKeyring):
        pass

    Keyring.__module__ = "keyring.backends.macOS"
    Keyring.__qualname__ = "Keyring"
    assert describe_backend(Keyring()) == "macOS Keychain"
    assert describe_backend(fail.Keyring()) == "fail Keyring"


def test_broken_keyring_configuration_is_a_keychain_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def get_keyring() -> KeyringBackend:
        raise ImportError("PYTHON_KEYRING_BACKEND names no class")

    monkeypatch.setattr(keyring, "get_keyring", get_keyring)
    store = KeyStore(environ={})
    with pytest.raises(KeychainError) as raised:
        store.get()
    assert raised.value.cause_type == "ImportError"
    assert store.backend_name() == "no keyring backend"


# --- async wrappers ------------------------------------------------------------------------------


def test_async_wrappers_run_in_a_worker_thread(store: KeyStore, backend: InMemoryKeyring) -> None:
    async def scenario() -> tuple[ApiKey, ApiKey | None, bool, ApiKey | None]:
        saved = await store.aset(f" {SECRET} ")
        loaded = await store.aget()
        removed = await store.aclear()
        return saved, loaded, removed, await store.aget()

    saved, loaded, removed, after = asyncio.run(scenario())
    assert saved == loaded == ApiKey(SECRET)
    assert removed is True
    assert after is None
    assert backend.threads
    assert threading.get_ident() not in backend.threads


def test_async_wrappers_raise_the_same_errors() -> None:
    store = KeyStore(environ={}, keyring_backend=fail.Keyring())

    async def scenario() -> None:
        with pytest.raises(ValueError):
            await store.aset("")
        with pytest.raises(KeychainError):
            await store.aset(SECRET)
        with pytest.raises(KeychainError):
            await store.aget()
        with pytest.raises(KeychainError):
            await store.aclear()

    asyncio.run(scenario())
