// libFuzzer entry point for the network text parser, for runs longer than CI's. With clang:
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DGRADLAB_FUZZERS=ON -DGRADLAB_BUILD_UI=OFF \
//         -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined"
//   cmake --build build-fuzz --target fuzz_network
//   build-fuzz/tests/fuzz_network -rss_limit_mb=512 -timeout=10 -max_len=65536 corpus-dir tests/fuzz_corpus/net
// (the first folder collects new cases; tests/fuzz_corpus/net seeds it).
#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gradlab::fuzz::network(data, size);
  return 0;
}
