"""dmgbuild settings for roomdesk's disk image: the app and an Applications link side by side.

packaging/build-macos.sh runs
    dmgbuild -s packaging/macos/dmg_settings.py -D app=dist/roomdesk.app roomdesk <out>.dmg
dmgbuild executes this file with ``defines`` (the -D values) predefined.
"""

import os.path

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
application = defines.get("app", os.path.join(REPO_ROOT, "dist", "roomdesk.app"))  # noqa: F821
app_name = os.path.basename(application)

# Compressed, read-only; opens on every macOS release PySide6 supports.
format = "UDZO"
compression_level = 9
size = None  # as large as the contents need

files = [application]
symlinks = {"Applications": "/Applications"}
icon = os.path.join(REPO_ROOT, "resources", "icons", "app", "roomdesk.icns")

# Drag-to-install window.
default_view = "icon-view"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 160), (560, 320))
icon_size = 128
text_size = 13
arrange_by = None
icon_locations = {app_name: (140, 150), "Applications": (420, 150)}
