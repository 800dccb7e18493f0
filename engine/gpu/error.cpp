#include "gpu/error.h"

namespace gradlab::gpu {

const char* resultName(VkResult result) {
  switch (result) {
#define GRADLAB_RESULT(r) \
  case r: return #r;
    GRADLAB_RESULT(VK_SUCCESS)
    GRADLAB_RESULT(VK_NOT_READY)
    GRADLAB_RESULT(VK_TIMEOUT)
    GRADLAB_RESULT(VK_INCOMPLETE)
    GRADLAB_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    GRADLAB_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    GRADLAB_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    GRADLAB_RESULT(VK_ERROR_DEVICE_LOST)
    GRADLAB_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    GRADLAB_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    GRADLAB_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    GRADLAB_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    GRADLAB_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    GRADLAB_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    GRADLAB_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    GRADLAB_RESULT(VK_ERROR_FRAGMENTED_POOL)
    GRADLAB_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    GRADLAB_RESULT(VK_ERROR_UNKNOWN)
#undef GRADLAB_RESULT
    default: return "VkResult(unknown)";
  }
}

void check(VkResult result, const char* what) {
  if (result == VK_SUCCESS) return;
  const std::string call = std::string(what) + " failed (" + resultName(result) + ")";
  switch (result) {
    case VK_ERROR_DEVICE_LOST:
      throw Error(ErrorKind::DeviceLost, call +
                                             ": the GPU driver lost the device (a crash, reset or hang). "
                                             "Your network and settings are kept; restart the run, and if it "
                                             "happens again lower the batch size or choose another device.");
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_TOO_MANY_OBJECTS:
      throw Error(ErrorKind::OutOfMemory, call +
                                              ": out of memory. Use a smaller batch size or network, close other "
                                              "GPU programs, or choose a device with more memory.");
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_INITIALIZATION_FAILED:
      throw Error(ErrorKind::NoDevice, call +
                                           ": no compatible Vulkan driver. Install your GPU's Vulkan driver, or "
                                           "`sudo apt install mesa-vulkan-drivers` for the CPU device (lavapipe).");
    case VK_ERROR_LAYER_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_FEATURE_NOT_PRESENT:
      throw Error(ErrorKind::Unsupported, call + ": the device or driver lacks a required feature.");
    case VK_TIMEOUT: throw Error(ErrorKind::Timeout, call + ": the GPU did not finish in time.");
    default: throw Error(ErrorKind::Other, call + ".");
  }
}

}  // namespace gradlab::gpu
