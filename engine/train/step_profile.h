#pragma once
// Profiling mode: the time of each pass of a training step, from GPU timestamps. The forward and
// backward pass of every layer (an activation done inside the layer next to it shows as
// "(in NAME)"; Linear layers take their SGD step in their backward pass, as the step builder
// records a training step), then the not-finite check where the layers did not do it and the SGD
// update of the rest. Each pass runs alone between its timestamps (gpu::Recording::timestamp), so
// the passes add up to more than a real step where passes overlap. Used by
// `gradlab-bench train --profile` and `gradlab-cli train --profile`.
#include "nn/network.h"

#include <string>
#include <vector>

namespace gradlab::train {

struct PassTime {
  std::string label;  // "forward h1", "backward a1 (in h2)", "SGD update"
  double milliseconds = 0;
};

struct StepProfile {
  std::vector<PassTime> passes;  // empty when the device has no timestamps
  uint32_t dispatches = 0;       // timed in the passes
  std::string unavailable;       // why there are no times, in words; empty when there are
};

// Times `network`'s passes, the fastest of `runs` runs each, with a learning rate of 0 (the
// weights stay as they are). The network's current batch is what its passes compute on.
StepProfile profileStep(nn::Network& network, int runs = 10);

}  // namespace gradlab::train
