#include "ops/elementwise.h"

#include "gpu/context.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::ops {
namespace {

using gpu::Access;

const gpu::KernelSpec kFill{"fill", spirv::fill, {Access::Write}};
// map_unary and map_binary read vec4 texels and take four values per invocation step.
const gpu::KernelSpec kUnary{"map_unary", spirv::map_unary, {Access::ReadVec4Texels, Access::Write}};
const gpu::KernelSpec kBinary{
    "map_binary", spirv::map_binary, {Access::ReadVec4Texels, Access::ReadVec4Texels, Access::Write}};

constexpr uint32_t kGroupSize = 256;
constexpr uint32_t kMaxGroups = 4096;  // the shaders loop over the rest

gpu::WorkGroup groupsFor(uint32_t n) {
  return {std::clamp<uint32_t>((n + kGroupSize - 1) / kGroupSize, 1, kMaxGroups), 1, 1};
}

}  // namespace

void fill(gpu::Recording& rec, gpu::BufferRange y, uint32_t n, float value) {
  struct {
    uint32_t n;
    float value;
  } push{n, value};
  rec.dispatch(rec.context().kernel(kFill, {kGroupSize, 1, 1}), {y}, push, groupsFor(n));
}

void unary(gpu::Recording& rec, UnaryOp op, gpu::BufferRange x, gpu::BufferRange y, uint32_t n, float alpha,
           float beta) {
  struct {
    uint32_t n;
    float alpha, beta;
  } push{n, alpha, beta};
  const auto& kernel = rec.context().kernel(kUnary, {kGroupSize, 1, 1}, {static_cast<uint32_t>(op)});
  rec.dispatch(kernel, {x, y}, push, groupsFor((n + 3) / 4));
}

void copy(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange y, uint32_t n) {
  // A transfer copy where the ranges cannot overlap (a memcpy on CPU devices), else the kernel.
  if (x.buffer != y.buffer)
    return rec.copy({*x.buffer, x.offset, uint64_t(n) * 4}, {*y.buffer, y.offset, uint64_t(n) * 4});
  unary(rec, UnaryOp::Affine, x, y, n, 1.0f, 0.0f);
}

void binary(gpu::Recording& rec, BinaryOp op, gpu::BufferRange x, gpu::BufferRange y, gpu::BufferRange z, uint32_t n,
            float alpha) {
  struct {
    uint32_t n;
    float alpha;
  } push{n, alpha};
  const auto& kernel = rec.context().kernel(kBinary, {kGroupSize, 1, 1}, {static_cast<uint32_t>(op)});
  rec.dispatch(kernel, {x, y, z}, push, groupsFor((n + 3) / 4));
}

void axpy(gpu::Recording& rec, float alpha, gpu::BufferRange x, gpu::BufferRange y, uint32_t n) {
  binary(rec, BinaryOp::Add, x, y, y, n, alpha);
}

}  // namespace gradlab::ops
