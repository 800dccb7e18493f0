// libFuzzer entry point for the experiment file loader, for runs longer than CI's. Built as
// fuzz_network.cpp says (target fuzz_experiment), then:
//   build-fuzz/tests/fuzz_experiment -rss_limit_mb=512 -timeout=10 corpus-dir tests/fuzz_corpus/gradlab
// Most mutations break the checksum and stop there; the committed corpus has checksums that
// match, so mutations of the payload that keep them (rare) and the seeds themselves reach the
// archive reader.
#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gradlab::fuzz::experiment(data, size);
  return 0;
}
