#include "ops/gemm_plan.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace gradlab::ops {
namespace {

uint32_t divideUp(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }
uint32_t roundUp(uint32_t a, uint32_t multiple) { return divideUp(a, multiple) * multiple; }

// The registers family (CPU devices), as tuned on lavapipe (docs/BENCHMARK_DIARY.md). Tile of C
// per invocation: 16 x 8, or smaller where C is thinner than a work group's tile, whose unused rows
// and columns would cost as much as used ones (C1's 6 x 50176 product, the 6 x 25 and 16 x 150
// weight gradients). A split along K pays off only when K is much longer than both sides of C;
// slices of at least 256 keep the partial products few.
constexpr uint32_t kRegistersMinSplitK = 1024;
constexpr uint32_t kRegistersMinSlice = 256;
// The tiled family (GPUs): slices of at least 2 shared tiles, so a work group's product (32 FMAs
// per value of its partial C at least) is worth the partial C it writes and the reduction pass
// reads back, and a weight gradient over a batch of 64 (K = 64) still splits in two.
constexpr uint32_t kTiledMinSlice = 2 * kGemmTileDepth;
constexpr uint32_t kRegistersMaxSlices = 64;
// More on a GPU, whose hundreds of work groups a thin C (6 x 25) cannot fill otherwise; the
// reduction pass reads slices x M x N floats, small exactly where this many are wanted.
constexpr uint32_t kTiledMaxSlices = 256;
// Work groups per compute unit the tiled plan aims for: one resident while another waits on memory.
constexpr uint32_t kTargetPerUnit = 2;

GemmTile registersTile(const GemmShape& s, uint32_t lanes) {
  const uint32_t rows = s.M <= 4 ? 4 : s.M <= 8 ? 8 : 16;
  const uint32_t cols = s.N <= 4 * lanes ? 4 : 8;
  return {rows, cols * lanes, rows, cols, 0};
}

uint32_t registersSlices(const GemmShape& s) {
  if (s.K < kRegistersMinSplitK || uint64_t(s.K) < 8 * uint64_t(std::max(s.M, s.N))) return 1;
  return std::min(kRegistersMaxSlices, s.K / kRegistersMinSlice);
}

uint64_t tilesOf(const GemmShape& s, const GemmTile& t) {
  return uint64_t(divideUp(s.M, t.rows)) * divideUp(s.N, t.cols);
}

// The largest tile (two buffers where they fit the work group's shared memory, else one) that still
// gives every compute unit kTargetPerUnit work groups; the smallest when none does (K may then be
// split to make up the rest). Tiles with a side past C's rounded up to 32 are left out: their
// unused rows or columns would cost as much as used ones (C1's 6 x 50176 product).
GemmTile chooseTile(const GemmShape& s, const DeviceProfile& d) {
  std::vector<GemmTile> fitting;
  for (GemmTile t : tiledConfigs()) {
    if (t.sharedBytes() > d.sharedMemoryBytes) t.buffers = 1;
    const bool wasteful = t.rows > roundUp(std::max(s.M, 1u), 32) || t.cols > roundUp(std::max(s.N, 1u), 32);
    if (t.sharedBytes() <= d.sharedMemoryBytes && (!wasteful || t.rows == 32)) fitting.push_back(t);
  }
  if (fitting.empty())
    throw std::invalid_argument("gemm plan: " + d.name + " has too little shared memory for the smallest tile");
  for (const GemmTile& t : fitting)
    if (tilesOf(s, t) >= uint64_t(kTargetPerUnit) * d.computeUnits) return t;
  return fitting.back();
}

// k per slice for `slices` slices (a multiple of `granule`: slices start where the kernels' vector
// loads along k stay aligned), and the slice count that gives.
void split(GemmPlan& plan, const GemmShape& s, uint32_t slices, uint32_t granule) {
  slices = std::clamp<uint32_t>(slices, 1, std::max<uint32_t>(1, s.K / granule));
  plan.kSlice = slices <= 1 ? s.K : roundUp(divideUp(s.K, slices), granule);
  plan.slices = slices <= 1 || plan.kSlice == 0 ? 1 : divideUp(s.K, plan.kSlice);
  if (plan.slices == 1) plan.kSlice = s.K;
}

// Work groups of the plan's tile a unit holds at once: one per thread of a CPU device; on a GPU the
// fewest that its registers, shared memory, invocations and work-group slots allow.
void estimateResidency(GemmPlan& plan, const DeviceProfile& d) {
  plan.residentPerUnit = 1;
  plan.residentLimit = "one per thread of a CPU device";
  if (plan.family != GemmFamily::Tiled) return;
  const GemmTile& t = plan.tile;
  const uint32_t sharedPerUnit = d.sharedMemoryPerUnit ? d.sharedMemoryPerUnit : d.sharedMemoryBytes;
  const std::pair<uint32_t, const char*> limits[] = {
      {d.registersPerUnit / (t.invocations() * tiledRegistersPerInvocation(t)), "registers"},
      {sharedPerUnit / t.sharedBytes(), "shared memory"},
      {d.maxInvocationsPerUnit / t.invocations(), "invocations"},
      {d.maxWorkGroupsPerUnit, "work-group slots"}};
  const auto least = std::min_element(std::begin(limits), std::end(limits));
  plan.residentPerUnit = std::max<uint32_t>(1, least->first);
  plan.residentLimit = least->second;
}

void estimateOccupancy(GemmPlan& plan, const GemmShape& s, const DeviceProfile& d) {
  estimateResidency(plan, d);
  plan.workGroups = tilesOf(s, plan.tile) * plan.slices;
  plan.workGroupsPerUnit = double(plan.workGroups) / d.computeUnits;
  const uint32_t resident = plan.residentPerUnit;
  const uint64_t slots = uint64_t(resident) * d.computeUnits;
  const uint64_t waves = std::max<uint64_t>(1, (plan.workGroups + slots - 1) / slots);
  plan.occupancy = double(plan.workGroups) / double(waves * slots);
  if (plan.workGroupsPerUnit >= kTargetPerUnit || plan.family == GemmFamily::Registers) return;
  const uint64_t tiles = tilesOf(s, plan.tile);
  plan.note = "C has " + std::to_string(tiles) + (tiles == 1 ? " tile" : " tiles") + " of " + plan.tile.name() + "; ";
  if (s.K / kTiledMinSlice < 2)
    plan.note += "K = " + std::to_string(s.K) + " is too short to split (slices of at least " +
                 std::to_string(kTiledMinSlice) + ")";
  else if (s.K / kTiledMinSlice >= kTiledMaxSlices)
    plan.note += "K is split into about the most slices allowed (" + std::to_string(kTiledMaxSlices) + ")";
  else
    plan.note += "K = " + std::to_string(s.K) + " allows about " + std::to_string(s.K / kTiledMinSlice) +
                 " slices of " + std::to_string(kTiledMinSlice);
}

}  // namespace

