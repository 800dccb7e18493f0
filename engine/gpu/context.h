#pragma once
// An open Vulkan device: its queue, memory policy, kernels (compute pipelines, cached on disk)
// and the way work is submitted. Everything the engine runs on the GPU goes through one Context.
#include "gpu/device_info.h"
#include "gpu/instance.h"
#include "gpu/kernel.h"
#include "gpu/memory_types.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gradlab::gpu {

class Buffer;
class PipelineCache;
class Recording;

// Two families of kernels: GPU-style (shared-memory tiles and barriers) and CPU-style (no shared
// memory, several outputs per invocation in registers), which is 4-13x faster on lavapipe.
enum class KernelVariant { Auto, Tiled, Registers };

const char* kernelVariantName(KernelVariant variant);
// Parses "auto" | "tiled" | "registers"; throws std::invalid_argument naming the accepted values.
KernelVariant parseKernelVariant(std::string_view text);

struct ContextOptions {
  std::string device;  // index or name substring; empty: GRADLAB_DEVICE, else the best device
  Validation validation = Validation::FromEnvironment;
  KernelVariant kernels = KernelVariant::Auto;  // Auto: GRADLAB_KERNELS, else by device type
  bool forceStaging = false;                    // never map device memory, always copy through a staging buffer
  std::filesystem::path pipelineCacheDir;       // empty: $XDG_CACHE_HOME/gradlab or ~/.cache/gradlab
  bool persistentPipelineCache = true;
  std::chrono::milliseconds gpuTimeout{120000};  // a wait longer than this is reported as a hang
};

// Tests only: a Recording submit on any Context, `afterSubmits` submits from now (0: the next),
// fails once with `result` as if the driver had returned it (VK_ERROR_DEVICE_LOST,
// VK_ERROR_OUT_OF_DEVICE_MEMORY), so tests can see how a run reacts to a lost or full device.
// VK_SUCCESS disarms it.
void injectSubmitFaultForTesting(VkResult result, uint32_t afterSubmits = 0);

class Context {
 public:
  explicit Context(ContextOptions options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& device() const { return info_; }
  KernelVariant kernelVariant() const { return variant_; }
  bool validationEnabled() const { return instance_.validationEnabled(); }
  std::vector<std::string> validationMessages() const { return instance_.validationMessages(); }
  void clearValidationMessages() { instance_.clearValidationMessages(); }

  // A compute pipeline for `spec` with the given work-group size and specialization constants
  // (ids 3, 4, ...), created once and kept for the Context's life.
  const Kernel& kernel(const KernelSpec& spec, WorkGroup localSize, const std::vector<uint32_t>& constants = {});

  // A small buffer, never written, to bind where a kernel declares a binding it will not read
  // (an optional operand left out).
  const Buffer& unusedBinding();

  // Runs `recording` and waits for it.
  void run(Recording& recording);
  // Starts `recording` (`repeats` times back to back, which needs a replayable recording);
  // Recording::wait() waits for it.
  void submit(Recording& recording, uint32_t repeats = 1);

  // Tests only: from now on every Buffer made on this Context appends its bytes() to `sink`
  // (nullptr: stop), so a test can compare what was allocated with what was predicted.
  void recordAllocationsForTesting(std::vector<uint64_t>* sink);
  void noteAllocation(uint64_t bytes);  // Buffer's constructor reports each allocation

  // Blocking copies between the host and a buffer that is not host-mapped (through staging).
  void upload(const Buffer& buffer, uint64_t offset, const void* data, uint64_t bytes);
  void download(const Buffer& buffer, uint64_t offset, void* data, uint64_t bytes);

  // Memory-type choice for storage buffers (gpu/memory_types.h).
  bool mapsDeviceMemory() const { return mapDeviceMemory_; }
  MemoryChoice memoryFor(uint32_t allowedTypes, MemoryUse use) const;

  // Tests only: from now on dispatches see at most `groups` work groups per grid dimension, as on
  // a device whose maxComputeWorkGroupCount is that small, so a test can force a folded grid.
  void limitWorkGroupCountForTesting(uint32_t groups);

  VkDevice handle() const { return device_; }
  VkPhysicalDevice physicalDevice() const { return physical_; }
  VkInstance instanceHandle() const { return instance_.handle(); }
  VkQueue queue() const { return queue_; }
  uint32_t queueFamily() const { return queueFamily_; }
  VkPipelineCache pipelineCacheHandle() const;
  std::mutex& queueMutex() { return queueMutex_; }
  std::chrono::milliseconds gpuTimeout() const { return options_.gpuTimeout; }
  // Waits on `fence`, turning a hang into Error(Timeout) and a lost device into Error(DeviceLost).
  void waitFence(VkFence fence, const char* what) const;

 private:
  void createDevice();
  void runOneShot(const std::function<void(VkCommandBuffer)>& record);
  // A host-mapped buffer of at least `bytes` for copies in one direction, kept and grown.
  Buffer& staging(std::unique_ptr<Buffer>& slot, MemoryUse use, uint64_t bytes);

  ContextOptions options_;
  Instance instance_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  DeviceInfo info_;
  VkPhysicalDeviceMemoryProperties memory_{};
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queueFamily_ = 0;
  std::mutex queueMutex_;
  KernelVariant variant_ = KernelVariant::Tiled;
  bool mapDeviceMemory_ = false;

  std::unique_ptr<PipelineCache> pipelineCache_;
  std::mutex kernelsMutex_;
  std::map<std::string, std::unique_ptr<Kernel>> kernels_;

  std::mutex allocationsMutex_;
  std::vector<uint64_t>* allocations_ = nullptr;

  std::mutex transferMutex_;
  VkCommandPool transferPool_ = VK_NULL_HANDLE;
  VkFence transferFence_ = VK_NULL_HANDLE;
  std::unique_ptr<Buffer> uploadStaging_, readbackStaging_;
  std::once_flag unusedOnce_;
  std::unique_ptr<Buffer> unused_;
};

}  // namespace gradlab::gpu
