#include "gpu/buffer.h"

#include "gpu/context.h"
#include "gpu/error.h"

#include <cstring>
#include <stdexcept>

namespace gradlab::gpu {

static std::string mebibytes(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

Buffer::Buffer(Context& context, uint64_t bytes, MemoryUse use) : context_(context), bytes_(bytes), use_(use) {
  const DeviceInfo& info = context.device();
  // Vulkan forbids empty buffers; round up so zero-sized tensors still have a handle.
  const uint64_t size = capacity();
  if (size > info.maxMemoryAllocationSize || size > info.deviceLocalBytes)
    throw Error(ErrorKind::OutOfMemory, "A buffer of " + mebibytes(size) + " exceeds what " + info.name +
                                            " can allocate at once (" +
                                            mebibytes(std::min(info.maxMemoryAllocationSize, info.deviceLocalBytes)) +
                                            "). Use a smaller batch size or network.");
  VkBufferCreateInfo bufferInfo{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bufferInfo.size = size;
  bufferInfo.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                     VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bufferInfo.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(context.handle(), &bufferInfo, nullptr, &buffer_), "vkCreateBuffer");

  VkMemoryRequirements requirements{};
  vkGetBufferMemoryRequirements(context.handle(), buffer_, &requirements);
  const MemoryChoice memory = context.memoryFor(requirements.memoryTypeBits, use);
  const bool map = memory.mapped;
  coherent_ = memory.coherent;
  VkMemoryAllocateInfo allocInfo{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  allocInfo.allocationSize = requirements.size;
  allocInfo.memoryTypeIndex = memory.type;
  VkResult result = vkAllocateMemory(context.handle(), &allocInfo, nullptr, &memory_);
  if (result == VK_SUCCESS) result = vkBindBufferMemory(context.handle(), buffer_, memory_, 0);
  if (result == VK_SUCCESS && map) result = vkMapMemory(context.handle(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped_);
  if (result != VK_SUCCESS) {
    if (memory_) vkFreeMemory(context.handle(), memory_, nullptr);
    vkDestroyBuffer(context.handle(), buffer_, nullptr);
    check(result, ("allocating a buffer of " + mebibytes(size)).c_str());
  }
  context.noteAllocation(bytes_);
}

Buffer::~Buffer() {
  if (mapped_) vkUnmapMemory(context_.handle(), memory_);
  vkDestroyBuffer(context_.handle(), buffer_, nullptr);
  vkFreeMemory(context_.handle(), memory_, nullptr);
}

static void checkRange(uint64_t offset, uint64_t bytes, uint64_t size) {
  if (offset > size || bytes > size - offset)
    throw std::out_of_range("buffer copy of " + std::to_string(bytes) + " bytes at " + std::to_string(offset) +
                            " outside a buffer of " + std::to_string(size) + " bytes");
}

void Buffer::upload(const void* data, uint64_t bytes, uint64_t offset) const {
  checkRange(offset, bytes, bytes_);
  if (bytes == 0) return;
  if (mapped_) {
    std::memcpy(static_cast<char*>(mapped_) + offset, data, bytes);
    if (!coherent_) {  // the whole mapping: always a valid range whatever nonCoherentAtomSize is
      const VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, memory_, 0, VK_WHOLE_SIZE};
      check(vkFlushMappedMemoryRanges(context_.handle(), 1, &range), "vkFlushMappedMemoryRanges");
    }
  } else
    context_.upload(*this, offset, data, bytes);
}

void Buffer::download(void* data, uint64_t bytes, uint64_t offset) const {
  checkRange(offset, bytes, bytes_);
  if (bytes == 0) return;
  if (mapped_) {
    if (!coherent_) {
      const VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, memory_, 0, VK_WHOLE_SIZE};
      check(vkInvalidateMappedMemoryRanges(context_.handle(), 1, &range), "vkInvalidateMappedMemoryRanges");
    }
    std::memcpy(data, static_cast<const char*>(mapped_) + offset, bytes);
  } else
    context_.download(*this, offset, data, bytes);
}

}  // namespace gradlab::gpu
