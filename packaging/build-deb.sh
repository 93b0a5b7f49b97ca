#!/usr/bin/env bash
# Build the Debian/Ubuntu package of SFA Desktop from the PyInstaller bundle:
#
#   packaging/build-deb.sh [BUNDLE]      (BUNDLE: dist/sfa-desktop, built first when missing)
#
# writes dist/sfa-desktop_<version>_<arch>.deb, which installs
#   /opt/sfa-desktop/                          the bundle (sfa-desktop, sfa, _internal/)
#   /usr/bin/sfa, /usr/bin/sfa-desktop         symbolic links into /opt/sfa-desktop
#   /usr/share/applications/sfa-desktop.desktop
#   /usr/share/icons/hicolor/scalable/apps/sfa-desktop.svg
# and nothing else: no maintainer scripts (the menu and icon caches are refreshed by the triggers of
# desktop-file-utils and hicolor-icon-theme), so `dpkg -r sfa-desktop` removes every file it installed.
# The data folder (~/.local/share/sfa-desktop, or --data-dir / $SFA_DATA_DIR) is the person's: no package
# operation touches it, so it survives upgrades, removal and reinstalling.
#
# Needs dpkg-deb (Debian's dpkg package); runs as any user (files are owned by root in the package).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BUNDLE=${1:-dist/sfa-desktop}
PYTHON=${PYTHON:-python}

if [ ! -x "$BUNDLE/sfa-desktop" ]; then
    echo "build-deb: no bundle in $BUNDLE; building it (pyinstaller packaging/sfa-desktop.spec)"
    "$PYTHON" -m PyInstaller --noconfirm --log-level WARN packaging/sfa-desktop.spec
    BUNDLE=dist/sfa-desktop
fi
BUNDLE=$(cd "$BUNDLE" && pwd)

VERSION=$(PYTHONPATH="$ROOT" "$PYTHON" -c 'import sfa_desktop; print(sfa_desktop.__version__)')
BUILD=$(cat "$BUNDLE/_internal/sfa_desktop/BUILD" 2>/dev/null || echo development)
ARCH=$(dpkg --print-architecture)
# The bundle runs where glibc is at least as new as on the machine that built it.
GLIBC=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
OUT="$ROOT/dist/sfa-desktop_${VERSION}_${ARCH}.deb"

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
PKG="$STAGE/sfa-desktop"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/icons/hicolor/scalable/apps" "$PKG/usr/share/doc/sfa-desktop"
cp -a "$BUNDLE" "$PKG/opt/sfa-desktop"
ln -s /opt/sfa-desktop/sfa "$PKG/usr/bin/sfa"
ln -s /opt/sfa-desktop/sfa-desktop "$PKG/usr/bin/sfa-desktop"
install -m 644 resources/sfa-desktop.desktop "$PKG/usr/share/applications/sfa-desktop.desktop"
install -m 644 resources/icons/logo.svg "$PKG/usr/share/icons/hicolor/scalable/apps/sfa-desktop.svg"
cat >"$PKG/usr/share/doc/sfa-desktop/copyright" <<EOF
SFA Desktop $VERSION (build $BUILD). Proprietary.
Bundled: Python, Qt for Python (LGPLv3), SQLAlchemy, Alembic, ReportLab and the other libraries listed in
/opt/sfa-desktop/_internal/*.dist-info; DejaVu fonts (see /opt/sfa-desktop/_internal/resources/fonts).
EOF
# Permissions as a package wants them, whatever the umask of the build
find "$PKG" -type d -exec chmod 755 {} +
find "$PKG/opt/sfa-desktop" -type f -exec chmod go-w,a+r {} +

SIZE_KB=$(du -sk "$PKG" | cut -f1)
cat >"$PKG/DEBIAN/control" <<EOF
Package: sfa-desktop
Version: $VERSION
Architecture: $ARCH
Maintainer: SFA Desktop team <sfa-desktop@example.com>
Installed-Size: $SIZE_KB
Section: misc
Priority: optional
Depends: libc6 (>= $GLIBC), zlib1g, libgl1, libegl1, libglvnd0, libdrm2, libxcb1
Recommends: fonts-dejavu-core, libwayland-client0, libwayland-cursor0, libwayland-egl1
Description: Offline-first sales force automation
 Accounts, contacts, leads and opportunities on the laptop, synced with the
 company's central store when online. The window (sfa-desktop) and the
 command line (sfa). Build $BUILD.
EOF

mkdir -p "$(dirname "$OUT")"
# xz at level 6: about a third of the bundle's size, in well under a minute on two cores
dpkg-deb --root-owner-group -Zxz -z6 --build "$PKG" "$OUT" >/dev/null
echo "build-deb: $OUT ($(du -h "$OUT" | cut -f1); installs $((SIZE_KB / 1024)) MB)"
