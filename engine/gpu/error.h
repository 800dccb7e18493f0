#pragma once
// Errors the GPU layer reports. Each message says what happened and what the user can do;
// the kind lets callers (the UI, the CLI) react without parsing text.
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace gradlab::gpu {

enum class ErrorKind {
  NoLoader,     // libvulkan.so.1 is missing
  NoDevice,     // no usable Vulkan device, or the requested one does not exist
  DeviceLost,   // the driver lost the device (crash, reset, hang)
  OutOfMemory,  // device or host memory exhausted, or a buffer beyond a device limit
  Timeout,      // the GPU did not finish in time
  Unsupported,  // a required feature, layer or limit is missing
  Other,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

const char* resultName(VkResult result);

// Throws an Error describing `result` if it is not VK_SUCCESS; `what` names the failed call.
void check(VkResult result, const char* what);

}  // namespace gradlab::gpu
