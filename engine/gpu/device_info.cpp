#include "gpu/device_info.h"

#include "gpu/error.h"
#include "gpu/instance.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gradlab::gpu {

const char* deviceTypeName(DeviceType type) {
  switch (type) {
    case DeviceType::Discrete: return "discrete GPU";
    case DeviceType::Integrated: return "integrated GPU";
    case DeviceType::Virtual: return "virtual GPU";
    case DeviceType::Cpu: return "CPU";
    default: return "other";
  }
}

std::string DeviceInfo::apiVersionString() const {
  return std::to_string(VK_API_VERSION_MAJOR(apiVersion)) + "." + std::to_string(VK_API_VERSION_MINOR(apiVersion)) +
         "." + std::to_string(VK_API_VERSION_PATCH(apiVersion));
}

static bool hasExtension(VkPhysicalDevice device, const char* name) {
  uint32_t count = 0;
  if (vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr) != VK_SUCCESS) return false;
  std::vector<VkExtensionProperties> extensions(count);
  if (vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data()) != VK_SUCCESS) return false;
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const VkExtensionProperties& e) { return std::string_view(e.extensionName) == name; });
}

// The compute units the driver reports through a vendor extension (each struct is chained only
// where its extension is offered, as Vulkan requires). Lavapipe reports none of them.
static void queryComputeUnits(VkPhysicalDevice device, DeviceInfo& info) {
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  if (hasExtension(device, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME)) {
    VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV};
    props.pNext = &sm;
    vkGetPhysicalDeviceProperties2(device, &props);
    info.computeUnits = sm.shaderSMCount;
    info.computeUnitsSource = VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME;
  } else if (hasExtension(device, VK_AMD_SHADER_CORE_PROPERTIES_2_EXTENSION_NAME)) {
    VkPhysicalDeviceShaderCoreProperties2AMD core{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_2_AMD};
    props.pNext = &core;
    vkGetPhysicalDeviceProperties2(device, &props);
    info.computeUnits = core.activeComputeUnitCount;
    info.computeUnitsSource = VK_AMD_SHADER_CORE_PROPERTIES_2_EXTENSION_NAME;
  } else if (hasExtension(device, VK_AMD_SHADER_CORE_PROPERTIES_EXTENSION_NAME)) {
    VkPhysicalDeviceShaderCorePropertiesAMD core{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD};
    props.pNext = &core;
    vkGetPhysicalDeviceProperties2(device, &props);
    info.computeUnits = core.shaderEngineCount * core.shaderArraysPerEngineCount * core.computeUnitsPerShaderArray;
    info.computeUnitsSource = VK_AMD_SHADER_CORE_PROPERTIES_EXTENSION_NAME;
  } else if (hasExtension(device, VK_ARM_SHADER_CORE_BUILTINS_EXTENSION_NAME)) {
    VkPhysicalDeviceShaderCoreBuiltinsPropertiesARM core{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_BUILTINS_PROPERTIES_ARM};
    props.pNext = &core;
    vkGetPhysicalDeviceProperties2(device, &props);
    info.computeUnits = core.shaderCoreCount;
    info.computeUnitsSource = VK_ARM_SHADER_CORE_BUILTINS_EXTENSION_NAME;
  }
}

static DeviceType toDeviceType(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return DeviceType::Discrete;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return DeviceType::Integrated;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return DeviceType::Virtual;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return DeviceType::Cpu;
    default: return DeviceType::Other;
  }
}

