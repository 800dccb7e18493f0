#pragma once
// Shared by the tests that drive a train::Run: every snapshot it delivers, by member, and its
// weight snapshots as a map, for bit-for-bit comparisons between runs.
#include "train/run.h"

#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gradlab::test {

using Weights = std::map<std::string, std::vector<float>>;

inline Weights valuesOf(const std::vector<train::WeightSnapshot>& snapshot) {
  Weights out;
  for (const auto& w : snapshot) out[w.name] = w.values;
  return out;
}

inline bool sameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

// Every snapshot a run delivers, by member, in order. Declare it before the runs it follows: a
// run's worker may still be delivering (waitFor returns once the state is published, before every
// subscriber has been called) until the run's destructor has joined it.
struct Recorder {
  std::mutex mutex;
  std::map<uint32_t, std::vector<std::shared_ptr<const train::Snapshot>>> snapshots;
  void follow(train::Run& run) {
    run.subscribe([this](std::shared_ptr<const train::Snapshot> s) {
      std::lock_guard lock(mutex);
      snapshots[s->member].push_back(std::move(s));
    });
  }
  std::vector<train::StepRecord> records(uint32_t member = 0) {
    std::lock_guard lock(mutex);
    std::vector<train::StepRecord> all;
    for (const auto& s : snapshots[member]) all.insert(all.end(), s->records.begin(), s->records.end());
    return all;
  }
  // Whether every member's latest snapshot reached the recorder.
  bool caughtUp(const train::Run& run) {
    std::lock_guard lock(mutex);
    for (uint32_t m = 0; m < run.members(); ++m)
      if (snapshots[m].empty() || snapshots[m].back() != run.latest(m)) return false;
    return true;
  }
  std::vector<std::shared_ptr<const train::Snapshot>> of(uint32_t member = 0) {
    std::lock_guard lock(mutex);
    return snapshots[member];
  }
};

}  // namespace gradlab::test
