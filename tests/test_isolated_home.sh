#!/usr/bin/env bash
# Runs test_isolated_home (PROGRAM) twice under an empty HOME: both runs must pass (the second sees
# nothing of the first) and HOME must hold nothing afterwards but a cache.
set -euo pipefail
program=$1
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
for run in 1 2; do
  env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_STATE_HOME HOME="$home" "$program" -silent ||
    { echo "test_isolated_home: run $run failed" >&2; exit 1; }
done
left=$(cd "$home" && find . -mindepth 1 -not -path './.cache' -not -path './.cache/*')
if [ -n "$left" ]; then
  echo "test_isolated_home: a test program wrote into HOME:" >&2
  echo "$left" | head -20 >&2
  exit 1
fi
echo "test_isolated_home: two runs kept their settings to themselves and left HOME as it was"
