#!/usr/bin/env bash
# The .deb cpack builds: it installs the three programs, the example networks, the desktop
# entry, the icon and the MIME types where a desktop looks for them, names no build path, its
# gradlab --help lists the files it opens, and its gradlab-cli runs from a temporary root
# (dpkg-deb -x, no root rights needed) and finds the example networks there.
# Usage: test_package.sh BUILD_DIR. It packages what is built and builds nothing itself.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test_package: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/gradlab_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "cpack made no gradlab_*.deb in $work/out"
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"
echo "depends: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -f "$deb" Depends | grep -q "libqt6widgets6" || fail "Depends lacks Qt (dpkg-shlibdeps did not run?)"

root="$work/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/gradlab usr/bin/gradlab-cli usr/bin/gradlab-bench \
         usr/share/gradlab/networks/lenet5.net usr/share/gradlab/networks/toy_mlp_2d.net \
         usr/share/applications/gradlab.desktop usr/share/mime/packages/gradlab.xml \
         usr/share/icons/hicolor/scalable/apps/gradlab.svg; do
  [ -e "$root/$f" ] || fail "the package lacks /$f"
done
grep -q '^Exec=gradlab %f$' "$root/usr/share/applications/gradlab.desktop" || fail "the desktop entry does not open files"
grep -q 'MimeType=application/x-gradlab-experiment;text/x-gradlab-network;' \
  "$root/usr/share/applications/gradlab.desktop" || fail "the desktop entry lacks the MIME types"
grep -q '<glob pattern="\*.gradlab"/>' "$root/usr/share/mime/packages/gradlab.xml" || fail "no MIME type for .gradlab"
grep -q '<glob pattern="\*.net"/>' "$root/usr/share/mime/packages/gradlab.xml" || fail "no MIME type for .net"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$root/usr/share/applications/gradlab.desktop"; fi
# Nothing installed names the build tree (an RPATH, a compiled-in path): the package runs anywhere.
named=$(grep -rlF "$build" "$root" || true)
[ -z "$named" ] || fail "installed files name the build tree $build: $named"
# gradlab --help says which files it opens.
help=$(QT_QPA_PLATFORM=offscreen "$root/usr/bin/gradlab" --help)
for format in .gradlab .net .onnx; do
  echo "$help" | grep -qF -- "$format" || fail "gradlab --help does not mention $format files: $help"
done

# From a folder without networks, "toy_mlp_2d" must come from the package's share/gradlab, not
# from the source tree the build knows: the package's copy gets a title of its own to tell.
sed -i 's/^network ".*"/network "Packaged toy MLP"/' "$root/usr/share/gradlab/networks/toy_mlp_2d.net"
cd "$work"
"$root/usr/bin/gradlab-cli" devices
out=$("$root/usr/bin/gradlab-cli" train toy_mlp_2d --dataset spiral --steps 5 --quiet --save "$work/run.gradlab")
echo "$out"
echo "$out" | grep -q "^done: 5 steps" || fail "the installed gradlab-cli did not train"
echo "$out" | grep -q "^Training Packaged toy MLP" || fail "the installed gradlab-cli read another toy_mlp_2d.net"
"$root/usr/bin/gradlab-cli" export "$work/run.gradlab" --onnx "$work/run.onnx" >/dev/null
[ -s "$work/run.onnx" ] || fail "the installed gradlab-cli did not export"
echo "test_package: ok"
