"""roomdesk: a desktop app for creating and managing Whereby video rooms."""

# Kept equal to pyproject.toml's version by a test. Written here rather than read from the
# installed metadata, so no start pays for importing importlib.metadata.
__version__ = "0.1.0"

APP_NAME = "roomdesk"
