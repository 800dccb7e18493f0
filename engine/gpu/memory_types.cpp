#include "gpu/memory_types.h"

#include <vector>

namespace gradlab::gpu {
namespace {

constexpr VkMemoryPropertyFlags kDeviceLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
constexpr VkMemoryPropertyFlags kVisible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
constexpr VkMemoryPropertyFlags kCoherent = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
constexpr VkMemoryPropertyFlags kCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
// AMD's device-coherent and uncached types serve GPU-to-GPU synchronisation and are slow for
// everything else; lazily allocated and protected memory cannot back a storage buffer.
constexpr VkMemoryPropertyFlags kAvoided = VK_MEMORY_PROPERTY_DEVICE_COHERENT_BIT_AMD |
                                           VK_MEMORY_PROPERTY_DEVICE_UNCACHED_BIT_AMD |
                                           VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT | VK_MEMORY_PROPERTY_PROTECTED_BIT;

// One acceptable kind of memory: the flags it must have and those it must not.
struct Wanted {
  VkMemoryPropertyFlags required;
  VkMemoryPropertyFlags forbidden = 0;
  bool mapped = true;
  bool wholeDeviceHeap = false;  // only a type on the largest device-local heap (not a 256 MiB BAR window)
};

uint32_t largestDeviceHeap(const VkPhysicalDeviceMemoryProperties& memory) {
  uint32_t best = 0;
  VkDeviceSize size = 0;
  for (uint32_t h = 0; h < memory.memoryHeapCount; ++h)
    if ((memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && memory.memoryHeaps[h].size > size)
      best = h, size = memory.memoryHeaps[h].size;
  return best;
}

// In order of preference.
std::vector<Wanted> preferences(MemoryUse use, bool unifiedMemory) {
  const Wanted mappedDevice{kDeviceLocal | kVisible | kCoherent};
  switch (use) {
    case MemoryUse::Device:
      if (unifiedMemory) return {{mappedDevice.required | kCached}, mappedDevice, {kDeviceLocal, 0, false}};
      // Device-local types that are not host-visible first: the BAR window is for uploads.
      return {{kDeviceLocal, kVisible, false}, {kDeviceLocal, 0, false}, {0, 0, false}};
    case MemoryUse::Upload:
      return {{kDeviceLocal | kVisible | kCoherent, 0, true, true},
              {kDeviceLocal, kVisible, false},
              {kDeviceLocal, 0, false},
              {kVisible | kCoherent},
              {kVisible}};
    case MemoryUse::Readback:
      return {{kVisible | kCached | kCoherent}, {kVisible | kCached}, {kVisible | kCoherent}, {kVisible}};
    case MemoryUse::Staging: return {{kVisible | kCoherent, kDeviceLocal}, {kVisible | kCoherent}, {kVisible}};
  }
  return {};
}

}  // namespace

const char* memoryUseName(MemoryUse use) {
  switch (use) {
    case MemoryUse::Device: return "device";
    case MemoryUse::Upload: return "upload";
    case MemoryUse::Readback: return "readback";
    case MemoryUse::Staging: return "staging";
  }
  return "?";
}

std::optional<MemoryChoice> chooseMemoryType(const VkPhysicalDeviceMemoryProperties& memory, uint32_t allowedTypes,
                                             MemoryUse use, bool unifiedMemory) {
  const uint32_t deviceHeap = largestDeviceHeap(memory);
  for (const Wanted& wanted : preferences(use, unifiedMemory))
    for (uint32_t t = 0; t < memory.memoryTypeCount; ++t) {
      const VkMemoryType& type = memory.memoryTypes[t];
      const VkMemoryPropertyFlags flags = type.propertyFlags;
      if (!(allowedTypes & (1u << t)) || (flags & wanted.required) != wanted.required ||
          (flags & (wanted.forbidden | kAvoided)) || (wanted.wholeDeviceHeap && type.heapIndex != deviceHeap))
        continue;
      return MemoryChoice{t, wanted.mapped, !wanted.mapped || (flags & kCoherent) != 0};
    }
  return std::nullopt;
}

}  // namespace gradlab::gpu
