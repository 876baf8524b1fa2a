"""The .deb's Depends and Recommends, worked out from the frozen bundle's ELF files.

Every shared library a bundled binary needs (``NEEDED`` in its dynamic section, read with
``objdump -p``) is either in the bundle or must come from a Debian package. This maps each
system library to its Debian 12 package (newer releases' ``t64`` packages provide these names)
and fails, naming the library, when a new one appears that the map does not know yet: the build
then stops instead of shipping a package that cannot start. Libraries needed only by optional
plugins (GTK theme, Wayland, GLX) become Recommends: Qt falls back when those plugins fail to load.
The glibc version is the highest ``GLIBC_x.y`` symbol version any binary requires.

Usage: ``python3 packaging/linux/deb_depends.py dist/roomdesk`` prints two control-file lines.
``--check-host`` also compares the map with ``dpkg-query -S`` on this machine.
"""

from __future__ import annotations

import argparse
import functools
import re
import subprocess
import sys
from pathlib import Path

# Whoever installs roomdesk gets these offered too: a keychain for the API key and xdg-open,
# which opens room links in the browser outside a desktop portal.
EXTRA_RECOMMENDS = ("gnome-keyring | kwalletmanager", "xdg-utils")

# Paths (relative to the bundle) whose libraries are optional: Qt skips a plugin it cannot load.
OPTIONAL_PARTS = (
    "plugins/platformthemes/libqgtk3",
    "plugins/platforms/libqwayland",
    "plugins/wayland-",
    "libQt6WaylandClient",
    "libQt6WlShellIntegration",
    "plugins/xcbglintegrations/",
)

GLIBC = "libc6"
# Debian 12 package of each system library the bundle may need.
PACKAGE_OF = {
    **dict.fromkeys(
        (
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libpthread.so.0",
            "librt.so.1",
            "libutil.so.1",
            "libresolv.so.2",
            "ld-linux-x86-64.so.2",
            "ld-linux-aarch64.so.1",
        ),
        GLIBC,
    ),
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    **dict.fromkeys(
        (
            "libglib-2.0.so.0",
            "libgthread-2.0.so.0",
            "libgobject-2.0.so.0",
            "libgio-2.0.so.0",
            "libgmodule-2.0.so.0",
        ),
        "libglib2.0-0",
    ),
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libdbus-1.so.3": "libdbus-1-3",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libdrm.so.2": "libdrm2",
    "libgbm.so.1": "libgbm1",
    "libvulkan.so.1": "libvulkan1",
    "libgtk-3.so.0": "libgtk-3-0",
    "libgdk-3.so.0": "libgtk-3-0",
    "libgdk_pixbuf-2.0.so.0": "libgdk-pixbuf-2.0-0",
    "libpango-1.0.so.0": "libpango-1.0-0",
    "libpangocairo-1.0.so.0": "libpangocairo-1.0-0",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libatk-1.0.so.0": "libatk1.0-0",
    "libcairo.so.2": "libcairo2",
    "libcairo-gobject.so.2": "libcairo-gobject2",
    # Python's own libraries, in case a build leaves one out of the bundle.
    "libssl.so.3": "libssl3",
    "libcrypto.so.3": "libssl3",
    "libsqlite3.so.0": "libsqlite3-0",
    "libffi.so.8": "libffi8",
    "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5",
    "libexpat.so.1": "libexpat1",
    "libuuid.so.1": "libuuid1",
    "libcrypt.so.1": "libcrypt1",
}

_NEEDED = re.compile(r"^\s*NEEDED\s+(\S+)", re.MULTILINE)
_GLIBC_VERSION = re.compile(r"\bGLIBC_(\d+(?:\.\d+)+)\b")


def elf_files(bundle: Path) -> list[Path]:
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def dynamic_section(path: Path) -> str:
    return subprocess.run(
        ["objdump", "-p", str(path)], capture_output=True, text=True, check=True
    ).stdout


def is_optional(relative: str) -> bool:
    return any(part in relative for part in OPTIONAL_PARTS)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def work_out(bundle: Path) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """(Depends, Recommends, {unknown library: [binaries needing it]})."""
    bundled = {path.name for path in bundle.rglob("*")}
    required: set[str] = set()
    optional: set[str] = set()
    unknown: dict[str, list[str]] = {}
    glibc = "0"
    for path in elf_files(bundle):
        relative = path.relative_to(bundle).as_posix()
        section = dynamic_section(path)
        for version in _GLIBC_VERSION.findall(section):
            glibc = max(glibc, version, key=version_key)
        for library in _NEEDED.findall(section):
            if library in bundled:
                continue
            package = PACKAGE_OF.get(library)
            if package is None:
                unknown.setdefault(library, []).append(relative)
            else:
                (optional if is_optional(relative) else required).add(package)
    optional -= required
    depends = [f"{GLIBC} (>= {glibc})" if package == GLIBC else package for package in required]
    recommends = sorted(optional) + list(EXTRA_RECOMMENDS)
    return sorted(depends), recommends, unknown


@functools.cache
def _linker_cache() -> str:
    return subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout


def host_package(library: str) -> str | None:
    """The package that holds ``library`` on this machine, or None when not installed."""
    for line in _linker_cache().splitlines():
        name, _, path = line.strip().partition(" => ")
        if name.split(" ", 1)[0] != library:
            continue
        candidates = {path, str(Path(path).resolve())}
        # Merged /usr: dpkg may know the file under either prefix.
        candidates |= {c.replace("/usr/lib/", "/lib/", 1) for c in list(candidates)}
        candidates |= {c.replace("/lib/", "/usr/lib/", 1) for c in list(candidates)}
        for candidate in candidates:
            owner = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
            if owner.returncode == 0:
                return owner.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the PyInstaller onedir folder")
    parser.add_argument(
        "--check-host", action="store_true", help="compare the map with dpkg-query on this machine"
    )
    args = parser.parse_args(argv)
    depends, recommends, unknown = work_out(args.bundle)
    if unknown:
        for library, users in sorted(unknown.items()):
            print(
                f"error: {library} (needed by {', '.join(users[:3])}) is neither bundled nor in "
                f"PACKAGE_OF in {Path(__file__).name}: add its Debian package there",
                file=sys.stderr,
            )
        return 1
    if args.check_host:
        for library in sorted(PACKAGE_OF):
            found = host_package(library)
            if found is not None and found.removesuffix("t64") != PACKAGE_OF[library]:
                print(
                    f"warning: {library} is in {found} here, the map says {PACKAGE_OF[library]}",
                    file=sys.stderr,
                )
    print(f"Depends: {', '.join(depends)}")
    print(f"Recommends: {', '.join(recommends)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
