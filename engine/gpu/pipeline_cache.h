#pragma once
// A Vulkan pipeline cache kept in a file, so kernels compile once per device and driver rather
// than at every start. A file from another device or driver, or a damaged one, is ignored.
#include "gpu/device_info.h"
#include "gpu/vulkan_api.h"

#include <filesystem>

namespace gradlab::gpu {

class PipelineCache {
 public:
  // `directory` empty: no file, an in-memory cache only.
  PipelineCache(VkDevice device, const DeviceInfo& info, const std::filesystem::path& directory);
  ~PipelineCache();  // writes the file when the cache grew
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache handle() const { return cache_; }
  const std::filesystem::path& file() const { return file_; }
  bool loadedFromFile() const { return loaded_; }
  void save();

  static std::filesystem::path defaultDirectory();

 private:
  VkDevice device_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::filesystem::path file_;
  size_t loadedBytes_ = 0;
  bool loaded_ = false;
};

}  // namespace gradlab::gpu
