#!/usr/bin/env bash
# Install the .deb on this machine, use it as a rep would, remove it, and check that nothing is left.
#
#   packaging/check_deb.sh [dist/sfa-desktop_<version>_<arch>.deb]      (as root; changes the system)
#
# Checks: dpkg -i installs; `sfa` and `sfa-desktop` are on PATH (/usr/bin) and run in a clean environment
# (env -i with only PATH): --version, demo, a call sheet, the window's screenshot; the desktop entry
# validates (when desktop-file-validate is there) and names an installed icon; the data folder is left
# alone by removal and reinstalling; dpkg -r leaves no file of the package and the package's state is
# "not installed" (no configuration files to purge).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEB=${1:-$(ls -t dist/sfa-desktop_*.deb 2>/dev/null | head -1)}
[ -f "$DEB" ] || { echo "check_deb: no .deb (run packaging/build-deb.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "check_deb: run as root (it installs the package)" >&2; exit 1; }
fail() { printf 'check_deb: FAILED: %s\n' "$*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' sfa-desktop 2>/dev/null | grep -q 'ok installed'; then
    fail "sfa-desktop is installed already: remove it first (dpkg -r sfa-desktop)"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
snapshot() { find /opt /usr/bin /usr/share/applications /usr/share/icons /usr/share/doc 2>/dev/null | sort; }
snapshot >"$WORK/before"

echo "check_deb: dpkg -i $DEB"
dpkg -i "$DEB" >"$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log" >&2; fail "dpkg -i"; }
# no keyring in a clean environment: the data is encrypted with a passphrase
clean() { env -i PATH=/usr/bin:/bin SFA_PASSPHRASE=deb-check "$@"; }
on_path() { env -i PATH=/usr/bin:/bin sh -c 'command -v "$1"' sh "$1"; }
on_path sfa | grep -qx /usr/bin/sfa || fail "sfa is not on PATH"
on_path sfa-desktop | grep -qx /usr/bin/sfa-desktop || fail "sfa-desktop is not on PATH"
echo "  $(clean sfa --version)"
DATA="$WORK/data"
clean sfa --data-dir "$DATA" demo >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; fail "sfa demo"; }
clean sfa --data-dir "$DATA" callsheet -o "$WORK/calls.pdf" >/dev/null 2>"$WORK/err" \
    || { cat "$WORK/err" >&2; fail "sfa callsheet"; }
clean sfa-desktop --data-dir "$DATA" --screenshot "$WORK/window.png" 2>"$WORK/err" \
    || { cat "$WORK/err" >&2; fail "sfa-desktop --screenshot"; }
[ ! -s "$WORK/err" ] || { cat "$WORK/err" >&2; fail "warnings on the terminal"; }
[ -s "$WORK/calls.pdf" ] && [ -s "$WORK/window.png" ] || fail "no PDF or no screenshot"
echo "  /usr/bin/sfa demo, callsheet and /usr/bin/sfa-desktop --screenshot: ok"
entry=/usr/share/applications/sfa-desktop.desktop
[ -f "$entry" ] || fail "no desktop entry"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$entry" || fail "desktop entry does not validate"
fi
icon=$(sed -n 's/^Icon=//p' "$entry")
[ -f "/usr/share/icons/hicolor/scalable/apps/$icon.svg" ] || fail "the entry's icon $icon is not installed"
exec_=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry")
on_path "$exec_" >/dev/null || fail "the entry's Exec=$exec_ is not on PATH"
echo "  desktop entry and icon: ok"

echo "check_deb: reinstall (the data folder stays)"
dpkg -i "$DEB" >"$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log" >&2; fail "dpkg -i again"; }
clean sfa --data-dir "$DATA" search Okafor >/dev/null || fail "the data folder does not open after reinstalling"

echo "check_deb: dpkg -r sfa-desktop"
dpkg -r sfa-desktop >"$WORK/dpkg-r.log" 2>&1 || { cat "$WORK/dpkg-r.log" >&2; fail "dpkg -r"; }
snapshot >"$WORK/after"
if ! diff -u "$WORK/before" "$WORK/after" >"$WORK/diff"; then
    cat "$WORK/diff" >&2
    fail "files left (or removed) by install and remove"
fi
state=$(dpkg-query -W -f='${db:Status-Abbrev}' sfa-desktop 2>/dev/null || true)
case "$state" in "" | "un"*) ;; *) fail "package state after removal: '$state' (expected not installed)" ;; esac
[ -f "$DATA/sfa.sqlite3" ] || fail "removing the package touched the data folder"
echo "  nothing left in /opt, /usr/bin, /usr/share; the data folder is untouched"
echo "check_deb: ok"