uint32_t tiledRegistersPerInvocation(const GemmTile& t) {
  const uint32_t staged = (t.rows + t.cols) * kGemmTileDepth / t.invocations();  // stagedA, stagedB
  const uint32_t addressing = 24;  // indices, bounds, loop counters, the push constants' copies
  const uint32_t total = t.rowsPerInvocation * t.colsPerInvocation + t.rowsPerInvocation + staged +
                         t.rowsPerInvocation + t.colsPerInvocation + addressing;
  return roundUp(total, 8);
}

uint32_t GemmTile::sharedBytes() const { return buffers * kGemmTileDepth * ((rows / 4 + 1) + (cols / 4 + 1)) * 16; }

std::string GemmTile::name() const {
  return std::to_string(rows) + "x" + std::to_string(cols) + (buffers == 1 ? " single" : "");
}

std::vector<GemmTile> tiledConfigs() {
  return {{128, 128, 8, 8, 2}, {128, 64, 8, 4, 2}, {64, 64, 4, 4, 2}, {32, 32, 4, 4, 2}};
}

GemmTile parseGemmTile(std::string_view text) {
  std::string names;
  for (GemmTile t : tiledConfigs()) {
    for (uint32_t buffers : {2u, 1u}) {
      t.buffers = buffers;
      std::string name = t.name();
      if (text == name || (buffers == 1 && text == name.substr(0, name.find(' ')) + ":1")) return t;
    }
    names += (names.empty() ? "" : ", ") + t.name();
  }
  throw std::invalid_argument("unknown GEMM tile '" + std::string(text) + "': use " + names +
                              " (\":1\" after one: a single shared buffer)");
}

