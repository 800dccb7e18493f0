#include "gpu/context.h"
#include "optim/optimizer.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kSgd{"sgd_update", spirv::sgd_update, {Access::Read, Access::ReadWrite, Access::Read}, 4};
}  // namespace

void Sgd::recordUpdate(gpu::Recording& rec, const std::vector<ParamRef>& params, const UpdateContext& ctx) {
  const auto& kernel = rec.context().kernel(kSgd, {256, 1, 1});
  for (const auto& p : params)
    rec.dispatch(kernel, {ctx.control, p.value, p.grad}, p.count, {std::clamp<uint32_t>((p.count + 255) / 256, 1, 4096), 1, 1});
}

}  // namespace gradlab::optim
