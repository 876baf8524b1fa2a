#!/usr/bin/env bash
# Build roomdesk for Linux: PyInstaller one-folder app in dist/roomdesk/, then
#   dist/roomdesk_<version>_<arch>.deb          (installs to /opt/roomdesk, /usr/bin/roomdesk)
#   dist/roomdesk-<version>-linux-<machine>.tar.xz  (portable folder)
# Needs python3 (3.11+, with venv), objdump (binutils), dpkg-deb and xz; lintian and
# desktop-file-validate are used when installed. Debian tools and PyPI packages only.
#
# Environment: BUILD_VENV (default build/venv) is created if missing and reused otherwise;
# PYTHON (default python3) creates it. SKIP_SELF_TEST=1 skips the frozen app's self-test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)
BUILD_VENV=${BUILD_VENV:-build/venv}
PYTHON=${PYTHON:-python3}
started=$(date +%s)

step() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }
fail() {
    echo "error: $*" >&2
    exit 1
}

for tool in "$PYTHON" objdump dpkg-deb xz tar; do
    command -v "$tool" >/dev/null || fail "$tool not found (Debian: apt-get install python3-venv binutils dpkg xz-utils)"
done

NAME=$("$PYTHON" packaging/project_info.py name)
VERSION=$("$PYTHON" packaging/project_info.py version)
DESCRIPTION=$("$PYTHON" packaging/project_info.py description)
MAINTAINER=$("$PYTHON" packaging/project_info.py maintainer)
ARCH=$(dpkg --print-architecture)
MACHINE=$(uname -m)
# Reproducible timestamps: the last commit's time when this is a git checkout.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

