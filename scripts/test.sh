#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (packages, build) and runs the whole test
# suite with CTest. Engine tests run on the Vulkan device with the validation layer on and fail
# on any validation message; GUI tests run offscreen and write screenshots to build/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 "$@"
