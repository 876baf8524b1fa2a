"""roomdesk: a desktop app for creating and managing Whereby video rooms."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("roomdesk")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"

APP_NAME = "roomdesk"
