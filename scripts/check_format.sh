#!/usr/bin/env bash
# Fails, naming each file and its first differing lines, when a C++ file is not laid out as
# .clang-format says. With no arguments it checks every tracked .cpp/.h outside tests/format/
# (which holds a deliberately misformatted file: the test that this check can fail).
# Fix with: clang-format -i FILE
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is missing: run scripts/setup.sh" >&2; exit 2; }
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cpp' '*.h' | grep -v '^tests/format/')
fi
bad=0
for f in "${files[@]}"; do
  if ! out=$(clang-format --style=file --dry-run --Werror "$f" 2>&1); then
    bad=$((bad + 1))
    echo "$out" | head -6
  fi
done
if [ "$bad" -gt 0 ]; then
  echo "check_format: $bad of ${#files[@]} files differ from .clang-format; run clang-format -i on them" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files laid out as .clang-format says"
