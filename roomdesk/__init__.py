"""roomdesk: a desktop app for creating and managing Whereby video rooms."""

# Kept equal to pyproject.toml's version by a test. Written here rather than read from the
# installed metadata: importing importlib.metadata costs about 20 ms of every start.
__version__ = "0.1.0"

APP_NAME = "roomdesk"
