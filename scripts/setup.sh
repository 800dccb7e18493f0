#!/usr/bin/env bash
# Installs every Debian 12 package GradLab needs to build, run, test and benchmark.
# Idempotent: packages already present are skipped. Runs as root or through sudo.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  # the .deb: cpack finds the programs' library dependencies with file and dpkg-shlibdeps
  file
  # UI (Qt Charts needs libqt6opengl6-dev, which is only a Recommends)
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev
  # engine: Vulkan, lavapipe (CPU Vulkan device), shader compiler, VkFFT and what it links
  libvulkan-dev mesa-vulkan-drivers vulkan-tools
  glslc glslang-dev glslang-tools spirv-tools libvkfft-dev
  # persistence and data; image decoding (stb), ONNX export/import (libonnx + its checker)
  libboost-serialization-dev zlib1g-dev dataset-fashion-mnist libstb-dev libonnx-dev libprotobuf-dev python3-onnx
  # exporting views: SVG (Qt SVG), animations as GIF/MP4 (FFmpeg's libraries)
  qt6-svg-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  # tests: validation layers, GUI under a virtual X server, screenshots
  vulkan-validationlayers xvfb xauth x11-apps imagemagick
  # the code layout check the test run makes (scripts/check_format.sh)
  clang-format
  # the peer for benchmarks and cross-checks
  python3-torch libopenblas0-pthread
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
