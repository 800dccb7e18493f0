#pragma once
// What kernel planning (ops/gemm_plan) needs to know of a device: how many compute units it has
// to fill, its subgroup width and shared memory. From the open device, or from a named profile of
// a GPU this machine does not have, so plans for it can be printed and reviewed on paper.
#include "gpu/device_info.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::gpu {

struct DeviceProfile {
  std::string name;
  uint32_t computeUnits = 1;          // NVIDIA SMs, AMD CUs, Intel Xe cores, a CPU device's threads
  bool computeUnitsReported = false;  // false: estimated (computeUnitsSource says how)
  std::string computeUnitsSource;
  uint32_t subgroupSize = 32;
  uint32_t sharedMemoryBytes = 32768;  // per work group
  uint32_t maxWorkGroupInvocations = 1024;
  DeviceType type = DeviceType::Discrete;
  // Per compute unit, for occupancy estimates (Vulkan reports none of these): 32-bit registers,
  // shared memory (0: taken to be sharedMemoryBytes, a lower bound), resident invocations and
  // work groups. The defaults are an NVIDIA SM's since Volta.
  uint32_t registersPerUnit = 65536;
  uint32_t sharedMemoryPerUnit = 0;
  uint32_t maxInvocationsPerUnit = 2048;
  uint32_t maxWorkGroupsPerUnit = 32;
};

// The profile of `device`: its compute units as the driver reports them (DeviceInfo::computeUnits),
// else an estimate: the threads a CPU device runs on (LP_NUM_THREADS, else `hostThreads`), or for
// a GPU that does not say, a conservative count by type (discrete 32, integrated 8), labelled as
// such so a plan shows it is working from a guess.
DeviceProfile deviceProfile(const DeviceInfo& device, uint32_t hostThreads);
DeviceProfile deviceProfile(const DeviceInfo& device);  // hostThreads: this machine's

// Profiles of known GPUs by name ("h100", "rx7900", ...; case-insensitive); empty for an unknown
// name (deviceProfileNames() lists the known ones).
std::optional<DeviceProfile> namedDeviceProfile(std::string_view name);
std::vector<std::string> deviceProfileNames();

}  // namespace gradlab::gpu
