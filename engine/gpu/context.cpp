#include "gpu/context.h"

#include "gpu/buffer.h"
#include "gpu/error.h"
#include "gpu/pipeline_cache.h"
#include "gpu/recording.h"

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <utility>

namespace gradlab::gpu {

const char* kernelVariantName(KernelVariant variant) {
  switch (variant) {
    case KernelVariant::Tiled: return "tiled";
    case KernelVariant::Registers: return "registers";
    default: return "auto";
  }
}

KernelVariant parseKernelVariant(std::string_view text) {
  if (text == "auto" || text.empty()) return KernelVariant::Auto;
  if (text == "tiled") return KernelVariant::Tiled;
  if (text == "registers") return KernelVariant::Registers;
  throw std::invalid_argument("unknown kernel variant \"" + std::string(text) +
                              "\" (accepted: auto, tiled, registers)");
}

static std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

Context::Context(ContextOptions options)
    : options_(std::move(options)), instance_(InstanceOptions{options_.validation}) {
  const auto physical = instance_.physicalDevices();
  std::vector<DeviceInfo> devices;
  for (uint32_t i = 0; i < physical.size(); ++i) devices.push_back(describeDevice(physical[i], i));
  const std::string request = options_.device.empty() ? environment("GRADLAB_DEVICE") : options_.device;
  const uint32_t index = selectDevice(devices, request);
  physical_ = physical[index];
  info_ = devices[index];
  vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);

  KernelVariant variant = options_.kernels;
  if (variant == KernelVariant::Auto) variant = parseKernelVariant(environment("GRADLAB_KERNELS"));
  if (variant == KernelVariant::Auto)
    variant = info_.type == DeviceType::Cpu ? KernelVariant::Registers : KernelVariant::Tiled;
  variant_ = variant;
  // Mapping device memory saves a copy where it is the same memory the host sees.
  mapDeviceMemory_ = !options_.forceStaging && info_.hostVisibleDeviceLocal &&
                     (info_.type == DeviceType::Cpu || info_.type == DeviceType::Integrated);

  createDevice();
  std::filesystem::path cacheDir;
  if (options_.persistentPipelineCache)
    cacheDir = options_.pipelineCacheDir.empty() ? PipelineCache::defaultDirectory() : options_.pipelineCacheDir;
  pipelineCache_ = std::make_unique<PipelineCache>(device_, info_, cacheDir);

  VkCommandPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT | VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  poolInfo.queueFamilyIndex = queueFamily_;
  check(vkCreateCommandPool(device_, &poolInfo, nullptr, &transferPool_), "vkCreateCommandPool");
  VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  check(vkCreateFence(device_, &fenceInfo, nullptr, &transferFence_), "vkCreateFence");
}

void Context::createDevice() {
  queueFamily_ = static_cast<uint32_t>(computeQueueFamily(physical_));
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queueInfo.queueFamilyIndex = queueFamily_;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queueInfo;
  check(vkCreateDevice(physical_, &info, nullptr, &device_), "vkCreateDevice");
  vkGetDeviceQueue(device_, queueFamily_, 0, &queue_);
}

Context::~Context() {
  if (device_) vkDeviceWaitIdle(device_);
  uploadStaging_.reset();
  readbackStaging_.reset();
  unused_.reset();
  kernels_.clear();
  pipelineCache_.reset();  // saves the cache file
  if (transferFence_) vkDestroyFence(device_, transferFence_, nullptr);
  if (transferPool_) vkDestroyCommandPool(device_, transferPool_, nullptr);
  if (device_) vkDestroyDevice(device_, nullptr);
}

VkPipelineCache Context::pipelineCacheHandle() const {
  return pipelineCache_ ? pipelineCache_->handle() : VK_NULL_HANDLE;
}

MemoryChoice Context::memoryFor(uint32_t allowedTypes, MemoryUse use) const {
  // forceStaging: uploads take the staging path too, even where device memory could be mapped.
  if (options_.forceStaging && use == MemoryUse::Upload) use = MemoryUse::Device;
  if (const auto choice = chooseMemoryType(memory_, allowedTypes, use, mapDeviceMemory_)) return *choice;
  throw Error(ErrorKind::Unsupported,
              info_.name + " has no suitable memory type for " + memoryUseName(use) + " storage buffers.");
}

