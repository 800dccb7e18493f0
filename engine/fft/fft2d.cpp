#include "fft/fft2d.h"

// VkFFT calls Vulkan by its plain names; gpu/vulkan_api.h makes those our loaded pointers.
#include "gpu/error.h"
#include "gpu/vulkan_api.h"
#include "vkFFT.h"

#include <cmath>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <string>

namespace gradlab::fft {

struct Fft2d::Plan {
  VkPhysicalDevice physical;
  VkDevice device;
  VkQueue queue;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  uint64_t bufferSize = 0;
  VkBuffer boundBuffer = VK_NULL_HANDLE;
  VkFFTApplication app{};
  bool initialised = false;
};

Fft2d::Fft2d(gpu::Context& context, uint32_t width, uint32_t height, uint32_t batch)
    : context_(context), width_(width), height_(height), batch_(batch), plan_(std::make_unique<Plan>()) {
  if (width == 0 || height == 0 || batch == 0) throw std::invalid_argument("Fft2d: sizes must be positive");
  Plan& p = *plan_;
  p.physical = context.physicalDevice();
  p.device = context.handle();
  p.queue = context.queue();
  p.bufferSize = bytes();
  VkCommandPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  poolInfo.queueFamilyIndex = context.queueFamily();
  gpu::check(vkCreateCommandPool(p.device, &poolInfo, nullptr, &p.pool), "vkCreateCommandPool");
  VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  gpu::check(vkCreateFence(p.device, &fenceInfo, nullptr, &p.fence), "vkCreateFence");

  VkFFTConfiguration config{};
  config.FFTdim = 2;
  config.size[0] = width;
  config.size[1] = height;
  config.numberBatches = batch;
  config.physicalDevice = &p.physical;
  config.device = &p.device;
  config.queue = &p.queue;
  config.commandPool = &p.pool;
  config.fence = &p.fence;
  config.bufferSize = &p.bufferSize;
  VkFFTResult result;
  {
    // VkFFT submits its own uploads (twiddle tables) on our queue while it initialises.
    std::lock_guard lock(context.queueMutex());
    result = initializeVkFFT(&p.app, config);
  }
  if (result != VKFFT_SUCCESS) {
    vkDestroyFence(p.device, p.fence, nullptr);
    vkDestroyCommandPool(p.device, p.pool, nullptr);
    throw gpu::Error(gpu::ErrorKind::Unsupported, "VkFFT could not plan a " + std::to_string(width) + "x" +
                                                      std::to_string(height) + " transform (VkFFT error " +
                                                      std::to_string(int(result)) + ").");
  }
  p.initialised = true;
}

Fft2d::~Fft2d() {
  Plan& p = *plan_;
  if (p.initialised) deleteVkFFT(&p.app);
  vkDestroyFence(p.device, p.fence, nullptr);
  vkDestroyCommandPool(p.device, p.pool, nullptr);
}

void Fft2d::record(gpu::Recording& rec, const gpu::Buffer& data, Direction direction) {
  if (&rec.context() != &context_) throw std::invalid_argument("Fft2d::record: the recording is on another Context");
  if (data.bytes() < bytes()) throw std::invalid_argument("Fft2d::record: the buffer is smaller than the transform");
  rec.external(data, gpu::Access::ReadWrite);
  plan_->boundBuffer = data.handle();
  VkCommandBuffer commands = rec.commandBuffer();
  VkFFTLaunchParams launch{};
  launch.commandBuffer = &commands;
  launch.buffer = &plan_->boundBuffer;
  const VkFFTResult result = VkFFTAppend(&plan_->app, direction == Direction::Forward ? -1 : 1, &launch);
  if (result != VKFFT_SUCCESS)
    throw gpu::Error(gpu::ErrorKind::Other,
                     "VkFFT could not record a transform (VkFFT error " + std::to_string(int(result)) + ").");
}

std::vector<std::complex<double>> reference::dft2d(std::span<const std::complex<float>> data, uint32_t width,
                                                   uint32_t height, Direction direction) {
  const double sign = direction == Direction::Forward ? -1.0 : 1.0;
  const size_t plane = size_t(width) * height;
  std::vector<std::complex<double>> out(data.size());
  for (size_t base = 0; base + plane <= data.size(); base += plane)
    for (uint32_t v = 0; v < height; ++v)
      for (uint32_t u = 0; u < width; ++u) {
        std::complex<double> sum = 0;
        for (uint32_t y = 0; y < height; ++y)
          for (uint32_t x = 0; x < width; ++x) {
            const double angle = sign * 2.0 * std::numbers::pi * (double(u) * x / width + double(v) * y / height);
            sum += std::complex<double>(data[base + size_t(y) * width + x]) * std::polar(1.0, angle);
          }
        out[base + size_t(v) * width + u] = sum;
      }
  return out;
}

}  // namespace gradlab::fft
