#include "surface/trajectory.h"

#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "spirv/shaders.h"
#include "train/control_block.h"
#include "train/control_kernels.h"
#include "util/option_ranges.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace gradlab::surface {
namespace {
using gpu::Access;
const gpu::KernelSpec kGradient{
    "surface_gradient", spirv::surface_gradient, {Access::Read, Access::Write, Access::Read, Access::ReadWrite}};
constexpr uint32_t kMaxSteps = 1u << 20;
constexpr uint32_t kStepsPerSubmit = 2048;

std::string startText(std::array<double, 2> start) {
  char text[64];
  std::snprintf(text, sizeof text, "(%g, %g)", start[0], start[1]);
  return text;
}

// The device computes in float: a start whose loss already overflows it has no first point.
void checkRequest(FunctionId function, const FunctionParams& params, std::array<double, 2> start) {
  if (function == FunctionId::Quadratic) {
    util::checkNumber("kappa", params.kappa, util::ranges::kQuadraticKappa);
    if (!std::isfinite(params.angle)) throw std::invalid_argument("the quadratic's angle must be finite");
  }
  if (!std::isfinite(start[0]) || !std::isfinite(start[1]))
    throw std::invalid_argument("the start point must be finite, got " + startText(start));
  const double loss = evaluate(function, start[0], start[1], params);
  if (!(std::abs(loss) <= std::numeric_limits<float>::max()))
    throw std::invalid_argument("the loss at the start point " + startText(start) +
                                " overflows float (largest 3.4e38): start nearer the minimum");
}
}  // namespace

Trajectory runTrajectory(gpu::Context& context, optim::Optimizer& optimizer, FunctionId function,
                         const FunctionParams& params, std::array<double, 2> start, uint32_t steps) {
  if (steps > kMaxSteps) throw std::invalid_argument("at most " + std::to_string(kMaxSteps) + " steps");
  checkRequest(function, params, start);
  gpu::Buffer point(context, 8), grad(context, 8), step(context, 4), control(context, train::kControlBlockBytes, true),
      trajectory(context, (uint64_t(steps) + 1) * 16, true);
  const float xy[2] = {float(start[0]), float(start[1])};
  point.upload(xy, 8);
  const uint32_t zero = 0;
  step.upload(&zero, 4);
  const train::ControlBlock clear = train::ControlBlock::clearAt(float(optimizer.learningRate()));
  control.upload(&clear, sizeof clear);
  optimizer.reset();

  const auto a = quadraticMatrix(params);
  struct {
    float a00, a01, a11;
    uint32_t capacity;
  } push{float(a[0]), float(a[1]), float(a[3]), steps + 1};
  const gpu::Kernel& gradientKernel = context.kernel(kGradient, {1, 1, 1}, {uint32_t(function)});

  gpu::Recording stepRecording(context, 0, /*replayable=*/true);
  stepRecording.dispatch(gradientKernel, {point, grad, step, trajectory}, push, {1, 1, 1});
  train::recordNonFiniteCheck(stepRecording, grad, 2, 0, control, step);
  optimizer.recordUpdate(stepRecording, {{"xy", point, grad, 2, true}}, {control, step});
  train::recordNonFiniteCheck(stepRecording, point, 2, 1, control, step);
  train::recordAdvanceStep(stepRecording, step);
  for (uint32_t done = 0; done < steps;) {
    const uint32_t chunk = std::min(kStepsPerSubmit, steps - done);
    context.submit(stepRecording, chunk);
    stepRecording.wait();
    done += chunk;
  }
  gpu::Recording last(context, 0);  // the point after the last step
  last.dispatch(gradientKernel, {point, grad, step, trajectory}, push, {1, 1, 1});
  context.run(last);

  train::ControlBlock flags;
  control.download(&flags, sizeof flags);
  const auto values = trajectory.read<float>((uint64_t(steps) + 1) * 4);
  Trajectory out;
  // Once the flag is up nothing moves: the points after the failing step repeat the last good one.
  const uint32_t end = flags.flagged() ? std::min(flags.failedStep, steps) : steps;
  out.diverged = flags.flagged();
  for (uint32_t s = 0; s <= end; ++s) {
    const float* v = &values[size_t(s) * 4];
    if (!std::isfinite(v[0]) || !std::isfinite(v[1]) || !std::isfinite(v[2])) {
      out.diverged = true;
      break;
    }
    out.points.push_back({s, v[0], v[1], v[2]});
  }
  // Float rounding can overflow where the double check above did not: still no point to start from.
  if (out.points.empty())
    throw std::invalid_argument("the loss at the start point " + startText(start) + " is not finite in float");
  return out;
}

}  // namespace gradlab::surface
