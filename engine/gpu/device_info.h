#pragma once
// What GradLab knows of a Vulkan device before it opens it, and how it picks one.
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::gpu {

enum class DeviceType { Discrete, Integrated, Virtual, Cpu, Other };

const char* deviceTypeName(DeviceType type);

struct DeviceInfo {
  uint32_t index = 0;  // position in vkEnumeratePhysicalDevices
  std::string name;
  DeviceType type = DeviceType::Other;
  std::string driverName;  // e.g. "llvmpipe", "NVIDIA"
  std::string driverInfo;  // e.g. "Mesa 22.3.6 (LLVM 15.0.6)"
  uint32_t apiVersion = 0;
  uint32_t vendorId = 0;
  uint32_t deviceId = 0;
  std::array<uint8_t, VK_UUID_SIZE> pipelineCacheUuid{};
  uint64_t deviceLocalBytes = 0;        // largest device-local heap
  bool hostVisibleDeviceLocal = false;  // a memory type both device-local and host-mappable
  uint32_t subgroupSize = 0;
  uint32_t minSubgroupSize = 0;  // the smallest a compute dispatch may get (Vulkan 1.3), else subgroupSize
  bool subgroupShuffle = false;  // subgroupShuffle() in compute shaders
  uint64_t maxStorageBufferRange = 0;
  uint64_t maxMemoryAllocationSize = 0;
  uint64_t minStorageBufferOffsetAlignment = 0;
  uint64_t minTexelBufferOffsetAlignment = 0;
  uint32_t maxTexelBufferElements = 0;
  uint32_t maxComputeSharedMemorySize = 0;
  uint32_t maxComputeWorkGroupInvocations = 0;
  std::array<uint32_t, 3> maxComputeWorkGroupSize{};
  std::array<uint32_t, 3> maxComputeWorkGroupCount{};
  uint32_t maxPushConstantsSize = 0;
  float timestampPeriodNs = 0;      // 0 when the compute queue has no timestamps
  uint32_t timestampValidBits = 0;  // low bits of a timestamp that count; the rest are garbage
  // Compute units (NVIDIA SMs, AMD CUs, Arm shader cores, a CPU device's threads) as the driver
  // reports them, with where the number came from; 0 when the driver does not say (see
  // gpu/device_profile.h for the estimate used then).
  uint32_t computeUnits = 0;
  std::string computeUnitsSource;  // the extension that gave computeUnits, e.g. "VK_NV_shader_sm_builtins"
  bool usable = false;             // meets GradLab's needs (Vulkan 1.2, a compute queue)
  std::string unusableReason;

  std::string apiVersionString() const;
};

// Lists the Vulkan devices of this machine (opens and closes its own instance).
std::vector<DeviceInfo> enumerateDevices();

// Reads the properties of one physical device.
DeviceInfo describeDevice(VkPhysicalDevice device, uint32_t index);

// Picks a device. `request` is an index ("1") or a case-insensitive name substring ("llvmpipe",
// "nvidia"); empty means the best usable one: discrete > integrated > virtual > CPU.
// Throws Error(NoDevice) naming the devices there are when nothing matches.
uint32_t selectDevice(const std::vector<DeviceInfo>& devices, std::string_view request);

}  // namespace gradlab::gpu
