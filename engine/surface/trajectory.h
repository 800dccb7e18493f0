#pragma once
// An optimizer's path down a 2-D test surface, computed on the device by the very update kernels
// that train networks: the point is a parameter tensor of two values, the surface's analytic
// gradient is its gradient.
#include "gpu/context.h"
#include "optim/optimizer.h"
#include "surface/test_function.h"

#include <array>
#include <cstdint>
#include <vector>

namespace gradlab::surface {

struct TrajectoryPoint {
  uint32_t step = 0;
  double x = 0, y = 0, loss = 0;
};

struct Trajectory {
  std::vector<TrajectoryPoint> points;  // step 0 is the start point
  bool diverged = false;                // a value became NaN or infinite; points stop before it
};

// Runs `steps` updates of `optimizer` from `start` on `function`. Throws std::invalid_argument,
// before any work, for a start point that is not finite or whose loss overflows float, and for a
// Quadratic's kappa or angle outside util::ranges; a returned trajectory has at least the start.
Trajectory runTrajectory(gpu::Context& context, optim::Optimizer& optimizer, FunctionId function,
                         const FunctionParams& params, std::array<double, 2> start, uint32_t steps);

}  // namespace gradlab::surface
