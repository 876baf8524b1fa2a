"""Give memory freed by Python back to the operating system, where the C library allows it.

After a large list of rooms is replaced, its millions of small strings are freed, but glibc's
allocator keeps most of the pages they used, so the process stays that much bigger for the rest
of its run. ``malloc_trim`` returns those pages, cheaply. Other C libraries (macOS, Windows,
musl) have no such call and return memory their own way: there this does nothing.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_looked_up = False
_lookup_lock = threading.Lock()


def _find_malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None)  # the symbols already loaded into the process, libc's included
    except (ImportError, OSError):  # a build without ctypes: memory is kept, nothing breaks
        return None
    trim = getattr(libc, "malloc_trim", None)  # glibc only
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back_free_memory() -> bool:
    """Return the C heap's free pages to the system; False where the C library cannot."""
    global _trim, _looked_up
    with _lookup_lock:
        if not _looked_up:
            _trim = _find_malloc_trim()
            _looked_up = True
    if _trim is None:
        return False
    _trim(0)
    return True
