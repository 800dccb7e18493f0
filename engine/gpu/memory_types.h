#pragma once
// Which Vulkan memory type a buffer takes, from what the buffer is for and what the device offers.
// A pure function of the memory properties, so the choice for a discrete GPU with or without
// resizable BAR, an integrated GPU or lavapipe can be checked without the device.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <optional>

namespace gradlab::gpu {

enum class MemoryUse {
  Device,    // GPU-only: device-local; host-mapped only where the device shares the host's memory
  Upload,    // the host writes, the GPU reads: mapped device-local memory where the whole VRAM heap
             // is host-visible (resizable BAR, integrated GPUs), else device-local behind a staging copy
  Readback,  // the GPU writes, the host reads (rings, control blocks, download staging): host-cached
             // memory, since reading write-combined or PCIe-mapped memory is uncached and slow
  Staging,   // host memory a copy to device-local memory starts from: host-visible, not device-local
};

struct MemoryChoice {
  uint32_t type = 0;
  bool mapped = false;   // the buffer is mapped and host copies are memcpy
  bool coherent = true;  // false: mapped writes need a flush and reads an invalidate
};

// The memory type for a buffer of `use` among `allowedTypes` (VkMemoryRequirements::memoryTypeBits).
// `unifiedMemory`: the device's own memory is the host's (CPU devices, integrated GPUs), so even
// Device buffers are mapped. Empty when no allowed type serves the use at all.
std::optional<MemoryChoice> chooseMemoryType(const VkPhysicalDeviceMemoryProperties& memory, uint32_t allowedTypes,
                                             MemoryUse use, bool unifiedMemory);

const char* memoryUseName(MemoryUse use);

}  // namespace gradlab::gpu