DeviceInfo describeDevice(VkPhysicalDevice device, uint32_t index) {
  DeviceInfo info;
  info.index = index;

  VkPhysicalDeviceProperties basic{};
  vkGetPhysicalDeviceProperties(device, &basic);
  info.apiVersion = basic.apiVersion;

  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceMaintenance3Properties maintenance3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceSubgroupSizeControlProperties sizeControl{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  subgroup.pNext = &maintenance3;
  props.pNext = &subgroup;
  if (basic.apiVersion >= VK_API_VERSION_1_2) maintenance3.pNext = &driver;
  if (basic.apiVersion >= VK_API_VERSION_1_3) driver.pNext = &sizeControl;
  vkGetPhysicalDeviceProperties2(device, &props);

  const VkPhysicalDeviceLimits& limits = props.properties.limits;
  info.name = props.properties.deviceName;
  info.type = toDeviceType(props.properties.deviceType);
  info.vendorId = props.properties.vendorID;
  info.deviceId = props.properties.deviceID;
  std::copy(std::begin(props.properties.pipelineCacheUUID), std::end(props.properties.pipelineCacheUUID),
            info.pipelineCacheUuid.begin());
  if (basic.apiVersion >= VK_API_VERSION_1_2) {
    info.driverName = driver.driverName;
    info.driverInfo = driver.driverInfo;
  }
  info.subgroupSize = subgroup.subgroupSize;
  info.minSubgroupSize = basic.apiVersion >= VK_API_VERSION_1_3 && sizeControl.minSubgroupSize
                             ? std::min(sizeControl.minSubgroupSize, subgroup.subgroupSize)
                             : subgroup.subgroupSize;
  info.subgroupShuffle = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                         (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
  info.maxMemoryAllocationSize = maintenance3.maxMemoryAllocationSize;
  info.maxStorageBufferRange = limits.maxStorageBufferRange;
  info.minStorageBufferOffsetAlignment = limits.minStorageBufferOffsetAlignment;
  info.minTexelBufferOffsetAlignment = limits.minTexelBufferOffsetAlignment;
  info.maxTexelBufferElements = limits.maxTexelBufferElements;
  info.maxComputeSharedMemorySize = limits.maxComputeSharedMemorySize;
  info.maxComputeWorkGroupInvocations = limits.maxComputeWorkGroupInvocations;
  std::copy(std::begin(limits.maxComputeWorkGroupSize), std::end(limits.maxComputeWorkGroupSize),
            info.maxComputeWorkGroupSize.begin());
  std::copy(std::begin(limits.maxComputeWorkGroupCount), std::end(limits.maxComputeWorkGroupCount),
            info.maxComputeWorkGroupCount.begin());
  info.maxPushConstantsSize = limits.maxPushConstantsSize;

  VkPhysicalDeviceMemoryProperties memory{};
  vkGetPhysicalDeviceMemoryProperties(device, &memory);
  for (uint32_t h = 0; h < memory.memoryHeapCount; ++h)
    if (memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      info.deviceLocalBytes = std::max<uint64_t>(info.deviceLocalBytes, memory.memoryHeaps[h].size);
  const VkMemoryPropertyFlags mappable =
      VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (uint32_t t = 0; t < memory.memoryTypeCount; ++t)
    if ((memory.memoryTypes[t].propertyFlags & mappable) == mappable) info.hostVisibleDeviceLocal = true;

  const int queueFamily = computeQueueFamily(device);
  if (queueFamily >= 0) {
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
    std::vector<VkQueueFamilyProperties> families(count);
    vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
    info.timestampValidBits = families[queueFamily].timestampValidBits;
    if (info.timestampValidBits > 0) info.timestampPeriodNs = limits.timestampPeriod;
  }

  queryComputeUnits(device, info);

  if (basic.apiVersion < VK_API_VERSION_1_2)
    info.unusableReason = "needs Vulkan 1.2, the driver offers " + info.apiVersionString();
  else if (queueFamily < 0)
    info.unusableReason = "has no compute queue";
  info.usable = info.unusableReason.empty();
  return info;
}

std::vector<DeviceInfo> enumerateDevices() {
  Instance instance(InstanceOptions{});
  std::vector<DeviceInfo> devices;
  const auto physical = instance.physicalDevices();
  for (uint32_t i = 0; i < physical.size(); ++i) devices.push_back(describeDevice(physical[i], i));
  return devices;
}

static int typeRank(DeviceType type) {
  switch (type) {
    case DeviceType::Discrete: return 0;
    case DeviceType::Integrated: return 1;
    case DeviceType::Virtual: return 2;
    case DeviceType::Cpu: return 3;
    default: return 4;
  }
}

static std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

static std::string listing(const std::vector<DeviceInfo>& devices) {
  std::string out;
  for (const DeviceInfo& d : devices)
    out += "\n  " + std::to_string(d.index) + ": " + d.name + " (" + deviceTypeName(d.type) + ")" +
           (d.usable ? "" : " - unusable: " + d.unusableReason);
  return out;
}

uint32_t selectDevice(const std::vector<DeviceInfo>& devices, std::string_view request) {
  if (devices.empty())
    throw Error(ErrorKind::NoDevice,
                "No Vulkan device found. Install your GPU's Vulkan driver, or "
                "`sudo apt install mesa-vulkan-drivers` for the CPU device (lavapipe).");
  std::vector<const DeviceInfo*> candidates;
  if (request.empty()) {
    for (const DeviceInfo& d : devices) candidates.push_back(&d);
  } else {
    uint32_t index = 0;
    const auto [end, ec] = std::from_chars(request.data(), request.data() + request.size(), index);
    const bool numeric = ec == std::errc() && end == request.data() + request.size();
    for (const DeviceInfo& d : devices)
      if (numeric ? d.index == index : lower(d.name).find(lower(request)) != std::string::npos)
        candidates.push_back(&d);
    if (candidates.empty())
      throw Error(ErrorKind::NoDevice, "No Vulkan device matches \"" + std::string(request) +
                                           "\" (give an index or part of a name). Devices:" + listing(devices));
  }
  const DeviceInfo* best = nullptr;
  for (const DeviceInfo* d : candidates)
    if (d->usable && (!best || typeRank(d->type) < typeRank(best->type))) best = d;
  if (!best)
    throw Error(ErrorKind::NoDevice,
                "No usable Vulkan device" +
                    (request.empty() ? std::string() : " matches \"" + std::string(request) + "\"") +
                    ". Devices:" + listing(devices));
  return best->index;
}

}  // namespace gradlab::gpu
