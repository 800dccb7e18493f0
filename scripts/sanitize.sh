#!/usr/bin/env bash
# Builds gradlab-cli and a subset of the engine tests with AddressSanitizer and
# UndefinedBehaviorSanitizer into ./build-sanitize (never ./build) and runs them with CTest.
# The subset covers the file loaders, the network graph, training runs, probes, surfaces and the
# fuzz corpus; the kernel tests are left out because their time goes to lavapipe, which is not
# instrumented. Extra arguments go to ctest, e.g. --verbose. Environment: JOBS (default 2),
# SANITIZE_TESTS (test names, space-separated, replacing the default subset).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

tests=(test_data test_experiment_file test_network_graph test_surfaces test_probes test_run test_cli)
# The fuzz tests (test_fuzz*) join the subset when they exist.
for source in tests/test_fuzz*.cpp; do
  if [[ -e $source ]]; then tests+=("$(basename "$source" .cpp)"); fi
done
if [[ -n ${SANITIZE_TESTS:-} ]]; then read -r -a tests <<<"$SANITIZE_TESTS"; fi

cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DGRADLAB_SANITIZE=address,undefined -DGRADLAB_BUILD_UI=OFF
nice -n 10 cmake --build build-sanitize -j"$jobs" --target gradlab-cli "${tests[@]}"

# The first report fails the test. Leak detection stays on: lavapipe, the Vulkan loader and the
# validation layer, which run inside the test processes, leave nothing behind that it reports.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

cd build-sanitize
time ctest -R "^($(IFS='|'; echo "${tests[*]}"))\$" --output-on-failure --timeout 1800 "$@"
