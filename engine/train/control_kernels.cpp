#include "train/control_kernels.h"

#include "gpu/context.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::train {
namespace shared {
using uint = uint32_t;
#include "../../shaders/nonfinite_check.h"
}  // namespace shared
namespace {
using gpu::Access;
static_assert(sizeof(shared::NonFiniteCheckPush) == 8);
const gpu::KernelSpec kNonFinite{
    "nonfinite_check", spirv::nonfinite_check, {Access::ReadVec4Texels, Access::ReadWrite, Access::Read}};
const gpu::KernelSpec kAdvance{"advance_step", spirv::advance_step, {Access::ReadWrite}};
}  // namespace

void recordNonFiniteCheck(gpu::Recording& rec, gpu::BufferRange tensor, uint32_t n, uint32_t index,
                          gpu::BufferRange control, gpu::BufferRange step) {
  const shared::NonFiniteCheckPush push{.n = n, .tensor = index};
  rec.dispatch(rec.context().kernel(kNonFinite, {256, 1, 1}), {tensor, control, step}, push,
               {std::clamp<uint32_t>((n + 1023) / 1024, 1, 64), 1, 1});
}

void recordAdvanceStep(gpu::Recording& rec, gpu::BufferRange step) {
  rec.dispatch(rec.context().kernel(kAdvance, {1, 1, 1}), {step}, nullptr, 0, {1, 1, 1});
}

}  // namespace gradlab::train
