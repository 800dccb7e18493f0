#pragma once
// The Vulkan instance, with the Khronos validation layer when asked for. Validation messages
// (warnings and errors) are collected so tests can fail on any of them.
#include "gpu/vulkan_api.h"

#include <mutex>
#include <string>
#include <vector>

namespace gradlab::gpu {

enum class Validation {
  FromEnvironment,  // on when GRADLAB_VALIDATION=1
  Off,
  On,        // on when the layer is installed, silently off otherwise
  Required,  // throws when the layer is missing (tests)
};

struct InstanceOptions {
  Validation validation = Validation::FromEnvironment;
};

class Instance {
 public:
  explicit Instance(const InstanceOptions& options);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  bool validationEnabled() const { return messenger_ != VK_NULL_HANDLE; }
  std::vector<VkPhysicalDevice> physicalDevices() const;

  // Warnings and errors reported by the validation layer since the last clear.
  std::vector<std::string> validationMessages() const;
  void clearValidationMessages();

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                  VkDebugUtilsMessageTypeFlagsEXT types,
                                                  const VkDebugUtilsMessengerCallbackDataEXT* data, void* self);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  mutable std::mutex messagesMutex_;
  std::vector<std::string> messages_;
};

// The first queue family with compute, or -1.
int computeQueueFamily(VkPhysicalDevice device);

}  // namespace gradlab::gpu
