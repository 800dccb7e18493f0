#include "gpu/device_profile.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <thread>

namespace gradlab::gpu {
namespace {

// Datasheet figures. Shared memory is what Vulkan reports as maxComputeSharedMemorySize; per unit:
// registers, shared memory, resident invocations and work groups (an RDNA 3 CU: two SIMD32s of 16
// waves; an Xe core: 16 vector engines of 8 threads at SIMD16).
const DeviceProfile kKnown[] = {
    {"h100", 132, true, "datasheet (H100 SXM5)", 32, 49152, 1024, DeviceType::Discrete, 65536, 233472, 2048, 32},
    {"h200", 132, true, "datasheet (H200 SXM)", 32, 49152, 1024, DeviceType::Discrete, 65536, 233472, 2048, 32},
    {"a100", 108, true, "datasheet (A100)", 32, 49152, 1024, DeviceType::Discrete, 65536, 167936, 2048, 32},
    {"rtx4090", 128, true, "datasheet (RTX 4090)", 32, 49152, 1024, DeviceType::Discrete, 65536, 102400, 1536, 24},
    {"rx7900", 96, true, "datasheet (RX 7900 XTX)", 64, 65536, 1024, DeviceType::Discrete, 98304, 65536, 1024, 32},
    {"arc-a770", 32, true, "datasheet (Arc A770, Xe cores)", 16, 65536, 1024, DeviceType::Discrete, 131072, 65536, 2048,
     64},
    {"lavapipe", 2, true, "this project's 2-core test machine", 8, 32768, 1024, DeviceType::Cpu, 65536, 0, 2048, 32},
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// llvmpipe's thread count: LP_NUM_THREADS when set to a number, else the host's.
uint32_t cpuDeviceThreads(uint32_t hostThreads) {
  if (const char* env = std::getenv("LP_NUM_THREADS"); env && *env) {
    uint32_t n = 0;
    const auto [end, ec] = std::from_chars(env, env + std::char_traits<char>::length(env), n);
    if (ec == std::errc() && n > 0) return n;
  }
  return std::max(hostThreads, 1u);
}

}  // namespace

DeviceProfile deviceProfile(const DeviceInfo& device, uint32_t hostThreads) {
  DeviceProfile p;
  p.name = device.name;
  p.type = device.type;
  p.subgroupSize = std::max(device.subgroupSize, 1u);
  p.sharedMemoryBytes = device.maxComputeSharedMemorySize;
  p.maxWorkGroupInvocations = device.maxComputeWorkGroupInvocations;
  if (device.computeUnits > 0) {
    p.computeUnits = device.computeUnits;
    p.computeUnitsReported = true;
    p.computeUnitsSource = device.computeUnitsSource;
  } else if (device.type == DeviceType::Cpu) {
    p.computeUnits = cpuDeviceThreads(hostThreads);
    p.computeUnitsSource = "estimate: the CPU device's threads";
  } else {
    p.computeUnits = device.type == DeviceType::Discrete ? 32 : 8;
    p.computeUnitsSource = "estimate: the driver does not report compute units";
  }
  return p;
}

DeviceProfile deviceProfile(const DeviceInfo& device) {
  return deviceProfile(device, std::thread::hardware_concurrency());
}

std::optional<DeviceProfile> namedDeviceProfile(std::string_view name) {
  const std::string wanted = lower(name);
  for (const DeviceProfile& p : kKnown)
    if (p.name == wanted) return p;
  return std::nullopt;
}

std::vector<std::string> deviceProfileNames() {
  std::vector<std::string> names;
  for (const DeviceProfile& p : kKnown) names.push_back(p.name);
  return names;
}

}  // namespace gradlab::gpu
