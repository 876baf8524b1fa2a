"""The script PyInstaller freezes: the same ``main`` as ``roomdesk`` and ``python -m roomdesk``.

Before that it undoes what the frozen start-up put into the environment for this process only:
the bootloader prepends the bundle to ``LD_LIBRARY_PATH`` (Linux) and PyInstaller's Qt hook sets
``QT_PLUGIN_PATH``. Child processes inherit both, e.g. ``xdg-open`` and the browser that opening
a room link starts, and would then load the bundle's libraries and Qt plugins instead of their
own. The dynamic loader read ``LD_LIBRARY_PATH`` when this process started, and Qt keeps the
plugin folder as a library path, so this process is not affected.
"""

import os
import sys


def restore_child_environment() -> None:
    bundle = getattr(sys, "_MEIPASS", "")
    plugin_path = os.environ.pop("QT_PLUGIN_PATH", None)
    if plugin_path:
        from PySide6.QtCore import QCoreApplication

        # A path added before the QApplication exists is kept when Qt computes its paths.
        for directory in plugin_path.split(os.pathsep):
            QCoreApplication.addLibraryPath(directory)
    os.environ.pop("QML2_IMPORT_PATH", None)
    if sys.platform.startswith("linux"):
        # The bootloader saved the person's own value, if there was one.
        original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = original
    # macOS outside an .app: PyInstaller's Qt hook prepends the bundle here.
    searched = os.environ.get("DYLD_LIBRARY_PATH")
    if searched is not None and bundle:
        kept = [entry for entry in searched.split(os.pathsep) if entry and bundle not in entry]
        if kept:
            os.environ["DYLD_LIBRARY_PATH"] = os.pathsep.join(kept)
        else:
            del os.environ["DYLD_LIBRARY_PATH"]


if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        restore_child_environment()

    from roomdesk.app import main

    sys.exit(main())
