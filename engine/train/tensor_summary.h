#pragma once
// One tensor reduced on the device to its statistics and histogram (shaders/tensor_stats.comp,
// tensor_histogram.comp): the probes and the internals download kSummaryFloats floats of record
// and kHistogramBins bins per tensor instead of the tensor. Defined in train/probes.cpp.
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "train/probes.h"

#include <limits>
#include <vector>

namespace gradlab::train {

constexpr uint32_t kSummaryFloats = 8;  // count, mean, M2, min, max, zeros, saturated, unused

// Records the summary of the first `n` floats of `values` as record `slot` of `records` and, given
// `histograms`, its bins at slot * kHistogramBins. Values <= low or >= high count as saturated.
void recordTensorSummary(gpu::Recording& rec, gpu::BufferRange values, uint32_t n, uint32_t slot,
                         const gpu::Buffer& records, const gpu::Buffer* histograms,
                         float low = -std::numeric_limits<float>::infinity(),
                         float high = std::numeric_limits<float>::infinity());

// The statistics at `slot` of the downloaded records, with its bins when `bins` holds them.
TensorStats tensorSummaryAt(const std::vector<float>& records, const std::vector<float>& bins, uint32_t slot);
// The L2 norm of the tensor summarised at `slot`: sqrt(M2 + n mean^2).
double tensorNormAt(const std::vector<float>& records, uint32_t slot);

}  // namespace gradlab::train
