"""The local room store (stdlib sqlite3): every room roomdesk created or found, and its status."""

from roomdesk.store.db import (
    RoomStore,
    StoreCorruptError,
    StoreError,
    StoreFolderError,
    StoreUnavailableError,
    StoreVersionError,
    StoreWriteError,
    move_aside,
)
from roomdesk.store.migrations import LATEST_VERSION
from roomdesk.store.records import LinkKind, PendingCreate, PendingState, RoomSource, StoredRoom
from roomdesk.store.rows import RoomRows

__all__ = [
    "LATEST_VERSION",
    "LinkKind",
    "PendingCreate",
    "PendingState",
    "RoomRows",
    "RoomSource",
    "RoomStore",
    "StoreCorruptError",
    "StoreError",
    "StoreFolderError",
    "StoreUnavailableError",
    "StoreVersionError",
    "StoreWriteError",
    "StoredRoom",
    "move_aside",
]
