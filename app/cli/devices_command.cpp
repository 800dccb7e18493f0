// gradlab-cli devices: the Vulkan devices of this machine, which one GradLab picks, and the
// limits that matter to it.
#include "cli/arguments.h"
#include "cli/commands.h"
#include "gpu/context.h"
#include "gpu/device_info.h"
#include "gpu/device_profile.h"
#include "gpu/error.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace gradlab::cli {
namespace {

std::string size(uint64_t bytes) {
  char out[32];
  if (bytes >= (1ull << 30))
    std::snprintf(out, sizeof out, "%.1f GiB", double(bytes) / double(1ull << 30));
  else if (bytes >= (1ull << 20))
    std::snprintf(out, sizeof out, "%llu MiB", (unsigned long long)(bytes >> 20));
  else
    std::snprintf(out, sizeof out, "%llu KiB", (unsigned long long)(bytes >> 10));
  return out;
}

}  // namespace

int devicesCommand(const std::vector<std::string>& args) {
  Arguments options(
      "devices",
      {{"device", "INDEX|NAME", "the device to mark as selected (default: GRADLAB_DEVICE, else the best)"},
       {"help", "", "show this help"}},
      args);
  if (options.has("help")) {
    std::cout << "usage: gradlab-cli devices [options]\n\nLists the Vulkan devices GradLab can train on.\n\n"
              << options.usage();
    return 0;
  }
  const auto devices = gpu::enumerateDevices();
  const char* env = std::getenv("GRADLAB_DEVICE");
  const std::string request = options.has("device") ? options.text("device") : (env ? env : "");
  uint32_t selected = ~0u;
  std::string selectionError;
  try {
    selected = gpu::selectDevice(devices, request);
  } catch (const gpu::Error& e) {
    selectionError = e.what();
  }
  std::cout << devices.size() << (devices.size() == 1 ? " Vulkan device" : " Vulkan devices") << "\n";
  for (const gpu::DeviceInfo& d : devices) {
    const bool isSelected = d.index == selected;
    std::cout << "\n"
              << (isSelected ? "* " : "  ") << d.index << ": " << d.name << " (" << gpu::deviceTypeName(d.type) << ")"
              << (isSelected ? "  <- selected" : "") << "\n";
    std::cout << "     driver       " << d.driverName << (d.driverInfo.empty() ? "" : ", " + d.driverInfo) << "\n";
    std::cout << "     Vulkan       " << d.apiVersionString() << "\n";
    std::cout << "     memory       " << size(d.deviceLocalBytes) << " device-local"
              << (d.hostVisibleDeviceLocal ? ", host-mappable" : "") << "\n";
    std::cout << "     subgroup     " << d.subgroupSize << " lanes\n";
    std::cout << "     limits       shared memory " << size(d.maxComputeSharedMemorySize) << ", storage binding "
              << size(d.maxStorageBufferRange) << ", allocation " << size(d.maxMemoryAllocationSize) << ", work group "
              << d.maxComputeWorkGroupInvocations << " invocations, push constants " << d.maxPushConstantsSize
              << " B\n";
    const gpu::DeviceProfile profile = gpu::deviceProfile(d);
    std::cout << "     compute      " << profile.computeUnits << " units ("
              << (profile.computeUnitsReported ? "from " : "") << profile.computeUnitsSource << ")\n";
    std::cout << "     timestamps   "
              << (d.timestampPeriodNs > 0 ? "yes, " + std::to_string(d.timestampValidBits) + " valid bits" : "no")
              << "\n";
    std::cout << "     kernels      "
              << (d.type == gpu::DeviceType::Cpu ? "registers (CPU-style)" : "tiled (GPU-style)") << "\n";
    if (!d.usable) std::cout << "     unusable     " << d.unusableReason << "\n";
  }
  if (!selectionError.empty()) {
    std::cerr << "gradlab-cli: " << selectionError << "\n";
    return 1;
  }
  std::cout << "\nChoose another with --device INDEX|NAME or GRADLAB_DEVICE; force kernels with GRADLAB_KERNELS="
               "tiled|registers.\n";
  return 0;
}

}  // namespace gradlab::cli
