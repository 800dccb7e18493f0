#include "gpu/context.h"
#include "optim/optimizer.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kSgd{"sgd_update", spirv::sgd_update, {Access::Read, Access::ReadWrite, Access::Read}, 4};
}  // namespace

void Sgd::recordUpdate(gpu::Recording& rec, std::vector<nn::Parameter>& params, gpu::BufferRange control) {
  const auto& kernel = rec.context().kernel(kSgd, {256, 1, 1});
  for (auto& p : params) {
    const uint32_t n = p.count();
    rec.dispatch(kernel, {control, *p.value, *p.grad}, n, {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1});
  }
}

}  // namespace gradlab::optim
