#include "gpu/recording.h"

#include "gpu/context.h"
#include "gpu/error.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::gpu {
namespace {

constexpr uint32_t kSetsPerPool = 256;
constexpr uint32_t kDescriptorsPerPool = 2048;
constexpr VkPipelineStageFlags kWorkStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkAccessFlags kWrites = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
constexpr VkAccessFlags kAccesses =
    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;

void memoryBarrier(VkCommandBuffer commands, VkPipelineStageFlags src, VkAccessFlags srcAccess,
                   VkPipelineStageFlags dst, VkAccessFlags dstAccess) {
  VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = srcAccess;
  barrier.dstAccessMask = dstAccess;
  vkCmdPipelineBarrier(commands, src, dst, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

}  // namespace

double timestampMilliseconds(uint64_t from, uint64_t to, uint32_t validBits, double periodNs) {
  const uint64_t mask = validBits >= 64 ? ~uint64_t(0) : (uint64_t(1) << validBits) - 1;
  return double((to - from) & mask) * periodNs * 1e-6;  // unsigned difference: right across a wrap
}

Recording::Recording(Context& context, uint32_t maxTimestamps, bool replayable)
    : context_(context), maxTimestamps_(maxTimestamps) {
  const VkDevice device = context.handle();
  VkCommandPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  poolInfo.queueFamilyIndex = context.queueFamily();
  check(vkCreateCommandPool(device, &poolInfo, nullptr, &pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo allocInfo{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  allocInfo.commandPool = pool_;
  allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  allocInfo.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(device, &allocInfo, &commands_), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  check(vkCreateFence(device, &fenceInfo, nullptr, &fence_), "vkCreateFence");
  if (maxTimestamps_ > 0 && context.device().timestampPeriodNs > 0) {
    VkQueryPoolCreateInfo queryInfo{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    queryInfo.queryType = VK_QUERY_TYPE_TIMESTAMP;
    queryInfo.queryCount = maxTimestamps_;
    check(vkCreateQueryPool(device, &queryInfo, nullptr, &queries_), "vkCreateQueryPool");
  }

  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  if (replayable) begin.flags = VK_COMMAND_BUFFER_USAGE_SIMULTANEOUS_USE_BIT;
  replayable_ = replayable;
  check(vkBeginCommandBuffer(commands_, &begin), "vkBeginCommandBuffer");
  if (queries_) vkCmdResetQueryPool(commands_, queries_, 0, maxTimestamps_);
  // Earlier submissions on the queue (and host writes) must be visible to this one's work.
  memoryBarrier(commands_, kWorkStages | VK_PIPELINE_STAGE_HOST_BIT, kWrites | VK_ACCESS_HOST_WRITE_BIT, kWorkStages,
                kAccesses);
}

Recording::~Recording() {
  const VkDevice device = context_.handle();
  if (pending_) {
    try {
      wait();
    } catch (...) {  // a lost device: nothing left to wait for
    }
  }
  for (VkDescriptorPool pool : descriptorPools_) vkDestroyDescriptorPool(device, pool, nullptr);
  for (VkBufferView view : views_) vkDestroyBufferView(device, view, nullptr);
  if (queries_) vkDestroyQueryPool(device, queries_, nullptr);
  vkDestroyFence(device, fence_, nullptr);
  vkDestroyCommandPool(device, pool_, nullptr);
}

void Recording::barrier() {
  memoryBarrier(commands_, kWorkStages, kWrites, kWorkStages, kAccesses);
  ++barriers_;
  written_.clear();
  read_.clear();
}

Recording::Span Recording::spanOf(const BufferRange& range) {
  const uint64_t bytes = range.bytes == VK_WHOLE_SIZE ? range.buffer->bytes() - range.offset : range.bytes;
  return {range.buffer->handle(), range.offset, range.offset + bytes};
}

bool Recording::conflicts(const Span& span, Access mode) const {
  auto overlaps = [&](const std::vector<Span>& spans) {
    return std::any_of(spans.begin(), spans.end(), [&](const Span& s) {
      return s.buffer == span.buffer && s.begin < span.end && span.begin < s.end;
    });
  };
  return overlaps(written_) || (writes(mode) && overlaps(read_));
}

void Recording::access(const BufferRange& range, Access mode) {
  const Span span = spanOf(range);
  if (conflicts(span, mode)) barrier();
  note(span, mode);
}

void Recording::note(const Span& span, Access mode) {
  if (reads(mode)) read_.push_back(span);
  if (writes(mode)) written_.push_back(span);
}

VkDescriptorSet Recording::allocateSet(const Kernel& kernel) {
  const uint32_t needed = static_cast<uint32_t>(kernel.spec().bindings.size());
  if (descriptorPools_.empty() || setsInPool_ + 1 > kSetsPerPool || descriptorsInPool_ + needed > kDescriptorsPerPool) {
    const VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kDescriptorsPerPool},
                                          {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, kDescriptorsPerPool}};
    VkDescriptorPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    poolInfo.maxSets = kSetsPerPool;
    poolInfo.poolSizeCount = 2;
    poolInfo.pPoolSizes = sizes;
    VkDescriptorPool pool = VK_NULL_HANDLE;
    check(vkCreateDescriptorPool(context_.handle(), &poolInfo, nullptr, &pool), "vkCreateDescriptorPool");
    descriptorPools_.push_back(pool);
    setsInPool_ = descriptorsInPool_ = 0;
  }
  VkDescriptorSetLayout layout = kernel.setLayout();
  VkDescriptorSetAllocateInfo allocInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  allocInfo.descriptorPool = descriptorPools_.back();
  allocInfo.descriptorSetCount = 1;
  allocInfo.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  check(vkAllocateDescriptorSets(context_.handle(), &allocInfo, &set), "vkAllocateDescriptorSets");
  ++setsInPool_;
  descriptorsInPool_ += needed;
  return set;
}

void Recording::dispatch(const Kernel& kernel, std::initializer_list<BufferRange> bindings, const void* push,
                         uint32_t pushBytes, WorkGroup groups) {
  if (finished_) throw std::logic_error("Recording::dispatch after finish()");
  const KernelSpec& spec = kernel.spec();
  if (bindings.size() != spec.bindings.size())
    throw std::invalid_argument("kernel " + spec.name + " takes " + std::to_string(spec.bindings.size()) +
                                " buffers, got " + std::to_string(bindings.size()));
  if (pushBytes != kernel.push().bytes)
    throw std::invalid_argument("kernel " + spec.name + " takes " + std::to_string(kernel.push().bytes) +
                                " bytes of push constants, got " + std::to_string(pushBytes));
  const DeviceInfo& info = context_.device();
  for (int axis = 0; axis < 3; ++axis)
    if (groups[axis] > info.maxComputeWorkGroupCount[axis])
      throw Error(ErrorKind::Unsupported, "kernel " + spec.name + ": " + std::to_string(groups[axis]) +
                                              " work groups exceed the device's limit of " +
                                              std::to_string(info.maxComputeWorkGroupCount[axis]));
  if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0) return;

  std::vector<VkDescriptorBufferInfo> buffers;
  buffers.reserve(bindings.size());
  uint32_t i = 0;
  for (const BufferRange& range : bindings) {
    if (!range.buffer)
      throw std::invalid_argument("kernel " + spec.name + ": binding " + std::to_string(i) + " is empty");
    const uint64_t bytes = range.bytes == VK_WHOLE_SIZE ? range.buffer->bytes() - range.offset : range.bytes;
    if (range.offset + bytes > range.buffer->bytes())
      throw std::out_of_range("kernel " + spec.name + ": binding " + std::to_string(i) + " runs past its buffer");
    if (bytes > info.maxStorageBufferRange)
      throw Error(ErrorKind::OutOfMemory, "kernel " + spec.name + ": a binding of " + std::to_string(bytes >> 20) +
                                              " MiB exceeds the device's storage-buffer range of " +
                                              std::to_string(info.maxStorageBufferRange >> 20) +
                                              " MiB. Use a smaller batch size or layer.");
    if (range.offset % info.minStorageBufferOffsetAlignment)
      throw std::invalid_argument("kernel " + spec.name + ": binding " + std::to_string(i) + " offset " +
                                  std::to_string(range.offset) + " is not aligned to " +
                                  std::to_string(info.minStorageBufferOffsetAlignment) + " bytes");
    buffers.push_back({range.buffer->handle(), range.offset, std::max<uint64_t>(bytes, 4)});
    if (texels(spec.bindings[i])) texelView(spec, i, buffers.back(), range.buffer->capacity());
    ++i;
  }
  // One barrier before the dispatch if any binding conflicts with work since the last one; a
  // range this dispatch both reads and writes (an in-place update) is no conflict in itself. A
  // texel view reaches to the end of its last vec4.
  std::vector<Span> spans;
  for (const VkDescriptorBufferInfo& b : buffers) spans.push_back({b.buffer, b.offset, b.offset + b.range});
  for (i = 0; i < spans.size(); ++i)
    if (texels(spec.bindings[i])) spans[i].end = spans[i].begin + (spans[i].end - spans[i].begin + 15) / 16 * 16;
  bool hazard = false;
  for (i = 0; i < spans.size(); ++i) hazard = hazard || conflicts(spans[i], spec.bindings[i]);
  if (hazard) barrier();
  for (i = 0; i < spans.size(); ++i) note(spans[i], spec.bindings[i]);

  const VkDescriptorSet set = allocateSet(kernel);
  std::vector<VkWriteDescriptorSet> descriptors(buffers.size());
  const size_t firstView = views_.size() - std::count_if(spec.bindings.begin(), spec.bindings.end(), texels);
  for (uint32_t b = 0, view = 0; b < buffers.size(); ++b) {
    descriptors[b] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    descriptors[b].dstSet = set;
    descriptors[b].dstBinding = b;
    descriptors[b].descriptorCount = 1;
    if (texels(spec.bindings[b])) {
      descriptors[b].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      descriptors[b].pTexelBufferView = &views_[firstView + view++];
    } else {
      descriptors[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      descriptors[b].pBufferInfo = &buffers[b];
    }
  }
  vkUpdateDescriptorSets(context_.handle(), static_cast<uint32_t>(descriptors.size()), descriptors.data(), 0, nullptr);

  vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline());
  vkCmdBindDescriptorSets(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.layout(), 0, 1, &set, 0, nullptr);
  if (pushBytes) vkCmdPushConstants(commands_, kernel.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, pushBytes, push);
  vkCmdDispatch(commands_, groups[0], groups[1], groups[2]);
  ++dispatches_;
}

void Recording::texelView(const KernelSpec& spec, uint32_t binding, const VkDescriptorBufferInfo& range,
                          uint64_t capacity) {
  const DeviceInfo& info = context_.device();
  const bool vec4 = spec.bindings[binding] == Access::ReadVec4Texels;
  const uint64_t texel = vec4 ? 16 : 4;
  // Whole vec4s: the view reaches up to 15 bytes past the range, which Buffer's capacity allows.
  const uint64_t bytes = (range.range + texel - 1) / texel * texel;
  if (range.offset % info.minTexelBufferOffsetAlignment || range.offset + bytes > capacity)
    throw std::invalid_argument("kernel " + spec.name + ": binding " + std::to_string(binding) +
                                " cannot be read as texels (offset " + std::to_string(range.offset) + ", " +
                                std::to_string(bytes) + " bytes)");
  if (bytes / texel > info.maxTexelBufferElements)
    throw Error(ErrorKind::Unsupported, "kernel " + spec.name + ": a tensor of " + std::to_string(bytes / 4) +
                                            " floats exceeds the " + std::to_string(info.maxTexelBufferElements) +
                                            " texels " + info.name +
                                            " can read at once. Use a smaller batch size or layer.");
  VkBufferViewCreateInfo viewInfo{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  viewInfo.buffer = range.buffer;
  viewInfo.format = vec4                                               ? VK_FORMAT_R32G32B32A32_SFLOAT
                    : spec.bindings[binding] == Access::ReadUintTexels ? VK_FORMAT_R32_UINT
                                                                       : VK_FORMAT_R32_SFLOAT;
  viewInfo.offset = range.offset;
  viewInfo.range = bytes;
  VkBufferView view = VK_NULL_HANDLE;
  check(vkCreateBufferView(context_.handle(), &viewInfo, nullptr, &view), "vkCreateBufferView");
  views_.push_back(view);
}

void Recording::copy(BufferRange source, BufferRange destination) {
  if (finished_) throw std::logic_error("Recording::copy after finish()");
  const uint64_t bytes = source.bytes == VK_WHOLE_SIZE ? source.buffer->bytes() - source.offset : source.bytes;
  if (source.offset + bytes > source.buffer->bytes() || destination.offset + bytes > destination.buffer->bytes())
    throw std::out_of_range("Recording::copy outside a buffer");
  if (bytes == 0) return;
  access({*source.buffer, source.offset, bytes}, Access::Read);
  access({*destination.buffer, destination.offset, bytes}, Access::Write);
  VkBufferCopy region{source.offset, destination.offset, bytes};
  vkCmdCopyBuffer(commands_, source.buffer->handle(), destination.buffer->handle(), 1, &region);
}

void Recording::fill(BufferRange range, uint32_t word) {
  if (finished_) throw std::logic_error("Recording::fill after finish()");
  const uint64_t bytes = range.bytes == VK_WHOLE_SIZE ? range.buffer->bytes() - range.offset : range.bytes;
  if (bytes == 0) return;
  if (range.offset % 4 || bytes % 4 || range.offset + bytes > range.buffer->bytes())
    throw std::invalid_argument("Recording::fill needs a 4-byte aligned range inside the buffer");
  access(range, Access::Write);
  vkCmdFillBuffer(commands_, range.buffer->handle(), range.offset, bytes, word);
}

void Recording::timestamp(std::string label) {
  if (finished_) throw std::logic_error("Recording::timestamp after finish()");
  if (!queries_ || labels_.size() >= maxTimestamps_) return;  // no timestamps on this queue, or full
  vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, static_cast<uint32_t>(labels_.size()));
  labels_.push_back(std::move(label));
  // The timestamp waits for earlier work but does not hold back later work: this barrier does.
  barrier();
}

void Recording::finish() {
  if (finished_) return;
  // Results must be visible to the host (mapped buffers) once the fence signals.
  memoryBarrier(commands_, kWorkStages, kWrites, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  check(vkEndCommandBuffer(commands_), "vkEndCommandBuffer");
  finished_ = true;
}

void Recording::wait() {
  if (!pending_) return;
  pending_ = false;
  context_.waitFence(fence_, "waiting for the GPU");
}

std::vector<Timing> Recording::timings() const {
  std::vector<Timing> out;
  if (!queries_ || labels_.empty() || pending_) return out;
  std::vector<uint64_t> ticks(labels_.size());
  const VkResult result =
      vkGetQueryPoolResults(context_.handle(), queries_, 0, static_cast<uint32_t>(labels_.size()),
                            ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t), VK_QUERY_RESULT_64_BIT);
  if (result != VK_SUCCESS) return out;  // never run yet
  const DeviceInfo& device = context_.device();
  for (size_t i = 0; i < labels_.size(); ++i)
    out.push_back(
        {labels_[i], timestampMilliseconds(ticks[0], ticks[i], device.timestampValidBits, device.timestampPeriodNs)});
  return out;
}

}  // namespace gradlab::gpu
