// The Vulkan compute core: device choice, clear errors, buffers, barriers, timestamps, the
// pipeline cache file, and the validation layer being on and heard.
#include "gpu/buffer.h"
#include "gpu/error.h"
#include "gpu/pipeline_cache.h"
#include "gpu/recording.h"
#include "ops/elementwise.h"
#include "support/gpu_test.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace gradlab;

namespace {

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value, 1);
  }
  ~ScopedEnv() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

gpu::DeviceInfo fakeDevice(uint32_t index, const char* name, gpu::DeviceType type, bool usable = true) {
  gpu::DeviceInfo d;
  d.index = index;
  d.name = name;
  d.type = type;
  d.usable = usable;
  if (!usable) d.unusableReason = "needs Vulkan 1.2";
  return d;
}

}  // namespace

class TestContext : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void validationLayerIsOnAndHeard() {
    QVERIFY(context_->validationEnabled());
    // Plant a real API misuse (a buffer with no usage flags) and expect the layer to say so.
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = 64;
    info.usage = 0;
    VkBuffer buffer = VK_NULL_HANDLE;
    if (vkCreateBuffer(context_->handle(), &info, nullptr, &buffer) == VK_SUCCESS)
      vkDestroyBuffer(context_->handle(), buffer, nullptr);
    const auto messages = context_->validationMessages();
    context_->clearValidationMessages();
    QVERIFY2(!messages.empty(), "the validation layer did not report a planted error");
    QVERIFY(messages.front().find("usage") != std::string::npos);
  }

  void devicesAreListedAndDescribed() {
    const auto devices = gpu::enumerateDevices();
    QVERIFY(!devices.empty());
    const auto& chosen = context_->device();
    QVERIFY(!chosen.name.empty());
    QVERIFY(chosen.usable);
    QVERIFY(chosen.subgroupSize >= 1);
    QVERIFY(chosen.maxStorageBufferRange >= (1u << 27) || chosen.maxStorageBufferRange > 0);
    QVERIFY(chosen.deviceLocalBytes > 0);
    QVERIFY(chosen.apiVersion >= VK_API_VERSION_1_2);
  }

  void selectionPrefersGpusAndHonoursRequests() {
    const std::vector<gpu::DeviceInfo> devices{
        fakeDevice(0, "llvmpipe (LLVM 15.0.6, 256 bits)", gpu::DeviceType::Cpu),
        fakeDevice(1, "Intel(R) UHD Graphics", gpu::DeviceType::Integrated),
        fakeDevice(2, "NVIDIA GeForce RTX 3060", gpu::DeviceType::Discrete),
        fakeDevice(3, "Old GPU", gpu::DeviceType::Discrete, /*usable=*/false),
    };
    QCOMPARE(gpu::selectDevice(devices, ""), 2u);
    QCOMPARE(gpu::selectDevice(devices, "llvmpipe"), 0u);
    QCOMPARE(gpu::selectDevice(devices, "LLVMPIPE"), 0u);
    QCOMPARE(gpu::selectDevice(devices, "1"), 1u);
    QCOMPARE(gpu::selectDevice(devices, "intel"), 1u);
    try {
      gpu::selectDevice(devices, "amd");
      QFAIL("an unknown device was accepted");
    } catch (const gpu::Error& e) {
      QCOMPARE(e.kind(), gpu::ErrorKind::NoDevice);
      QVERIFY(std::string(e.what()).find("NVIDIA GeForce RTX 3060") != std::string::npos);  // lists the devices
    }
    QVERIFY_THROWS_EXCEPTION(gpu::Error, gpu::selectDevice(devices, "3"));  // exists but unusable
    QVERIFY_THROWS_EXCEPTION(gpu::Error, gpu::selectDevice({}, ""));
  }

  void environmentChoosesDevice() {
    ScopedEnv env("GRADLAB_DEVICE", "no-such-device-anywhere");
    try {
      test::makeContext();
      QFAIL("GRADLAB_DEVICE was ignored");
    } catch (const gpu::Error& e) {
      QCOMPARE(e.kind(), gpu::ErrorKind::NoDevice);
    }
  }

  void kernelVariantFollowsDeviceAndFlag() {
    const auto expected =
        context_->device().type == gpu::DeviceType::Cpu ? gpu::KernelVariant::Registers : gpu::KernelVariant::Tiled;
    if (!std::getenv("GRADLAB_KERNELS")) QCOMPARE(context_->kernelVariant(), expected);
    gpu::ContextOptions options;
    options.kernels = gpu::KernelVariant::Tiled;
    QCOMPARE(test::makeContext(options)->kernelVariant(), gpu::KernelVariant::Tiled);
    {
      ScopedEnv env("GRADLAB_KERNELS", "registers");
      QCOMPARE(test::makeContext()->kernelVariant(), gpu::KernelVariant::Registers);
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, gpu::parseKernelVariant("fast"));
  }

  void noDriverIsExplained() {
    ScopedEnv icd("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    ScopedEnv driver("VK_DRIVER_FILES", "/nonexistent/icd.json");
    try {
      gpu::enumerateDevices();
      auto context = test::makeContext();
      QFAIL("a Context opened without any driver");
    } catch (const gpu::Error& e) {
      QVERIFY(e.kind() == gpu::ErrorKind::NoDevice || e.kind() == gpu::ErrorKind::Unsupported);
      QVERIFY2(std::string(e.what()).find("mesa-vulkan-drivers") != std::string::npos, e.what());
    }
  }

  void buffersRoundTripMappedAndStaged() {
    gpu::ContextOptions staged;
    staged.forceStaging = true;
    auto stagedContext = test::makeContext(staged);
    for (gpu::Context* context : {context_.get(), stagedContext.get()}) {
      // Larger than the 32 MiB staging chunk, so chunking is exercised too.
      const size_t n = (40u << 20) / 4 + 5;
      const auto data = test::randomFloats(n, 77);
      gpu::Buffer buffer(*context, n * 4);
      buffer.upload(std::span<const float>(data));
      QVERIFY(buffer.read<float>(n) == data);
      const auto tail = buffer.read<float>(5, (n - 5) * 4);
      QVERIFY(std::equal(tail.begin(), tail.end(), data.end() - 5));
      QVERIFY_THROWS_EXCEPTION(std::out_of_range, buffer.read<float>(6, (n - 5) * 4));
      test::verifyNoValidationMessages(*context);
    }
  }

  void oversizedBufferIsAClearError() {
    try {
      gpu::Buffer huge(*context_, 1ull << 50);
      QFAIL("a 1 PiB buffer was allocated");
    } catch (const gpu::Error& e) {
      QCOMPARE(e.kind(), gpu::ErrorKind::OutOfMemory);
      QVERIFY(std::string(e.what()).find("batch size") != std::string::npos);
    }
  }

  void bindingBeyondStorageRangeIsRejected() {
    const uint64_t range = context_->device().maxStorageBufferRange;
    if (range >= context_->device().maxMemoryAllocationSize) QSKIP("this device binds whole allocations");
    gpu::Buffer big(*context_, range + 64);
    gpu::Recording rec(*context_);
    QVERIFY_THROWS_EXCEPTION(gpu::Error, ops::fill(rec, big, 16, 1.0f));
    // A part within the limit binds fine.
    ops::fill(rec, gpu::BufferRange(big, 64, range), 16, 1.0f);
    context_->run(rec);
    QCOMPARE(big.read<float>(1, 64)[0], 1.0f);
  }

  void timestampsAreOrdered() {
    if (context_->device().timestampPeriodNs <= 0) QSKIP("no timestamps on this queue");
    const uint32_t n = 1u << 20;
    gpu::Buffer a(*context_, n * 4), b(*context_, n * 4);
    gpu::Recording rec(*context_);
    rec.timestamp("start");
    ops::fill(rec, a, n, 1.0f);
    rec.timestamp("filled");
    ops::unary(rec, ops::UnaryOp::Exp, a, b, n);
    rec.timestamp("mapped");
    context_->run(rec);
    const auto timings = rec.timings();
    QCOMPARE(timings.size(), size_t(3));
    QCOMPARE(timings[0].label, std::string("start"));
    QCOMPARE(timings[0].milliseconds, 0.0);
    QVERIFY(timings[1].milliseconds > 0);
    QVERIFY(timings[2].milliseconds >= timings[1].milliseconds);
  }

  void asynchronousSubmitAndWait() {
    const uint32_t n = 1u << 16;
    gpu::Buffer a(*context_, n * 4);
    gpu::Recording rec(*context_);
    ops::fill(rec, a, n, 3.0f);
    context_->submit(rec);
    QVERIFY(rec.pending());
    rec.wait();
    QVERIFY(!rec.pending());
    QCOMPARE(a.read<float>(1, (n - 1) * 4)[0], 3.0f);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, ops::fill(rec, a, n, 1.0f));  // finished: no more recording
  }

  // The test hook: the chosen submit fails once with the injected result, reported as the
  // driver's would be; the submits before and after it run.
  void injectedSubmitFaultFailsOnceAsTheDriverWould() {
    const uint32_t n = 256;
    gpu::Buffer a(*context_, n * 4);
    gpu::Recording rec(*context_);
    ops::fill(rec, a, n, 2.0f);
    rec.finish();
    gpu::injectSubmitFaultForTesting(VK_ERROR_DEVICE_LOST, 1);
    context_->run(rec);  // the one before the fault
    try {
      context_->run(rec);
      QFAIL("the injected fault did not happen");
    } catch (const gpu::Error& e) {
      QCOMPARE(e.kind(), gpu::ErrorKind::DeviceLost);
      QVERIFY2(QString(e.what()).contains("VK_ERROR_DEVICE_LOST") && QString(e.what()).contains("restart the run"),
               e.what());
    }
    QVERIFY(!rec.pending());
    context_->run(rec);  // once only
    QCOMPARE(a.read<float>(1)[0], 2.0f);
    gpu::injectSubmitFaultForTesting(VK_ERROR_OUT_OF_DEVICE_MEMORY);
    gpu::injectSubmitFaultForTesting(VK_SUCCESS);  // disarmed
    context_->run(rec);
  }

  // The allocation log sees every buffer made while it is on, and nothing after.
  void allocationsAreRecordedForTests() {
    std::vector<uint64_t> allocated;
    context_->recordAllocationsForTesting(&allocated);
    gpu::Buffer a(*context_, 100), b(*context_, 4096);
    context_->recordAllocationsForTesting(nullptr);
    gpu::Buffer c(*context_, 8);
    QCOMPARE(allocated, (std::vector<uint64_t>{100, 4096}));
  }

  void pipelineCacheIsSavedReloadedAndSurvivesCorruption() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    gpu::ContextOptions options;
    options.pipelineCacheDir = dir.path().toStdString();
    options.persistentPipelineCache = true;
    std::filesystem::path file;
    {
      auto context = test::makeContext(options);
      gpu::Buffer a(*context, 64);
      gpu::Recording rec(*context);
      ops::fill(rec, a, 16, 1.0f);
      context->run(rec);
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir.path().toStdString())) file = entry.path();
    // At least Vulkan's 32-byte cache header (lavapipe keeps its shaders in Mesa's own cache).
    QVERIFY2(!file.empty() && std::filesystem::file_size(file) >= 32, "no pipeline cache file was written");
    {
      gpu::Context* raw = nullptr;
      auto context = test::makeContext(options);
      raw = context.get();
      gpu::PipelineCache probe(raw->handle(), raw->device(), dir.path().toStdString());
      QVERIFY(probe.loadedFromFile());
    }
    // A damaged file is ignored, and the run still works.
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << "this is not a pipeline cache";
    }
    auto context = test::makeContext(options);
    gpu::PipelineCache probe(context->handle(), context->device(), dir.path().toStdString());
    QVERIFY(!probe.loadedFromFile());
    gpu::Buffer a(*context, 64);
    gpu::Recording rec(*context);
    ops::fill(rec, a, 16, 4.0f);
    context->run(rec);
    QCOMPARE(a.read<float>(1)[0], 4.0f);
    test::verifyNoValidationMessages(*context);
  }

  void wrongBindingsAreRejectedBeforeRecording() {
    gpu::Buffer a(*context_, 64);
    gpu::Recording rec(*context_);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, ops::fill(rec, gpu::BufferRange(a, 32, 64), 16, 1.0f));
    if (context_->device().minStorageBufferOffsetAlignment > 4)  // misaligned offset
      QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ops::fill(rec, gpu::BufferRange(a, 4, 16), 4, 1.0f));
    QCOMPARE(rec.dispatchCount(), 0u);
  }

  // Hazards are tracked per byte range: commands on disjoint parts of one buffer (a network's
  // parameters share one) need no barrier between them; overlapping ones get exactly one.
  void barriersFollowOverlappingRanges() {
    const uint64_t align = std::max<uint64_t>(context_->device().minStorageBufferOffsetAlignment, 16);
    gpu::Buffer a(*context_, 4 * align), b(*context_, 4 * align);
    const gpu::BufferRange first(a, 0, align), second(a, align, align), both(a, 0, 2 * align);
    gpu::Recording rec(*context_);
    ops::fill(rec, first, uint32_t(align / 4), 1.0f);
    ops::fill(rec, second, uint32_t(align / 4), 2.0f);  // disjoint write: no barrier
    QCOMPARE(rec.barrierCount(), 0u);
    ops::copy(rec, both, gpu::BufferRange(b, 0, 2 * align), uint32_t(align / 2));  // reads both writes
    QCOMPARE(rec.barrierCount(), 1u);
    ops::fill(rec, gpu::BufferRange(a, 2 * align, align), uint32_t(align / 4), 3.0f);  // untouched bytes
    QCOMPARE(rec.barrierCount(), 1u);
    ops::fill(rec, second, uint32_t(align / 4), 4.0f);  // write after read
    QCOMPARE(rec.barrierCount(), 2u);
    context_->run(rec);
    const auto copied = b.read<float>(align / 2);
    for (uint64_t i = 0; i < align / 2; ++i) QCOMPARE(copied[i], i < align / 4 ? 1.0f : 2.0f);
    QCOMPARE(a.read<float>(1, align)[0], 4.0f);
  }
};

QTEST_APPLESS_MAIN(TestContext)
#include "test_context.moc"
