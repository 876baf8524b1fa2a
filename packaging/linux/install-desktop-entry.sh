#!/bin/sh
# Portable roomdesk: add it to your application menu (for you only), pointing at this folder.
#   ./install-desktop-entry.sh           add or update the menu entry and the icon
#   ./install-desktop-entry.sh --remove  take them away again (this folder stays)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/roomdesk.desktop"
icons="$data/icons/hicolor"

refresh() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache --quiet "$icons" || true
    fi
}

if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry"
    find "$icons" -name 'roomdesk.png' -path '*/apps/*' -delete 2>/dev/null || true
    rm -f "$icons/scalable/apps/roomdesk.svg"
    refresh
    echo "Removed the roomdesk menu entry."
    exit 0
fi

case "$here" in
    *'"'* | *'\'* | *'`'* | *'$'*)
        echo "error: move this folder to a path without quotes, backslashes or \$ first" >&2
        exit 2
        ;;
esac

mkdir -p "$data/applications"
# Exec and TryExec name this folder's launcher instead of one on PATH.
sed -e "s|^Exec=roomdesk|Exec=\"$here/roomdesk\"|" -e "s|^TryExec=roomdesk|TryExec=$here/roomdesk|" \
    "$here/share/applications/roomdesk.desktop" >"$entry"
(cd "$here/share/icons/hicolor" && find . -type f) | while read -r icon; do
    mkdir -p "$icons/$(dirname "$icon")"
    cp "$here/share/icons/hicolor/$icon" "$icons/$icon"
done
refresh
echo "Added roomdesk to your application menu ($entry)."
