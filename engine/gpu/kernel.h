#pragma once
// A compute kernel: a SPIR-V shader turned into a pipeline with its storage-buffer bindings,
// push constants and specialization constants (ids 0-2 are the work-group size).
#include "gpu/push_layout.h"
#include "gpu/vulkan_api.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gradlab::gpu {

class Context;

// ReadVec4Texels / ReadFloatTexels / ReadUintTexels: read-only, bound as a uniform texel buffer of
// vec4s (R32G32B32A32_SFLOAT), floats (R32_SFLOAT) or uints (R32_UINT) and read with texelFetch. On CPU devices a
// texel fetch is a branch-free gather while a storage-buffer load is a loop over the lanes with
// two branches per lane and component (Mesa 22's llvmpipe): see gemm_registers.glsl.
enum class Access { Read, Write, ReadWrite, ReadVec4Texels, ReadFloatTexels, ReadUintTexels };

constexpr bool texels(Access a) {
  return a == Access::ReadVec4Texels || a == Access::ReadFloatTexels || a == Access::ReadUintTexels;
}
constexpr bool reads(Access a) { return a != Access::Write; }
constexpr bool writes(Access a) { return a == Access::Write || a == Access::ReadWrite; }

// What a shader declares: binding i is buffer i of set 0, with the given access. The push
// constants' layout is read from the SPIR-V itself and checked against the C++ value each
// dispatch pushes (Recording::dispatch), so a spec never states it.
struct KernelSpec {
  std::string name;
  std::span<const uint32_t> spirv;
  std::vector<Access> bindings;
};

// The push-constant block a shader declares, read from its SPIR-V: its size (the end of its last
// member) and its scalars in order, with the block member each belongs to.
struct PushBlock {
  uint32_t bytes = 0;  // 0: the shader declares none
  std::vector<PushLeaf> leaves;
  std::vector<uint32_t> memberOf;  // memberOf[i]: the block member leaves[i] belongs to
};

// Throws std::invalid_argument for a module it cannot read.
PushBlock pushBlock(std::span<const uint32_t> spirv);
uint32_t pushConstantBytes(std::span<const uint32_t> spirv);

// Empty when `pushed` (a C++ value's layout, gpu::pushLeaves) matches `block`; otherwise one line
// naming kernel `name`, the first member that differs and both its offsets (or sizes, or kinds).
std::string pushLayoutMismatch(const std::string& name, const PushBlock& block, const std::vector<PushLeaf>& pushed);

using WorkGroup = std::array<uint32_t, 3>;

// A grid of at least `groups` work groups within `maxCount` (maxComputeWorkGroupCount): x alone
// while it fits, else folded into y, then z, holding fewer than one row (y z) of extra groups. A
// kernel dispatched this way finds its linear group with shaders/folded_grid.glsl. Throws
// Error(Unsupported) when the device cannot hold that many groups at all.
WorkGroup foldGroups(uint64_t groups, const std::array<uint32_t, 3>& maxCount);

class Kernel {
 public:
  Kernel(Context& context, const KernelSpec& spec, WorkGroup localSize, const std::vector<uint32_t>& constants);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const KernelSpec& spec() const { return spec_; }
  WorkGroup localSize() const { return localSize_; }
  VkPipeline pipeline() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout setLayout() const { return setLayout_; }
  // The push-constant block its shader declares.
  const PushBlock& push() const { return push_; }
  // Throws std::logic_error (pushLayoutMismatch's line) unless `pushed` is the shader's layout.
  void checkPushLayout(const std::vector<PushLeaf>& pushed) const;

 private:
  VkDevice device_;
  KernelSpec spec_;
  WorkGroup localSize_;
  PushBlock push_;
  VkDescriptorSetLayout setLayout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace gradlab::gpu
