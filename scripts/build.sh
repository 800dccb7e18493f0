#!/usr/bin/env bash
# Configures and builds GradLab (Release, Ninja) into ./build. Extra arguments go to CMake's
# configure step, e.g. -DCMAKE_BUILD_TYPE=Debug.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja "$@"
cmake --build build
