#pragma once
// A storage buffer in device memory. Where the device's own memory is host-mappable (lavapipe,
// integrated GPUs) the buffer is mapped and copies are plain memcpy; elsewhere they go through
// a staging buffer.
#include "gpu/memory_types.h"
#include "gpu/vulkan_api.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace gradlab::gpu {

class Context;

class Buffer {
 public:
  // Memory for `use` (gpu/memory_types.h), as the Context's device offers it.
  Buffer(Context& context, uint64_t bytes, MemoryUse use);
  // `hostMapped`: a host-mapped buffer the host reads back (MemoryUse::Readback); otherwise Device.
  Buffer(Context& context, uint64_t bytes, bool hostMapped = false)
      : Buffer(context, bytes, hostMapped ? MemoryUse::Readback : MemoryUse::Device) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  uint64_t bytes() const { return bytes_; }
  // Bytes the device buffer really has: bytes() rounded up to whole vec4s (16 bytes), so a vec4
  // texel view may cover a tensor whose size is not a multiple of four floats.
  uint64_t capacity() const { return capacityFor(bytes_); }
  static uint64_t capacityFor(uint64_t bytes) { return (std::max<uint64_t>(bytes, 4) + 15) & ~uint64_t(15); }
  bool mapped() const { return mapped_ != nullptr; }
  MemoryUse use() const { return use_; }

  // const: a Buffer is a handle (kernels bound through a BufferRange write it the same way).
  void upload(const void* data, uint64_t bytes, uint64_t offset = 0) const;
  void download(void* data, uint64_t bytes, uint64_t offset = 0) const;

  template <class T>
  void upload(std::span<const T> values, uint64_t offset = 0) const {
    upload(values.data(), values.size_bytes(), offset);
  }
  template <class T>
  std::vector<T> read(uint64_t count, uint64_t offset = 0) const {
    std::vector<T> values(count);
    download(values.data(), count * sizeof(T), offset);
    return values;
  }

 private:
  Context& context_;
  uint64_t bytes_;
  MemoryUse use_;
  bool coherent_ = true;  // false: mapped memory that needs flushes and invalidates
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  void* mapped_ = nullptr;
};

// A part of a buffer bound to one kernel binding, in bytes.
struct BufferRange {
  const Buffer* buffer = nullptr;
  uint64_t offset = 0;
  uint64_t bytes = VK_WHOLE_SIZE;  // VK_WHOLE_SIZE: to the end of the buffer

  BufferRange() = default;
  BufferRange(const Buffer& b) : buffer(&b), bytes(b.bytes()) {}  // NOLINT: implicit by design
  BufferRange(const Buffer& b, uint64_t offset_, uint64_t bytes_) : buffer(&b), offset(offset_), bytes(bytes_) {}
};

// A float view: `count` floats starting at float index `first`.
inline BufferRange floats(const Buffer& b, uint64_t first, uint64_t count) {
  return BufferRange(b, first * 4, count * 4);
}

}  // namespace gradlab::gpu