void Context::limitWorkGroupCountForTesting(uint32_t groups) {
  for (uint32_t& limit : info_.maxComputeWorkGroupCount) limit = std::min(limit, groups);
}

std::string kernelKey(const KernelSpec& spec, WorkGroup localSize, const std::vector<uint32_t>& constants) {
  std::string key = spec.name;
  for (uint32_t v : localSize) key += ":" + std::to_string(v);
  for (uint32_t v : constants) key += "," + std::to_string(v);
  return key;
}

const Kernel& Context::kernel(const KernelSpec& spec, WorkGroup localSize, const std::vector<uint32_t>& constants) {
  const std::string key = kernelKey(spec, localSize, constants);
  std::lock_guard lock(kernelsMutex_);
  auto& slot = kernels_[key];
  if (!slot) {
    try {
      slot = std::make_unique<Kernel>(*this, spec, localSize, constants);
    } catch (...) {
      kernels_.erase(key);
      throw;
    }
  }
  return *slot;
}

void Context::waitFence(VkFence fence, const char* what) const {
  // Waits in slices so a hung GPU is reported after gpuTimeout instead of blocking for ever.
  const auto deadline = std::chrono::steady_clock::now() + options_.gpuTimeout;
  for (;;) {
    const VkResult result = vkWaitForFences(device_, 1, &fence, VK_TRUE, 100'000'000);
    if (result == VK_SUCCESS) return;
    if (result != VK_TIMEOUT) check(result, what);
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(ErrorKind::Timeout, std::string(what) + ": the GPU did not finish within " +
                                          std::to_string(options_.gpuTimeout.count() / 1000) +
                                          " s. The device may be hung; restart GradLab, and use a smaller "
                                          "network or batch if it happens again.");
  }
}

namespace {
std::mutex injectedFaultMutex;
VkResult injectedFault = VK_SUCCESS;
uint32_t submitsBeforeFault = 0;

// The fault armed by injectSubmitFaultForTesting when this submit is the one it waits for.
VkResult takeInjectedFault() {
  std::lock_guard lock(injectedFaultMutex);
  if (injectedFault == VK_SUCCESS) return VK_SUCCESS;
  if (submitsBeforeFault > 0) {
    --submitsBeforeFault;
    return VK_SUCCESS;
  }
  return std::exchange(injectedFault, VK_SUCCESS);
}
}  // namespace

void injectSubmitFaultForTesting(VkResult result, uint32_t afterSubmits) {
  std::lock_guard lock(injectedFaultMutex);
  injectedFault = result;
  submitsBeforeFault = afterSubmits;
}

void Context::recordAllocationsForTesting(std::vector<uint64_t>* sink) {
  std::lock_guard lock(allocationsMutex_);
  allocations_ = sink;
}

void Context::noteAllocation(uint64_t bytes) {
  std::lock_guard lock(allocationsMutex_);
  if (allocations_) allocations_->push_back(bytes);
}

