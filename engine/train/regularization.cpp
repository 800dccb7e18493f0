#include "train/regularization.h"

#include "spirv/shaders.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace gradlab::train {
namespace {

using gpu::Access;
const gpu::KernelSpec kPenalty{"penalty", spirv::penalty, {Access::Read, Access::ReadWrite, Access::Write}};
const gpu::KernelSpec kPenaltyRecord{
    "penalty_record", spirv::penalty_record, {Access::Read, Access::Read, Access::ReadWrite}};
const gpu::KernelSpec kSumSquares{"sum_squares", spirv::sum_squares, {Access::Read, Access::Write}};
const gpu::KernelSpec kClipCoefficient{"clip_coefficient", spirv::clip_coefficient, {Access::Read, Access::Write}};
const gpu::KernelSpec kClipApply{"clip_apply", spirv::clip_apply, {Access::ReadWrite, Access::Read}};

constexpr uint32_t kMaxGroups = 64;  // work groups per tensor in the partial sums

uint32_t groupsFor(uint32_t n) { return std::clamp<uint32_t>((n + 255) / 256, 1, kMaxGroups); }

void check(const char* name, double v, bool positiveOnly) {
  if (!std::isfinite(v) || v < 0) {
    std::ostringstream m;
    m << "Invalid " << name << " value: " << v << " (must be a finite number >= 0" << (positiveOnly ? "; 0 is off" : "")
      << ")";
    throw std::invalid_argument(m.str());
  }
}

}  // namespace

void validate(const Regularization& r) {
  check("l1", r.l1, false);
  check("l2", r.l2, false);
  check("clip_norm", r.clipNorm, true);
  check("clip_value", r.clipValue, true);
}

RegularizationStage::RegularizationStage(gpu::Context& context, const Regularization& r,
                                         std::vector<optim::ParamRef> params)
    : context_(context), r_(r), params_(std::move(params)) {
  validate(r_);
  uint32_t penaltySlots = 0, normSlots = 0;
  for (const auto& p : params_) {
    if (penalized(p)) penaltySlots += groupsFor(p.count);
    normSlots += groupsFor(p.count);
  }
  penaltyPartials_ = std::make_unique<gpu::Buffer>(context_, std::max(penaltySlots, 1u) * 4);
  normPartials_ = std::make_unique<gpu::Buffer>(context_, std::max(normSlots, 1u) * 4);
  clip_ = std::make_unique<gpu::Buffer>(context_, 8, /*hostMapped=*/true);
  const float none[2] = {1, 0};
  clip_->upload(none, 8);
}

void RegularizationStage::recordPenalties(gpu::Recording& rec, gpu::BufferRange ring, uint32_t ringSize,
                                          uint32_t samples, gpu::BufferRange step) {
  if (!r_.penalizes()) return;
  uint32_t offset = 0;
  for (const auto& p : params_) {
    if (!penalized(p)) continue;
    struct {
      uint32_t n, offset;
      float l1, l2;
    } push{p.count, offset, float(r_.l1), float(r_.l2)};
    rec.dispatch(context_.kernel(kPenalty, {256, 1, 1}), {p.value, p.grad, *penaltyPartials_}, push,
                 {groupsFor(p.count), 1, 1});
    offset += groupsFor(p.count);
  }
  struct {
    uint32_t count, ringSize;
    float samples;
  } push{offset, ringSize, float(samples)};
  rec.dispatch(context_.kernel(kPenaltyRecord, {256, 1, 1}), {*penaltyPartials_, step, ring}, push, {1, 1, 1});
}

void RegularizationStage::recordClipping(gpu::Recording& rec) {
  if (!r_.clips()) return;
  const bool byNorm = r_.clipNorm > 0;
  if (byNorm) {
    uint32_t offset = 0;
    for (const auto& p : params_) {
      struct {
        uint32_t n, offset;
      } push{p.count, offset};
      rec.dispatch(context_.kernel(kSumSquares, {256, 1, 1}), {p.grad, *normPartials_}, push,
                   {groupsFor(p.count), 1, 1});
      offset += groupsFor(p.count);
    }
    struct {
      uint32_t count;
      float maxNorm;
    } push{offset, float(r_.clipNorm)};
    rec.dispatch(context_.kernel(kClipCoefficient, {256, 1, 1}), {*normPartials_, *clip_}, push, {1, 1, 1});
  }
  for (const auto& p : params_) {
    struct {
      uint32_t n, useNorm;
      float value;
    } push{p.count, byNorm ? 1u : 0u, float(r_.clipValue)};
    rec.dispatch(context_.kernel(kClipApply, {256, 1, 1}), {p.grad, *clip_}, push,
                 {std::clamp<uint32_t>((p.count + 255) / 256, 1, 4096), 1, 1});
  }
}

double RegularizationStage::lastCoefficient() const { return clip_->read<float>(2)[0]; }
double RegularizationStage::lastNorm() const { return clip_->read<float>(2)[1]; }

namespace reference {

double penalty(const Regularization& r, std::span<const double> w) {
  double sum = 0;
  for (double v : w) sum += r.l1 * std::abs(v) + 0.5 * r.l2 * v * v;
  return sum;
}

void addPenaltyGradient(const Regularization& r, std::span<const double> w, std::span<double> g) {
  for (size_t i = 0; i < w.size(); ++i) g[i] += r.l1 * double((w[i] > 0) - (w[i] < 0)) + r.l2 * w[i];
}

double globalNorm(const std::vector<std::vector<double>>& grads) {
  double sum = 0;
  for (const auto& g : grads)
    for (double v : g) sum += v * v;
  return std::sqrt(sum);
}

void clip(const Regularization& r, std::vector<std::vector<double>>& grads) {
  if (r.clipNorm > 0) {
    const double coefficient = r.clipNorm / (globalNorm(grads) + 1e-6);
    if (coefficient < 1)
      for (auto& g : grads)
        for (double& v : g) v *= coefficient;
  }
  if (r.clipValue > 0)
    for (auto& g : grads)
      for (double& v : g) v = std::clamp(v, -r.clipValue, r.clipValue);
}

}  // namespace reference
}  // namespace gradlab::train
