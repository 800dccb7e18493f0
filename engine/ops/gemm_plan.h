#pragma once
// How one GEMM is cut into work groups: the kernel family, the tile of C a work group computes and
// the part of it each invocation holds in registers, double-buffered shared tiles or not, and how
// many slices K is split into. Chosen from the GEMM's shape and a device profile (compute units,
// shared memory, subgroup size) by pure functions, so the choice for a GPU this machine lacks can
// be computed and reviewed here: `gradlab-bench gemm --plan h100`. No Vulkan calls.
#include "gpu/device_profile.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::ops {

struct GemmShape {
  bool transA = false, transB = false;
  uint32_t M = 0, N = 0, K = 0;
  uint32_t lda = 0, ldb = 0, ldc = 0;  // 0: packed (K or M for A, N or K for B, N for C)
  float alpha = 1, beta = 0;

  uint32_t leadA() const { return lda ? lda : (transA ? M : K); }
  uint32_t leadB() const { return ldb ? ldb : (transB ? K : N); }
  uint32_t leadC() const { return ldc ? ldc : N; }
};

// The two GEMM kernels: registers (CPU-style, no shared memory: shaders/gemm_registers.glsl) and
// tiled (GPU-style, shared-memory tiles: shaders/gemm_tiled.comp).
enum class GemmFamily { Registers, Tiled };

using gpu::DeviceProfile;
// The family a device runs by default: registers on CPU devices, tiled on GPUs.
GemmFamily familyOf(const DeviceProfile& device);
// A profile by name (gpu::deviceProfileNames(): "lavapipe", "h100", "rx7900", ...); throws
// std::invalid_argument naming them for any other name.
DeviceProfile namedProfile(std::string_view name);

// A tile configuration of the tiled family: the work group computes rows x cols of C, BK = 16
// values of k at a time, each invocation rowsPerInvocation x colsPerInvocation outputs (work group
// of (cols / colsPerInvocation) x (rows / rowsPerInvocation) invocations); buffers 2: the next
// shared tile is filled while the current one is used (one barrier per 16 values of k).
struct GemmTile {
  uint32_t rows = 64, cols = 64;
  uint32_t rowsPerInvocation = 4, colsPerInvocation = 4;
  uint32_t buffers = 2;

  uint32_t invocations() const { return (rows / rowsPerInvocation) * (cols / colsPerInvocation); }
  uint32_t sharedBytes() const;  // what shaders/gemm_tiled.comp declares for this tile
  std::string name() const;      // "128x64" (+ " single" with one buffer)
};
constexpr uint32_t kGemmTileDepth = 16;  // BK
// The tiled family's tile shapes, largest first (each with two buffers).
std::vector<GemmTile> tiledConfigs();

struct GemmPlan {
  GemmFamily family = GemmFamily::Registers;
  GemmTile tile;            // registers family: rows x cols per work group, per invocation, buffers 0
  uint32_t slices = 1;      // K split into this many slices, summed by a second pass
  uint32_t kSlice = 0;      // k per slice (K when not split)
  uint64_t workGroups = 0;  // of the product pass
  double workGroupsPerUnit = 0;
  // Estimated: how many of its work groups a compute unit holds at once (registers, shared memory,
  // invocations and work-group slots against the profile's per-unit figures), which of them limits
  // it, and the share of the device's resident work-group slots used, over all waves.
  uint32_t residentPerUnit = 1;
  std::string residentLimit;
  double occupancy = 0;
  std::string note;  // why there are fewer than 2 work groups per compute unit, when so
};

// Estimated 32-bit registers an invocation of the tiled kernel (shaders/gemm_tiled.comp) holds
// with `tile`: its accumulators, row sums, staged loads and operands, plus addressing, rounded up
// to NVIDIA's allocation granule of 8.
uint32_t tiledRegistersPerInvocation(const GemmTile& tile);

// The plan for `shape` on `device` in its own family, or in `family`.
GemmPlan planGemm(const GemmShape& shape, const DeviceProfile& device);
GemmPlan planGemm(const GemmShape& shape, const DeviceProfile& device, GemmFamily family);
// The same with a forced tile (tiled family) and/or slice count (0: the plan's), as tests and
// GRADLAB_GEMM_TILE / GRADLAB_GEMM_SPLIT ask; a forced split is clamped to what K allows.
GemmPlan planGemm(const GemmShape& shape, const DeviceProfile& device, GemmFamily family, const GemmTile* tile,
                  uint32_t slices);
// Where a split GEMM keeps its slices in scratch: slice z's product (M x N packed) at z sliceFloats,
// and, from rowSumsAt (256 bytes past a storage binding's alignment), slice z's row sums at z M.
struct GemmScratchLayout {
  uint64_t sliceFloats = 0, rowSumsAt = 0, floats = 0;
};
GemmScratchLayout planScratchLayout(const GemmShape& shape, const GemmPlan& plan);
// Floats of scratch a plan's split needs (0 when not split).
uint64_t planScratchFloats(const GemmShape& shape, const GemmPlan& plan);
// "64x64", "128x128 single": one of tiledConfigs() by name (single: one buffer); throws
// std::invalid_argument naming the accepted ones.
GemmTile parseGemmTile(std::string_view text);

}  // namespace gradlab::ops