void Context::submit(Recording& recording, uint32_t repeats) {
  if (&recording.context() != this) throw std::invalid_argument("a Recording runs only on its own Context");
  if (repeats == 0) return;
  if (repeats > 1 && !recording.replayable())
    throw std::invalid_argument("submitting a recording several times at once needs a replayable Recording");
  recording.wait();  // a command buffer cannot be resubmitted while it is still running
  recording.finish();
  VkFence fence = recording.fence();
  check(vkResetFences(device_, 1, &fence), "vkResetFences");
  const std::vector<VkCommandBuffer> commands(repeats, recording.commandBuffer());
  VkSubmitInfo submitInfo{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submitInfo.commandBufferCount = repeats;
  submitInfo.pCommandBuffers = commands.data();
  {
    std::lock_guard lock(queueMutex_);
    check(takeInjectedFault(), "vkQueueSubmit");
    check(vkQueueSubmit(queue_, 1, &submitInfo, fence), "vkQueueSubmit");
  }
  recording.markSubmitted();
}

void Context::run(Recording& recording) {
  submit(recording);
  recording.wait();
}

void Context::runOneShot(const std::function<void(VkCommandBuffer)>& record) {
  VkCommandBufferAllocateInfo allocInfo{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  allocInfo.commandPool = transferPool_;
  allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  allocInfo.commandBufferCount = 1;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  check(vkAllocateCommandBuffers(device_, &allocInfo, &commands), "vkAllocateCommandBuffers");
  struct Free {
    VkDevice device;
    VkCommandPool pool;
    VkCommandBuffer commands;
    ~Free() { vkFreeCommandBuffers(device, pool, 1, &commands); }
  } free{device_, transferPool_, commands};
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer");
  record(commands);
  check(vkEndCommandBuffer(commands), "vkEndCommandBuffer");
  check(vkResetFences(device_, 1, &transferFence_), "vkResetFences");
  VkSubmitInfo submitInfo{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submitInfo.commandBufferCount = 1;
  submitInfo.pCommandBuffers = &commands;
  {
    std::lock_guard lock(queueMutex_);
    check(vkQueueSubmit(queue_, 1, &submitInfo, transferFence_), "vkQueueSubmit");
  }
  waitFence(transferFence_, "copying between host and GPU");
}

const Buffer& Context::unusedBinding() {
  std::call_once(unusedOnce_, [this] {
    unused_ = std::make_unique<Buffer>(*this, 16);
    const float zeros[4] = {0, 0, 0, 0};
    unused_->upload(zeros, sizeof zeros);
  });
  return *unused_;
}

Buffer& Context::staging(std::unique_ptr<Buffer>& slot, MemoryUse use, uint64_t bytes) {
  if (!slot || slot->bytes() < bytes) {
    slot.reset();
    slot = std::make_unique<Buffer>(*this, bytes, use);
  }
  return *slot;
}

static void transferBarrier(VkCommandBuffer commands, VkPipelineStageFlags src, VkAccessFlags srcAccess,
                            VkPipelineStageFlags dst, VkAccessFlags dstAccess) {
  VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = srcAccess;
  barrier.dstAccessMask = dstAccess;
  vkCmdPipelineBarrier(commands, src, dst, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

// Copies in chunks so the staging buffer stays small next to large tensors.
static constexpr uint64_t kStagingChunk = 32ull << 20;

void Context::upload(const Buffer& buffer, uint64_t offset, const void* data, uint64_t bytes) {
  std::lock_guard lock(transferMutex_);
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t chunk = std::min(kStagingChunk, bytes - done);
    Buffer& stage = staging(uploadStaging_, MemoryUse::Staging, std::min(kStagingChunk, bytes));
    stage.upload(static_cast<const char*>(data) + done, chunk);
    runOneShot([&](VkCommandBuffer commands) {
      // Wait for any earlier GPU use of the destination before overwriting it.
      transferBarrier(commands, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                      VK_ACCESS_MEMORY_WRITE_BIT | VK_ACCESS_MEMORY_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                      VK_ACCESS_TRANSFER_WRITE_BIT);
      VkBufferCopy region{0, offset + done, chunk};
      vkCmdCopyBuffer(commands, stage.handle(), buffer.handle(), 1, &region);
    });
    done += chunk;
  }
}

void Context::download(const Buffer& buffer, uint64_t offset, void* data, uint64_t bytes) {
  std::lock_guard lock(transferMutex_);
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t chunk = std::min(kStagingChunk, bytes - done);
    Buffer& stage = staging(readbackStaging_, MemoryUse::Readback, std::min(kStagingChunk, bytes));
    runOneShot([&](VkCommandBuffer commands) {
      transferBarrier(commands, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
      VkBufferCopy region{offset + done, 0, chunk};
      vkCmdCopyBuffer(commands, buffer.handle(), stage.handle(), 1, &region);
      transferBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    });
    stage.download(static_cast<char*>(data) + done, chunk);
    done += chunk;
  }
}

}  // namespace gradlab::gpu
