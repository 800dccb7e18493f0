// What the engine makes of a device before a GPU ever runs it: the memory type each kind of buffer
// takes (checked on the memory tables of real drivers), the compute-unit count and device profiles
// kernel plans start from, grids folded past maxComputeWorkGroupCount, timestamps that wrap at
// timestampValidBits; and the kernels given GPU shapes (im2col one invocation per value, the
// step metrics reduced by a work group) against their references.
#include "data/toy_datasets.h"
#include "gpu/buffer.h"
#include "gpu/device_profile.h"
#include "gpu/error.h"
#include "gpu/memory_types.h"
#include "gpu/recording.h"
#include "nn/layers/conv_common.h"
#include "support/gpu_test.h"
#include "train/training_session.h"

#include <QTest>

#include <cstdlib>
#include <initializer_list>

using namespace gradlab;

namespace {

constexpr VkMemoryPropertyFlags DL = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, HV = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
                                HC = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, CA = VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
                                AMD_COHERENT = VK_MEMORY_PROPERTY_DEVICE_COHERENT_BIT_AMD |
                                               VK_MEMORY_PROPERTY_DEVICE_UNCACHED_BIT_AMD;

struct FakeType {
  VkMemoryPropertyFlags flags;
  uint32_t heap;
};

// A memory table: heaps (size in MiB, device-local or not) and types, as vulkaninfo prints them.
VkPhysicalDeviceMemoryProperties table(std::initializer_list<std::pair<uint64_t, bool>> heaps,
                                       std::initializer_list<FakeType> types) {
  VkPhysicalDeviceMemoryProperties m{};
  for (const auto& [mib, deviceLocal] : heaps)
    m.memoryHeaps[m.memoryHeapCount++] = {mib << 20,
                                          deviceLocal ? VkMemoryHeapFlags(VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) : 0u};
  for (const FakeType& t : types) m.memoryTypes[m.memoryTypeCount++] = {t.flags, t.heap};
  return m;
}

// NVIDIA discrete without resizable BAR: 24 GiB VRAM, host memory, and the 256 MiB BAR window.
const VkPhysicalDeviceMemoryProperties kNvidia =
    table({{24576, true}, {65536, false}, {256, true}},
          {{0, 1}, {DL, 0}, {HV | HC, 1}, {HV | HC | CA, 1}, {DL | HV | HC, 2}});
// AMD discrete with resizable BAR (the whole VRAM heap host-visible), and its device-coherent types.
const VkPhysicalDeviceMemoryProperties kAmdRebar =
    table({{16368, true}, {32768, false}}, {{DL, 0},
                                            {HV | HC, 1},
                                            {DL | HV | HC, 0},
                                            {HV | HC | CA, 1},
                                            {DL | AMD_COHERENT, 0},
                                            {DL | HV | HC | AMD_COHERENT, 0},
                                            {HV | HC | CA | AMD_COHERENT, 1}});
// An integrated GPU (Intel): one heap shared with the host, a non-coherent cached type among them.
const VkPhysicalDeviceMemoryProperties kIntegrated =
    table({{16384, true}}, {{DL, 0}, {DL | HV | HC, 0}, {DL | HV | CA, 0}, {DL | HV | HC | CA, 0}});
// lavapipe: one type with every flag.
const VkPhysicalDeviceMemoryProperties kLavapipe = table({{2048, true}}, {{DL | HV | HC | CA, 0}});

// The memory type chosen for `use` among all types; fails the test when there is none.
gpu::MemoryChoice choose(const VkPhysicalDeviceMemoryProperties& m, gpu::MemoryUse use, bool unified) {
  const auto choice = gpu::chooseMemoryType(m, ~0u, use, unified);
  if (!choice) throw std::runtime_error(std::string("no memory type for ") + gpu::memoryUseName(use));
  return *choice;
}

// col[r][bb P + q] in double: the definition in shaders/im2col.comp.
std::vector<double> im2colReference(const nn::layers::ConvGeometry& g, const std::vector<float>& images, uint32_t first,
                                    uint32_t samples) {
  const uint32_t P = g.colH * g.colW;
  std::vector<double> col(size_t(g.colRows()) * samples * P);
  for (uint32_t r = 0; r < g.colRows(); ++r) {
    const uint32_t c = r / (g.k * g.k), ki = r / g.k % g.k, kj = r % g.k;
    for (uint32_t bb = 0; bb < samples; ++bb)
      for (uint32_t oh = 0; oh < g.colH; ++oh)
        for (uint32_t ow = 0; ow < g.colW; ++ow) {
          const long h = long(oh * g.stride + ki * g.dilation) - long(g.pad);
          const long w = long(ow * g.stride + kj * g.dilation) - long(g.pad);
          const bool inside = h >= 0 && h < long(g.height) && w >= 0 && w < long(g.width);
          const size_t image = (size_t(first + bb) * g.channels + c) * g.height * g.width;
          col[(size_t(r) * samples + bb) * P + oh * g.colW + ow] = inside ? images[image + h * g.width + w] : 0.0;
        }
  }
  return col;
}

nn::layers::ConvGeometry geometry(uint32_t channels, uint32_t height, uint32_t width, uint32_t k, uint32_t stride,
                                  uint32_t pad, uint32_t dilation) {
  nn::layers::ConvGeometry g{channels, height, width, 0, 0, k, stride, pad, dilation};
  g.colH = (height + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  g.colW = (width + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  return g;
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

}  // namespace

class TestGpuDevice : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Runs im2col of samples [first, first + samples) of a batch of `batch` random images with the
  // GPU form (one invocation per value, `perValue`) or the CPU form, and returns the largest
  // difference from the double reference.
  double im2colError(gpu::Context& context, const nn::layers::ConvGeometry& g, uint32_t batch, uint32_t first,
                     uint32_t samples, bool perValue) {
    ScopedEnv form("GRADLAB_IM2COL_PER_VALUE", perValue ? "1" : "0");
    const std::vector<float> images = test::randomFloats(size_t(batch) * g.imageSize(), g.k * 31 + g.width);
    gpu::Buffer image(context, images.size() * 4), col(context, uint64_t(g.colRows()) * samples * g.gridSize() * 4);
    image.upload(images.data(), images.size() * 4);
    gpu::Recording rec(context);
    nn::layers::im2col(rec, g, nn::layers::sampleWindow(context, image, g.imageSize(), first, samples), samples, col);
    context.run(rec);
    const std::vector<double> want = im2colReference(g, images, first, samples);
    const std::vector<float> got = col.read<float>(want.size());
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - want[i]));
    return worst;
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void readbackTakesHostCachedMemory() {
    using gpu::MemoryUse;
    // Discrete GPUs: readback in host-cached system memory, never the write-combined BAR window
    // (before: the first device-local host-visible type, read uncached across PCIe).
    QCOMPARE(choose(kNvidia, MemoryUse::Readback, false).type, 3u);
    QCOMPARE(choose(kAmdRebar, MemoryUse::Readback, false).type, 3u);  // not the device-coherent twin
    QVERIFY(choose(kNvidia, MemoryUse::Readback, false).mapped);
    // Integrated: the cached coherent type, though a non-coherent cached one comes first.
    const gpu::MemoryChoice integrated = choose(kIntegrated, MemoryUse::Readback, true);
    QCOMPARE(integrated.type, 3u);
    QVERIFY(integrated.coherent);
    QCOMPARE(choose(kLavapipe, MemoryUse::Readback, true).type, 0u);
    // Where only a non-coherent cached type is host-visible, it is taken, and marked for invalidates.
    const auto nonCoherent = table({{1024, true}, {4096, false}}, {{DL, 0}, {HV | CA, 1}, {HV | HC, 1}});
    const gpu::MemoryChoice cached = choose(nonCoherent, MemoryUse::Readback, false);
    QCOMPARE(cached.type, 1u);
    QVERIFY(cached.mapped && !cached.coherent);
  }

  void uploadsTakeResizableBarElseStaging() {
    using gpu::MemoryUse;
    // Resizable BAR (the whole VRAM heap host-visible): uploads write device memory directly.
    const gpu::MemoryChoice rebar = choose(kAmdRebar, MemoryUse::Upload, false);
    QCOMPARE(rebar.type, 2u);
    QVERIFY(rebar.mapped);
    // Without it (a 256 MiB window): device-local memory behind the staging copy.
    const gpu::MemoryChoice nvidia = choose(kNvidia, MemoryUse::Upload, false);
    QCOMPARE(nvidia.type, 1u);
    QVERIFY(!nvidia.mapped);
    // The staging buffer itself: plain host memory, not the BAR window.
    QCOMPARE(choose(kNvidia, MemoryUse::Staging, false).type, 2u);
    QCOMPARE(choose(kAmdRebar, MemoryUse::Staging, false).type, 1u);
    QVERIFY(choose(kIntegrated, MemoryUse::Upload, true).mapped);
    QVERIFY(choose(kLavapipe, MemoryUse::Upload, true).mapped);
  }

  void deviceBuffersStayDeviceLocal() {
    using gpu::MemoryUse;
    // Discrete: device-local, not host-visible (the BAR is for uploads), never mapped.
    const gpu::MemoryChoice nvidia = choose(kNvidia, MemoryUse::Device, false);
    QCOMPARE(nvidia.type, 1u);
    QVERIFY(!nvidia.mapped);
    QCOMPARE(choose(kAmdRebar, MemoryUse::Device, false).type, 0u);
    // Unified memory: mapped, the cached coherent type preferred.
    const gpu::MemoryChoice integrated = choose(kIntegrated, MemoryUse::Device, true);
    QCOMPARE(integrated.type, 3u);
    QVERIFY(integrated.mapped && integrated.coherent);
    QVERIFY(choose(kLavapipe, MemoryUse::Device, true).mapped);
    // Allowed types are honoured: with only host types allowed, nothing serves a device buffer
    // but the last resort (any type, unmapped).
    const auto onlyHost = gpu::chooseMemoryType(kNvidia, 1u << 2, MemoryUse::Device, false);
    QVERIFY(onlyHost && onlyHost->type == 2 && !onlyHost->mapped);
    QVERIFY(!gpu::chooseMemoryType(kNvidia, 1u << 1, MemoryUse::Readback, false));
  }

  void buffersOfEveryUseRoundTrip() {
    const std::vector<float> values = test::randomFloats(1000, 5);
    for (gpu::MemoryUse use :
         {gpu::MemoryUse::Device, gpu::MemoryUse::Upload, gpu::MemoryUse::Readback, gpu::MemoryUse::Staging}) {
      gpu::Buffer buffer(*context_, values.size() * 4, use);
      buffer.upload(values.data(), values.size() * 4);
      QCOMPARE(buffer.read<float>(values.size()), values);
    }
  }

  void computeUnitsAndProfiles() {
    gpu::DeviceInfo nvidia;
    nvidia.name = "NVIDIA H100";
    nvidia.computeUnits = 132;
    nvidia.computeUnitsSource = "VK_NV_shader_sm_builtins";
    nvidia.subgroupSize = 32;
    const gpu::DeviceProfile reported = gpu::deviceProfile(nvidia, 8);
    QCOMPARE(reported.computeUnits, 132u);
    QVERIFY(reported.computeUnitsReported);
    gpu::DeviceInfo cpu;
    cpu.type = gpu::DeviceType::Cpu;
    {
      ScopedEnv threads("LP_NUM_THREADS", "3");
      QCOMPARE(gpu::deviceProfile(cpu, 8).computeUnits, 3u);
    }
    QCOMPARE(gpu::deviceProfile(cpu, 8).computeUnits, 8u);
    gpu::DeviceInfo quiet;
    quiet.type = gpu::DeviceType::Discrete;
    const gpu::DeviceProfile guessed = gpu::deviceProfile(quiet, 8);
    QVERIFY(!guessed.computeUnitsReported);
    QVERIFY(guessed.computeUnitsSource.find("estimate") == 0);
    QCOMPARE(gpu::namedDeviceProfile("H100")->computeUnits, 132u);
    QCOMPARE(gpu::namedDeviceProfile("rx7900")->subgroupSize, 64u);
    QVERIFY(!gpu::namedDeviceProfile("gtx480"));
    // This machine's device: lavapipe reports no vendor count, so its threads stand in.
    const gpu::DeviceProfile here = gpu::deviceProfile(context_->device());
    QVERIFY(here.computeUnits >= 1);
    QCOMPARE(here.subgroupSize, context_->device().subgroupSize);
  }

  void gridsFoldPastTheGroupLimit() {
    const std::array<uint32_t, 3> limit{65535, 65535, 65535};
    QVERIFY((gpu::foldGroups(1000, limit) == gpu::WorkGroup{1000, 1, 1}));
    QVERIFY((gpu::foldGroups(0, limit) == gpu::WorkGroup{1, 1, 1}));
    for (uint64_t groups : {65536ull, 200000ull, 65535ull * 65535ull + 1, 5000000000ull}) {
      const gpu::WorkGroup g = gpu::foldGroups(groups, limit);
      const uint64_t total = uint64_t(g[0]) * g[1] * g[2], row = uint64_t(g[1]) * g[2];
      QVERIFY(g[0] <= limit[0] && g[1] <= limit[1] && g[2] <= limit[2]);
      QVERIFY(total >= groups && total - groups < row);  // less than one row of spare groups
    }
    QVERIFY_THROWS_EXCEPTION(gpu::Error, gpu::foldGroups(uint64_t(1) << 50, {16, 16, 16}));
  }

  void timestampsWrapAtTheirValidBits() {
    // 36 valid bits: from near the top to just past the wrap is 0x30 ticks, not a negative time.
    const uint64_t top = (uint64_t(1) << 36) - 0x10;
    QCOMPARE(gpu::timestampMilliseconds(top, 0x20, 36, 1.0), 0x30 * 1e-6);
    QCOMPARE(gpu::timestampMilliseconds(0xff00000000001000ull, 0x2000, 36, 2.0), 0x1000 * 2e-6);  // garbage above
    QCOMPARE(gpu::timestampMilliseconds(100, 350, 64, 4.0), 1e-3);
  }

  void timestampsSerialisePasses() {
    if (context_->device().timestampPeriodNs <= 0) QSKIP("no timestamps on this queue");
    gpu::Buffer a(*context_, 64);
    gpu::Recording rec(*context_);
    QVERIFY(rec.timestampsSupported());
    rec.fill(a, 0);
    rec.timestamp("filled");
    // The second fill of the same range needs no barrier of its own: the timestamp placed one.
    QCOMPARE(rec.barrierCount(), 1u);
    rec.fill(a, 1);
    QCOMPARE(rec.barrierCount(), 1u);
  }

  void im2colMatchesReferenceInBothForms_data() {
    QTest::addColumn<bool>("perValue");
    QTest::newRow("one invocation per value (GPUs)") << true;
    QTest::newRow("one per row and sample (CPU devices)") << false;
  }
  void im2colMatchesReferenceInBothForms() {
    QFETCH(bool, perValue);
    // Odd grids, stride, padding past the image, dilation, P a multiple of 4 and not, a window
    // that starts mid-batch.
    for (const auto& g : {geometry(3, 7, 5, 3, 2, 1, 1), geometry(2, 9, 11, 2, 1, 0, 2), geometry(1, 5, 5, 5, 3, 2, 1),
                          geometry(4, 8, 8, 3, 1, 1, 1), geometry(5, 1, 13, 1, 1, 0, 1)})
      QCOMPARE(im2colError(*context_, g, 5, 1, 3, perValue), 0.0);
  }

  void im2colFoldsALargeGrid() {
    // A device that allows 16 groups per dimension: 27 rows x 2 samples x 196 values at 64 per
    // group are 166 groups, a grid of 16 x 11.
    auto small = test::makeContext();
    small->limitWorkGroupCountForTesting(16);
    const auto g = geometry(3, 14, 14, 3, 1, 1, 1);
    QVERIFY((gpu::foldGroups(166, small->device().maxComputeWorkGroupCount) == gpu::WorkGroup{16, 11, 1}));
    QCOMPARE(im2colError(*small, g, 2, 0, 2, true), 0.0);
    test::verifyNoValidationMessages(*small);
  }

  void stepMetricsReduceWholeBatches() {
    // More samples than the work group has invocations (300 > 256), and an evaluation batch padded
    // past its valid samples (100 of 300): the loss sum and correct count agree with the host's sum
    // over the network's own per-sample losses and scores.
    const auto [train, validation] = data::makeToyDataset("spiral", {400, 0.05, 3, 4}).split(0.25, 1);
    QCOMPARE(train.size(), 300u);
    QCOMPARE(validation.size(), 100u);
    train::TrainingOptions options;
    options.batch = 300;
    train::TrainingSession session(*context_, test::graphOf(R"(input x: 2
h = Linear(x, out_features=3)
loss = CrossEntropyLoss(h)
)"),
                                   train, &validation, options);
    for (bool onValidation : {false, true}) {
      const train::Evaluation got = onValidation ? session.evaluateValidation() : session.evaluateTraining();
      const uint32_t valid = onValidation ? 100 : 300;
      QCOMPARE(got.samples, valid);
      nn::Network& net = session.network();
      const auto losses = net.activation(net.lossNode()).read<float>(valid);
      const auto scores = net.activation(net.logitsNode()).read<float>(valid * 3);
      const auto labels = net.labels().read<uint32_t>(valid);
      double sum = 0, correct = 0;
      for (uint32_t b = 0; b < valid; ++b) {
        sum += losses[b];
        uint32_t best = 0;
        for (uint32_t k = 1; k < 3; ++k)
          if (scores[b * 3 + k] > scores[b * 3 + best]) best = k;
        correct += best == labels[b];
      }
      QVERIFY2(std::abs(got.loss - sum / valid) <= 1e-5 * (1 + sum / valid),
               qPrintable(QString("loss %1, host %2").arg(got.loss).arg(sum / valid)));
      QCOMPARE(std::lround(got.accuracy * valid), std::lround(correct));
    }
  }
};

QTEST_APPLESS_MAIN(TestGpuDevice)
#include "test_gpu_device.moc"
