#pragma once
// The Vulkan API as GradLab sees it: the loader (libvulkan.so.1) is opened at run time, so a
// machine without it gets a clear message instead of a dynamic-linker failure at start-up.
// Every core function is a global pointer with the function's own name (volk's trick), so code
// written against plain Vulkan, VkFFT included, calls through it unchanged.
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include <string>

// Core functions the engine (and VkFFT) call. The loader exports all of them as trampolines
// that dispatch on the handle, so they are valid for every instance and device in the process.
// clang-format off: one function per line reads better than the formatter's staircase.
#define GRADLAB_VK_CORE_FUNCTIONS(X)          \
  X(vkGetInstanceProcAddr)                    \
  X(vkCreateInstance)                         \
  X(vkDestroyInstance)                        \
  X(vkEnumerateInstanceVersion)               \
  X(vkEnumerateInstanceLayerProperties)       \
  X(vkEnumerateInstanceExtensionProperties)   \
  X(vkEnumeratePhysicalDevices)               \
  X(vkEnumerateDeviceExtensionProperties)     \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceProperties2)           \
  X(vkGetPhysicalDeviceFeatures)              \
  X(vkGetPhysicalDeviceFeatures2)             \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkCreateDevice)                           \
  X(vkDestroyDevice)                          \
  X(vkGetDeviceQueue)                         \
  X(vkQueueSubmit)                            \
  X(vkQueueWaitIdle)                          \
  X(vkDeviceWaitIdle)                         \
  X(vkCreateBuffer)                           \
  X(vkDestroyBuffer)                          \
  X(vkGetBufferMemoryRequirements)            \
  X(vkAllocateMemory)                         \
  X(vkFreeMemory)                             \
  X(vkBindBufferMemory)                       \
  X(vkMapMemory)                              \
  X(vkFlushMappedMemoryRanges)                \
  X(vkInvalidateMappedMemoryRanges)           \
  X(vkUnmapMemory)                            \
  X(vkCreateShaderModule)                     \
  X(vkDestroyShaderModule)                    \
  X(vkCreateDescriptorSetLayout)              \
  X(vkDestroyDescriptorSetLayout)             \
  X(vkCreatePipelineLayout)                   \
  X(vkDestroyPipelineLayout)                  \
  X(vkCreateComputePipelines)                 \
  X(vkDestroyPipeline)                        \
  X(vkCreatePipelineCache)                    \
  X(vkDestroyPipelineCache)                   \
  X(vkGetPipelineCacheData)                   \
  X(vkCreateDescriptorPool)                   \
  X(vkDestroyDescriptorPool)                  \
  X(vkAllocateDescriptorSets)                 \
  X(vkUpdateDescriptorSets)                   \
  X(vkCreateCommandPool)                      \
  X(vkDestroyCommandPool)                     \
  X(vkAllocateCommandBuffers)                 \
  X(vkFreeCommandBuffers)                     \
  X(vkBeginCommandBuffer)                     \
  X(vkEndCommandBuffer)                       \
  X(vkCmdBindPipeline)                        \
  X(vkCmdBindDescriptorSets)                  \
  X(vkCmdPushConstants)                       \
  X(vkCmdDispatch)                            \
  X(vkCmdPipelineBarrier)                     \
  X(vkCmdCopyBuffer)                          \
  X(vkCmdFillBuffer)                          \
  X(vkCreateFence)                            \
  X(vkDestroyFence)                           \
  X(vkWaitForFences)                          \
  X(vkResetFences)                            \
  X(vkGetFenceStatus)                         \
  X(vkCreateQueryPool)                        \
  X(vkDestroyQueryPool)                       \
  X(vkCmdResetQueryPool)                      \
  X(vkCmdWriteTimestamp)                      \
  X(vkGetQueryPoolResults)                    \
  X(vkCreateBufferView)                       \
  X(vkDestroyBufferView)
// clang-format on

#define GRADLAB_VK_DECLARE(name) extern __attribute__((visibility("hidden"))) PFN_##name name;
GRADLAB_VK_CORE_FUNCTIONS(GRADLAB_VK_DECLARE)
#undef GRADLAB_VK_DECLARE

namespace gradlab::gpu {

// Opens the Vulkan loader once per process (GRADLAB_VULKAN_LIBRARY overrides its file name,
// for tests). Throws gpu::Error(ErrorKind::NoLoader) with what to install when it is missing.
void loadVulkan();

}  // namespace gradlab::gpu
