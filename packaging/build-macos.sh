#!/usr/bin/env bash
# Build roomdesk for macOS: PyInstaller's dist/roomdesk.app (from packaging/roomdesk.spec's
# BUNDLE), its self-test, then dist/roomdesk-<version>-macos-<arch>.dmg with dmgbuild.
# Needs Python 3.11+ (python.org or Homebrew); dmgbuild and PyInstaller come from PyPI
# (packaging/requirements-build.txt) into the build venv. The app is ad-hoc signed by
# PyInstaller; signing with a Developer ID and notarizing are not part of this script.
#
# Environment: BUILD_VENV (default build/venv), PYTHON (default python3), SKIP_SELF_TEST=1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_VENV=${BUILD_VENV:-build/venv}
PYTHON=${PYTHON:-python3}

step() { printf '\n== %s\n' "$*"; }

NAME=$("$PYTHON" packaging/project_info.py name)
VERSION=$("$PYTHON" packaging/project_info.py version)
ARCH=$(uname -m)

step "Build venv $BUILD_VENV"
if [[ ! -x "$BUILD_VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$BUILD_VENV"
    "$BUILD_VENV/bin/python" -m pip install --quiet --upgrade pip
fi
"$BUILD_VENV/bin/python" -m pip install --quiet -r packaging/requirements-build.txt .

step "PyInstaller"
rm -rf "dist/$NAME" "dist/$NAME.app"
"$BUILD_VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/roomdesk.spec
APP=dist/$NAME.app
[[ -x $APP/Contents/MacOS/$NAME ]] || { echo "error: PyInstaller did not produce $APP" >&2; exit 1; }
/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$APP/Contents/Info.plist"

if [[ ${SKIP_SELF_TEST:-} != 1 ]]; then
    step "Self-test of $APP"
    "$APP/Contents/MacOS/$NAME" --self-test
fi

step "Disk image"
DMG=dist/$NAME-$VERSION-macos-$ARCH.dmg
rm -f "$DMG"
"$BUILD_VENV/bin/dmgbuild" -s packaging/macos/dmg_settings.py -D "app=$APP" "$NAME $VERSION" "$DMG"
ls -l "$DMG"
