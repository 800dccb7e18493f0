#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (packages, build) and runs the whole test
# suite with CTest. Engine tests run on the Vulkan device with the validation layer on and fail
# on any validation message; GUI tests run offscreen and write screenshots to build/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
# No test may touch the user's settings or data (each test program has a HOME of its own,
# tests/support/isolated_home.cpp): whatever the suite wrote where the lab and Qt keep them fails it.
before=$(mktemp)
trap 'rm -f "$before"' EXIT
status=0
ctest --output-on-failure --timeout 900 "$@" || status=$?
shopt -s nullglob
kept=("$HOME/.config/GradLab" "$HOME/.config/Unknown Organization" "$HOME/.config/QtProject.conf" "$HOME/.qttest"
      "$HOME/.local/share/GradLab" "$HOME"/.config/test_* "$HOME"/.local/share/test_*)
touched=$(find "${kept[@]}" -newer "$before" 2>/dev/null | head -20 || true)
if [ -n "$touched" ]; then
  echo "test.sh: the tests wrote the user's settings or data (give the test program a HOME of its own):" >&2
  echo "$touched" >&2
  status=1
fi
exit "$status"
