#pragma once
// The sharpness as a live instrument: a run's probes measure it (train::RunConfig::probeMeasurement)
// on the worker thread, on the batch of the probed step, so the lab can plot it over the steps
// against 2 / lr. Measuring costs 2 x iterations gradient passes (40 by default), so it runs only
// while someone looks: the lab turns `wanted` on while its Sharpness view is shown.
#include "analysis/sharpness.h"
#include "train/training_session.h"

#include <atomic>
#include <memory>

namespace gradlab::analysis {

// Fills ProbeReport::sharpness at each probe while `wanted` is set (and the run is finite), with
// the learning rate the probed step ran with. A measurement that fails (the loss diverges near the
// weights) leaves it unset: the run reports its own non-finite values.
train::ProbeMeasurement sharpnessAtProbes(std::shared_ptr<const std::atomic<bool>> wanted,
                                          SharpnessOptions options = {});

}  // namespace gradlab::analysis
