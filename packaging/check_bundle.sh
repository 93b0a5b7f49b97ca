#!/usr/bin/env bash
# Check a built Linux bundle the way a rep's clean machine would run it: every command in an empty
# environment (env -i: no PATH, no HOME, no LANG, no PYTHONPATH, no virtual environment), once more under a
# non-UTF-8 locale (LANG=C), and nothing but the expected output on the terminal (no warnings).
#
#   packaging/check_bundle.sh [dist/sfa-desktop]
#
# Checks: `sfa --version` names the version and the build; `sfa demo` makes demo data; `sfa callsheet`
# writes a PDF; `sfa-desktop --screenshot` (Qt's offscreen platform) writes a PNG; every shared library in
# the bundle finds what it links; the size is under the budget (SFA_BUNDLE_BUDGET_MB, 256: 200 until SQLCipher's
# extension, 8 MB with its own OpenSSL, made the laptop's data encrypted at rest; 215 until the week planner's
# solver, PyVRP, 3 MB, brought numpy, 13 MB, and the OpenBLAS numpy links, 28 MB: 249 MB built with the
# communications and visits of issues 15 and 16; 7 MB of room for what comes next, not more).  Exits non-zero
# on the first failure, saying which.
set -euo pipefail

BUNDLE=$(cd "${1:-dist/sfa-desktop}" && pwd)
BUDGET_MB=${SFA_BUNDLE_BUDGET_MB:-256}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() { printf 'check_bundle: FAILED: %s\n' "$*" >&2; exit 1; }
# run NAME CMD...: run in a clean environment; stderr must stay empty but for progress (warnings count as
# failures).  A clean
# machine has no keyring: the data is encrypted with a passphrase (SQLCipher's KDF, the bundled driver).
run() {
    local name=$1
    shift
    if ! env -i SFA_PASSPHRASE=bundle-check "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null; then
        cat "$WORK/$name.out" "$WORK/$name.err" >&2
        fail "$name exited with an error"
    fi
    # what sfa demo says of its progress when seeding takes more than a second is not a warning
    grep -v '^Seeding demo data: [0-9]*% ' "$WORK/$name.err" >"$WORK/$name.warnings" || true
    if [ -s "$WORK/$name.warnings" ]; then
        cat "$WORK/$name.warnings" >&2
        fail "$name printed warnings or errors on the terminal"
    fi
}

[ -x "$BUNDLE/sfa" ] && [ -x "$BUNDLE/sfa-desktop" ] || fail "$BUNDLE holds no sfa and sfa-desktop executables"

echo "bundle: $BUNDLE"
run version "$BUNDLE/sfa" --version
grep -Eq '^sfa [0-9][^ ]* \(build [^)]+\)$' "$WORK/version.out" || fail "sfa --version: $(cat "$WORK/version.out")"
echo "  $(cat "$WORK/version.out")"

for locale in "" "LANG=C"; do
    label=${locale:-no locale}
    data="$WORK/data-${locale:-none}"
    # shellcheck disable=SC2086 # $locale is one VAR=value word or none
    run demo $locale "$BUNDLE/sfa" --data-dir "$data" demo
    # shellcheck disable=SC2086
    run callsheet $locale "$BUNDLE/sfa" --data-dir "$data" callsheet -o "$data/calls.pdf"
    head -c 5 "$data/calls.pdf" | grep -q '%PDF-' || fail "sfa callsheet ($label) wrote no PDF"
    # shellcheck disable=SC2086
    run screenshot $locale "$BUNDLE/sfa-desktop" --data-dir "$data" --screenshot "$data/window.png"
    head -c 8 "$data/window.png" | od -An -c | grep -q 'P   N   G' || fail "sfa-desktop ($label) wrote no PNG"
    echo "  $label: sfa demo, sfa callsheet ($(stat -c %s "$data/calls.pdf") bytes of PDF) and the window's" \
        "screenshot ($(stat -c %s "$data/window.png") bytes of PNG): ok, nothing on stderr"
done

# Every shared library finds its dependencies inside the bundle or on the system (the base libraries a
# desktop Linux has: glibc, libGL/EGL, libxcb; libwayland only where there is Wayland, which loads it).
missing=$(find "$BUNDLE" -name '*.so*' -type f -print0 \
    | xargs -0 -n 50 env LD_LIBRARY_PATH="$BUNDLE/_internal" ldd 2>/dev/null | grep 'not found' \
    | grep -v 'libwayland-' | sort -u || true)
[ -z "$missing" ] || fail "libraries that do not resolve: $missing"
echo "  every shared library resolves"

size_mb=$(du -sm "$BUNDLE" | cut -f1)
echo "  size: ${size_mb} MB (budget ${BUDGET_MB} MB)"
[ "$size_mb" -lt "$BUDGET_MB" ] || fail "the bundle is ${size_mb} MB, over the ${BUDGET_MB} MB budget"
echo "check_bundle: ok"
