#pragma once
// The small dispatches every replayed step ends with, shared by training sessions and surface
// trajectories: the not-finite check of a tensor (raises the control block's flag, so updates
// stop) and the advance of the device step counter.
#include "gpu/recording.h"

#include <cstdint>

namespace gradlab::train {

// Flags `tensor` (n floats) in the control block if any value is NaN or infinite; `index` names it.
void recordNonFiniteCheck(gpu::Recording& rec, gpu::BufferRange tensor, uint32_t n, uint32_t index,
                          gpu::BufferRange control, gpu::BufferRange step);
// step[0] += 1
void recordAdvanceStep(gpu::Recording& rec, gpu::BufferRange step);

}  // namespace gradlab::train
