#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (packages, build) and starts the lab window.
# Arguments go to gradlab, e.g. --device llvmpipe.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run: no display found; starting GradLab in a virtual X server (xvfb-run)." >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" ./build/app/gradlab "$@"
fi
exec ./build/app/gradlab "$@"