step "Build venv $BUILD_VENV"
if [[ ! -x "$BUILD_VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$BUILD_VENV"
    "$BUILD_VENV/bin/python" -m pip install --quiet --upgrade pip
fi
# Installs roomdesk's dependencies and its metadata; PyInstaller reads the code from the checkout.
# setuptools' warnings about pyproject.toml go to the log unless the install fails.
mkdir -p build
if ! "$BUILD_VENV/bin/python" -m pip install --quiet -r packaging/requirements-build.txt . \
    >build/pip-install.log 2>&1; then
    cat build/pip-install.log >&2
    fail "pip install failed"
fi

step "Icons"
for size in 16 24 32 48 64 128 256 512; do
    [[ -f resources/icons/app/roomdesk-$size.png ]] || fail "resources/icons/app/roomdesk-$size.png is missing: run packaging/make_icons.py"
done
QT_QPA_PLATFORM=offscreen "$BUILD_VENV/bin/python" packaging/make_icons.py --check ||
    echo "warning: the app icons differ from resources/roomdesk.svg; run packaging/make_icons.py" >&2

step "PyInstaller"
rm -rf dist/roomdesk
"$BUILD_VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/roomdesk.spec
APP_DIR=dist/roomdesk
[[ -x $APP_DIR/$NAME ]] || fail "PyInstaller did not produce $APP_DIR/$NAME"

if [[ ${SKIP_SELF_TEST:-} != 1 ]]; then
    step "Self-test of $APP_DIR"
    "$APP_DIR/$NAME" --self-test
fi

step "Package dependencies"
deb_relations=$("$PYTHON" packaging/linux/deb_depends.py "$APP_DIR")
echo "$deb_relations"

# --- icons and desktop integration, shared by the .deb and the portable archive ---------------
install_desktop_files() { # $1: a share/ directory
    local share=$1 size
    install -D -m 0644 resources/roomdesk.desktop "$share/applications/$NAME.desktop"
    install -D -m 0644 resources/roomdesk.svg "$share/icons/hicolor/scalable/apps/$NAME.svg"
    for size in 16 24 32 48 64 128 256 512; do
        install -D -m 0644 "resources/icons/app/roomdesk-$size.png" \
            "$share/icons/hicolor/${size}x${size}/apps/$NAME.png"
    done
}

# Files 0644, folders and the launcher 0755: the wheels' modes vary (some .so files are 0775).
normalize_modes() { # $1: folder, $2: the executable inside it
    find "$1" -type d -exec chmod 0755 {} +
    find "$1" -type f -exec chmod 0644 {} +
    chmod 0755 "$2"
}

step "Debian package"
DEB_ROOT=build/deb/${NAME}_${VERSION}_${ARCH}
rm -rf "$DEB_ROOT"
mkdir -p "$DEB_ROOT/opt" "$DEB_ROOT/usr/bin" "$DEB_ROOT/DEBIAN"
cp -a "$APP_DIR" "$DEB_ROOT/opt/$NAME"
normalize_modes "$DEB_ROOT/opt/$NAME" "$DEB_ROOT/opt/$NAME/$NAME"
# Between top-level folders Debian wants absolute links; the bootloader finds its folder itself.
ln -s "/opt/$NAME/$NAME" "$DEB_ROOT/usr/bin/$NAME"
install_desktop_files "$DEB_ROOT/usr/share"
install -D -m 0644 resources/roomdesk.metainfo.xml \
    "$DEB_ROOT/usr/share/metainfo/$("$PYTHON" packaging/project_info.py bundle-id).metainfo.xml"
install -D -m 0644 packaging/linux/copyright "$DEB_ROOT/usr/share/doc/$NAME/copyright"
# A native package's changelog: one entry for this version, dated like the sources.
{
    echo "$NAME ($VERSION) unstable; urgency=medium"
    echo
    echo "  * roomdesk $VERSION."
    echo
    echo " -- $MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9 -n >"$DEB_ROOT/usr/share/doc/$NAME/changelog.gz"
chmod 0644 "$DEB_ROOT/usr/share/doc/$NAME/changelog.gz"
install -m 0755 packaging/linux/postinst packaging/linux/postrm "$DEB_ROOT/DEBIAN/"
installed_size=$(du -sk --exclude=DEBIAN "$DEB_ROOT" | cut -f1)
{
    echo "Package: $NAME"
    echo "Version: $VERSION"
    echo "Architecture: $ARCH"
    echo "Maintainer: $MAINTAINER"
    echo "Installed-Size: $installed_size"
    echo "$deb_relations"
    echo "Section: net"
    echo "Priority: optional"
    # Debian's synopsis starts without an article ("A desktop app ..." -> "Desktop app ...").
    echo "Description: $(sed -E 's/^(A|An|The) (.)/\u\2/' <<<"$DESCRIPTION")"
    echo " roomdesk creates a Whereby room for each of your sessions through Whereby's"
    echo " REST API, keeps the rooms you created in a local list with their status and"
    echo " end time, and puts each link (participant, host, viewer) one keystroke away."
    echo " The API key is kept in the system keychain (GNOME Keyring or KWallet through"
    echo " the Secret Service). A demo mode with a built-in imitation of Whereby's API"
    echo " needs no account."
} >"$DEB_ROOT/DEBIAN/control"
DEB_FILE=dist/${NAME}_${VERSION}_${ARCH}.deb
dpkg-deb --build --root-owner-group -Zxz "$DEB_ROOT" "$DEB_FILE"

step "Portable archive"
PORTABLE_NAME=$NAME-$VERSION-linux-$MACHINE
PORTABLE_ROOT=build/portable/$PORTABLE_NAME
rm -rf build/portable
mkdir -p build/portable
cp -a "$APP_DIR" "$PORTABLE_ROOT"
normalize_modes "$PORTABLE_ROOT" "$PORTABLE_ROOT/$NAME"
install_desktop_files "$PORTABLE_ROOT/share"
install -m 0755 packaging/linux/install-desktop-entry.sh "$PORTABLE_ROOT/"
TAR_FILE=dist/$PORTABLE_NAME.tar.xz
tar --create --directory build/portable --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$SOURCE_DATE_EPOCH" "$PORTABLE_NAME" | xz -T0 -6 >"$TAR_FILE"

step "Checks"
dpkg-deb --info "$DEB_FILE"
contents=$(dpkg-deb --contents "$DEB_FILE")
grep -v "/opt/$NAME/_internal/." <<<"$contents" || true
echo "($(wc -l <<<"$contents") entries in all)"
for path in "./opt/$NAME/$NAME" "./usr/bin/$NAME" "./usr/share/applications/$NAME.desktop" \
    "./usr/share/icons/hicolor/scalable/apps/$NAME.svg" \
    "./usr/share/icons/hicolor/256x256/apps/$NAME.png" \
    "./opt/$NAME/_internal/licenses/THIRD-PARTY.txt"; do
    grep -q " $path\( ->\|$\)" <<<"$contents" || fail "$DEB_FILE lacks $path"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$DEB_ROOT/usr/share/applications/$NAME.desktop"
fi
if command -v lintian >/dev/null; then
    # Informational. Tags that come with a PyInstaller bundle in /opt are not shown: files in
    # /opt, the wheels' $ORIGIN run paths, the libraries Python itself links to, and the
    # bootloader built without PIE.
    lintian --suppress-tags dir-or-file-in-opt,custom-library-search-path,embedded-library,\
shared-library-lacks-prerequisites,library-not-linked-against-libc,hardening-no-pie \
        "$DEB_FILE" || echo "(lintian reported the above; not fatal)"
fi

step "Done"
ls -l "$DEB_FILE" "$TAR_FILE"
echo "app folder: $(du -sh "$APP_DIR" | cut -f1)  (${REPO_ROOT}/$APP_DIR)"
