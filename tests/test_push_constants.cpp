// Push constants are checked against the shader, not copied by hand: a kernel's push-constant
// block is read from its SPIR-V (size, and every scalar's offset, size and kind), and a C++ value
// pushed to it must have that layout member for member. The probe shader (shaders/
// push_layout_probe.comp, compiled by glslc for this test) declares { float alpha; vec2 scale;
// uint n; float beta; }: scale sits at byte 8 (std430), n at 16, beta at 20; 24 bytes.
#include "gpu/buffer.h"
#include "gpu/kernel.h"
#include "gpu/recording.h"
#include "support/gpu_test.h"

#include <QTest>

#include <stdexcept>

using namespace gradlab;

namespace {

const uint32_t kProbeWords[] = {
#include "push_layout_probe.inc"
};
const gpu::KernelSpec kProbe{"push_layout_probe", kProbeWords, {gpu::Access::Write}};

struct Scale {
  float x, y;
};

// The shader's block as C++ writes it: the vec2 aligned to 8 bytes as std430 aligns it.
struct ProbePush {
  float alpha;
  alignas(8) Scale scale;
  uint32_t n;
  float beta;
};

}  // namespace

class TestPushConstants : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // The line recording `push` for the probe kernel throws; empty when it is accepted.
  template <class Push>
  QString refusal(const Push& push) {
    gpu::Buffer out(*context_, 32);
    gpu::Recording rec(*context_);
    try {
      rec.dispatch(context_->kernel(kProbe, {1, 1, 1}), {out}, push, {1, 1, 1});
    } catch (const std::logic_error& e) {
      return QString::fromStdString(e.what());
    }
    return {};
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void theShadersLayoutIsReadFromItsSpirv() {
    const gpu::PushBlock block = gpu::pushBlock(kProbeWords);
    QCOMPARE(block.bytes, uint32_t(24));
    const std::vector<gpu::PushLeaf> want{{0, 4, true}, {8, 4, true}, {12, 4, true}, {16, 4, false}, {20, 4, true}};
    QVERIFY(block.leaves == want);
    QVERIFY((block.memberOf == std::vector<uint32_t>{0, 1, 1, 2, 3}));
    QVERIFY(gpu::pushLeaves(ProbePush{}) == want);
  }

  void aMatchingStructReachesTheShader() {
    const ProbePush push{0.5f, {2.f, -3.f}, 7, 0.25f};
    QCOMPARE(refusal(push), QString());
    gpu::Buffer out(*context_, 32);
    gpu::Recording rec(*context_);
    rec.dispatch(context_->kernel(kProbe, {1, 1, 1}), {out}, push, {1, 1, 1});
    context_->run(rec);
    QVERIFY((out.read<float>(5) == std::vector<float>{0.5f, 2.f, -3.f, 7.f, 0.25f}));
  }

  void aMemberOffTheShadersOffsetIsRefusedNamingBothOffsets() {
    struct Push {  // the vec2's alignment forgotten: scale at 4, and 24 bytes all the same
      float alpha;
      Scale scale;
      uint32_t n;
      float beta;
      uint32_t unused;
    };
    QCOMPARE(refusal(Push{}), QString("Kernel push_layout_probe: push-constant member 1 (float) is at byte 8 in "
                                      "the shader, at byte 4 in the C++ struct pushed"));
  }

  void aMisorderedMemberIsRefused() {
    struct Push {  // beta and n swapped: the same offsets and size, other kinds
      float alpha;
      alignas(8) Scale scale;
      float beta;
      uint32_t n;
    };
    QCOMPARE(refusal(Push{}), QString("Kernel push_layout_probe: push-constant member 2 (integer) at byte 16 is a "
                                      "4-byte integer in the shader, a 4-byte float in the C++ struct pushed"));
  }

  void aWrongSizeIsRefused() {
    struct Push {
      float alpha;
      alignas(8) Scale scale;
      uint32_t n;
      float beta;
      uint32_t extra;
    };
    QCOMPARE(refusal(Push{}), QString("Kernel push_layout_probe: push-constant block holds 5 scalars in the "
                                      "shader, 6 in the C++ struct pushed"));
  }
};

QTEST_MAIN(TestPushConstants)
#include "test_push_constants.moc"
