#include "gpu/pipeline_cache.h"

#include "gpu/error.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace gradlab::gpu {
namespace {

// The header every Vulkan pipeline cache starts with (VkPipelineCacheHeaderVersionOne).
bool matchesDevice(const std::vector<char>& data, const DeviceInfo& info) {
  if (data.size() < sizeof(VkPipelineCacheHeaderVersionOne)) return false;
  VkPipelineCacheHeaderVersionOne header;
  std::memcpy(&header, data.data(), sizeof header);
  return header.headerSize >= sizeof header && header.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         header.vendorID == info.vendorId && header.deviceID == info.deviceId &&
         std::memcmp(header.pipelineCacheUUID, info.pipelineCacheUuid.data(), VK_UUID_SIZE) == 0;
}

std::string hex(const uint8_t* bytes, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace

std::filesystem::path PipelineCache::defaultDirectory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "gradlab";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "gradlab";
  return {};
}

PipelineCache::PipelineCache(VkDevice device, const DeviceInfo& info, const std::filesystem::path& directory)
    : device_(device) {
  std::vector<char> data;
  if (!directory.empty()) {
    uint8_t ids[8];
    std::memcpy(ids, &info.vendorId, 4);
    std::memcpy(ids + 4, &info.deviceId, 4);
    file_ = directory / ("pipelines-" + hex(ids, 8) + "-" + hex(info.pipelineCacheUuid.data(), VK_UUID_SIZE) + ".bin");
    std::ifstream in(file_, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!matchesDevice(data, info)) data.clear();
  }
  VkPipelineCacheCreateInfo createInfo{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  createInfo.initialDataSize = data.size();
  createInfo.pInitialData = data.empty() ? nullptr : data.data();
  if (vkCreatePipelineCache(device_, &createInfo, nullptr, &cache_) != VK_SUCCESS) {
    // The driver refused the file's contents: start empty rather than fail.
    createInfo.initialDataSize = 0;
    createInfo.pInitialData = nullptr;
    data.clear();
    check(vkCreatePipelineCache(device_, &createInfo, nullptr, &cache_), "vkCreatePipelineCache");
  }
  loaded_ = !data.empty();
  loadedBytes_ = data.size();
}

void PipelineCache::save() {
  if (file_.empty()) return;
  size_t size = 0;
  if (vkGetPipelineCacheData(device_, cache_, &size, nullptr) != VK_SUCCESS || size == loadedBytes_) return;
  std::vector<char> data(size);
  if (vkGetPipelineCacheData(device_, cache_, &size, data.data()) != VK_SUCCESS) return;
  // A cache is an optimisation: failing to write it must never fail the program.
  std::error_code error;
  std::filesystem::create_directories(file_.parent_path(), error);
  const auto temporary = std::filesystem::path(file_).concat(".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out.write(data.data(), static_cast<std::streamsize>(size))) return;
  }
  std::filesystem::rename(temporary, file_, error);
  if (!error) loadedBytes_ = size;
}

PipelineCache::~PipelineCache() {
  save();
  vkDestroyPipelineCache(device_, cache_, nullptr);
}

}  // namespace gradlab::gpu