GemmFamily familyOf(const DeviceProfile& device) {
  return device.type == gpu::DeviceType::Cpu ? GemmFamily::Registers : GemmFamily::Tiled;
}

DeviceProfile namedProfile(std::string_view name) {
  if (auto profile = gpu::namedDeviceProfile(name)) return *profile;
  std::string names;
  for (const std::string& n : gpu::deviceProfileNames()) names += (names.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown device profile '" + std::string(name) + "': use one of " + names);
}

GemmPlan planGemm(const GemmShape& s, const DeviceProfile& d) { return planGemm(s, d, familyOf(d), nullptr, 0); }

GemmPlan planGemm(const GemmShape& s, const DeviceProfile& d, GemmFamily family) {
  return planGemm(s, d, family, nullptr, 0);
}

GemmPlan planGemm(const GemmShape& s, const DeviceProfile& d, GemmFamily family, const GemmTile* tile,
                  uint32_t slices) {
  GemmPlan plan;
  plan.family = family;
  if (family == GemmFamily::Registers) {
    plan.tile = registersTile(s, std::max<uint32_t>(d.subgroupSize, 1));
    split(plan, s, slices ? slices : registersSlices(s), 4);
  } else {
    plan.tile = tile ? *tile : chooseTile(s, d);
    if (plan.tile.sharedBytes() > d.sharedMemoryBytes)
      throw std::invalid_argument("GEMM tile " + plan.tile.name() + " needs " +
                                  std::to_string(plan.tile.sharedBytes()) + " bytes of shared memory, " + d.name +
                                  " has " + std::to_string(d.sharedMemoryBytes));
    const uint64_t target = uint64_t(kTargetPerUnit) * d.computeUnits, tiles = tilesOf(s, plan.tile);
    // An empty C (M or N 0) has no tiles and nothing to split.
    const uint32_t wanted =
        tiles == 0 || tiles >= target ? 1 : std::min<uint32_t>(kTiledMaxSlices, divideUp(target, tiles));
    const uint32_t most = std::min(wanted, std::max<uint32_t>(1, s.K / kTiledMinSlice));
    split(plan, s, slices ? slices : most, kGemmTileDepth);
    // Rounding slices up to whole tiles of k leaves fewer of them than asked: ask for more.
    for (uint32_t ask = most + 1; !slices && plan.slices < most && ask <= s.K / kGemmTileDepth; ++ask)
      split(plan, s, ask, kGemmTileDepth);
  }
  estimateOccupancy(plan, s, d);
  return plan;
}

GemmScratchLayout planScratchLayout(const GemmShape& s, const GemmPlan& plan) {
  GemmScratchLayout layout;
  if (plan.slices <= 1) return layout;
  layout.sliceFloats = (uint64_t(s.M) * s.N + 3) / 4 * 4;
  layout.rowSumsAt = (plan.slices * layout.sliceFloats + 63) / 64 * 64;
  layout.floats = layout.rowSumsAt + (uint64_t(plan.slices) * s.M + 3) / 4 * 4;
  return layout;
}

uint64_t planScratchFloats(const GemmShape& s, const GemmPlan& plan) { return planScratchLayout(s, plan).floats; }

}  // namespace gradlab::ops
