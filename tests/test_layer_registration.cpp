// A layer type is its own registration: this file adds two types the engine has never heard of,
// without touching any engine file, and the rest of GradLab takes them as they describe
// themselves. Scale (y = factor * x) comes with GPU passes, a reference, exports, a spatial rule
// and a moment rule: it parses, trains on the device against its reference, exports to PyTorch and
// ONNX, keeps its input's receptive field and scales the init theory's prediction. Opaque
// describes nothing beyond its shape: each tool refuses or stops at it, saying so in one line.
#include "analysis/init_theory.h"
#include "analysis/receptive_field.h"
#include "export/model.h"
#include "export/onnx_model.h"
#include "export/pytorch_model.h"
#include "nn/layer_catalog.h"
#include "nn/layers/common.h"
#include "ops/elementwise.h"
#include "support/gpu_test.h"
#include "support/layer_check.h"

#include <QTest>

#include <algorithm>

using namespace gradlab;

namespace {

class Scale final : public nn::Layer {
 public:
  explicit Scale(const nn::NodeInfo& info) : Layer(info), factor_(float(info.params.real("factor"))) {}
  void forward(const nn::ForwardPass& p) const override {
    ops::unary(p.rec, ops::UnaryOp::Affine, p.inputs[0], p.output, count(p.batch), factor_);
  }
  void backward(const nn::BackwardPass& p) const override {
    if (!nn::layers::wantsGrad(p, 0)) return;
    if (nn::layers::accumulates(p, 0))
      ops::axpy(p.rec, factor_, p.gradOutput, p.gradInputs[0], count(p.batch));
    else
      ops::unary(p.rec, ops::UnaryOp::Affine, p.gradOutput, p.gradInputs[0], count(p.batch), factor_);
  }
  void forwardReference(const nn::RefForward& p) const override {
    for (uint32_t i = 0; i < count(p.batch); ++i) (*p.output)[i] = double(factor_) * (*p.inputs[0])[i];
  }
  void backwardReference(const nn::RefBackward& p) const override {
    for (uint32_t i = 0; i < count(p.batch); ++i) (*p.gradInputs[0])[i] = double(factor_) * (*p.gradOutput)[i];
  }

 private:
  uint32_t count(uint32_t batch) const { return batch * uint32_t(outputShape().elements()); }
  float factor_;
};

nn::LayerDef scaleLayer() {
  nn::LayerDef def =
      nn::schema::activation("Scale", "factor * x", {nn::schema::floatParam("factor", "2.0", -10, 10, "the factor")});
  def.create = [](const nn::NodeInfo& info, const nn::LayerOptions&) -> std::unique_ptr<nn::Layer> {
    return std::make_unique<Scale>(info);
  };
  def.exports.torch = [](const nn::Node& node, const nn::NodeInfo& info) {
    return nn::TorchModule{{}, node.inputs[0] + " * " + nn::schema::pyNumber(info.params.real("factor"))};
  };
  def.exports.onnx = [](const nn::Node& node, const nn::NodeInfo& info) {
    nn::OnnxNode mul = nn::schema::onnxNode(node, "Mul");
    mul.inputs.push_back(nn::schema::onnxConstant(node.name + ".factor", {}, {float(info.params.real("factor"))}));
    return std::vector<nn::OnnxNode>{mul};
  };
  def.moments = {nn::MomentRule::Kind::PointWise, [](double x, double factor) { return factor * x; }, "factor", {}};
  return def;
}

nn::LayerDef opaqueLayer() {
  nn::LayerDef def;
  def.type = "Opaque";
  def.category = "Structure";
  def.summary = "a layer that describes nothing but its shape";
  def.infer = nn::schema::identity;
  return def;
}

const char* kScaleNet = R"(network "Scaled"
input x: 1x6x6
c = Conv2d(x, out_channels=2, kernel_size=3, init=normal, init_std=0.3)
s = Scale(c, factor=3)
f = Flatten(s)
logits = Linear(f, out_features=3)
loss = CrossEntropyLoss(logits)
)";

const char* kOpaqueNet = R"(input x: 1x6x6
c = Conv2d(x, out_channels=2, kernel_size=3)
o = Opaque(c)
f = Flatten(o)
logits = Linear(f, out_features=3)
loss = CrossEntropyLoss(logits)
)";

const analysis::ReceptiveField& fieldOf(const std::vector<analysis::ReceptiveField>& fields, const std::string& node) {
  return *std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.node == node; });
}

std::string exportError(const std::function<void()>& write) {
  try {
    write();
  } catch (const exporting::ExportError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

class TestLayerRegistration : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() {
    nn::registerLayer(scaleLayer());
    nn::registerLayer(opaqueLayer());
    context_ = test::makeContext();
  }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void aTypeIsRegisteredOnce() {
    QVERIFY(nn::findLayer("Scale"));
    QCOMPARE(nn::layerCatalog().back().type, std::string("Opaque"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, nn::registerLayer(scaleLayer()));
  }

  void itsGpuPassesMatchItsReference() {
    test::LayerCheckOptions o;
    o.batch = 3;
    GRADLAB_CHECK_LAYER(*context_, "input x: 2x3x5\ny = Scale(x, factor=-1.5)\nf = Flatten(y)\nloss = MSELoss(f)\n",
                        "y", o);
  }

  void itExportsAsItDescribesItself() {
    const exporting::Model model = exporting::initialModel(test::graphOf(kScaleNet), 1);
    const std::string source = exporting::pytorchSource(model);
    QVERIFY2(source.find("        s = c * 3.0\n") != std::string::npos, source.c_str());
    const std::string onnx = exporting::onnxBytes(model);
    exporting::checkOnnx(onnx);
    QVERIFY(onnx.find("s.factor") != std::string::npos);
    QVERIFY(onnx.find("Mul") != std::string::npos);
  }

  void itKeepsItsInputsReceptiveField() {
    const auto fields = analysis::receptiveFields(test::graphOf(kScaleNet));
    const auto& scaled = fieldOf(fields, "s");
    QVERIFY(!scaled.whole);
    QCOMPARE(scaled.rows.size, 3.0);
    QCOMPARE(scaled.cols.jump, 1.0);
    QCOMPARE(scaled.rows.start, fieldOf(fields, "c").rows.start);
  }

  void theInitTheoryScalesThroughIt() {
    const auto predicted = analysis::predictActivations(test::graphOf(kScaleNet), {0, 1});
    QCOMPARE(predicted.size(), size_t(4));  // c, s, f, logits
    QCOMPARE(predicted[1].node, std::string("s"));
    const double conv = predicted[0].output.std(), scaled = predicted[1].output.std();
    QVERIFY2(std::abs(scaled - 3 * conv) < 1e-6 * conv,
             (std::to_string(scaled) + " vs " + std::to_string(conv)).c_str());
  }

  // A type without export hooks is refused in one line naming the node, its type and what to do.
  void aTypeThatDescribesNothingIsRefusedInOneLine() {
    const exporting::Model model = exporting::initialModel(test::graphOf(kOpaqueNet), 1);
    const std::string torch = exportError([&] { exporting::pytorchSource(model); });
    QCOMPARE(torch, std::string("PyTorch export: o (Opaque) has no PyTorch module GradLab can write: replace it"));
    const std::string onnx = exportError([&] { exporting::onnxBytes(model); });
    QCOMPARE(onnx, std::string("ONNX export: o (Opaque) has no ONNX operator GradLab can write: replace it"));

    const auto fields = analysis::receptiveFields(test::graphOf(kOpaqueNet));
    QVERIFY(fieldOf(fields, "o").whole);
    QCOMPARE(fieldOf(fields, "o").note, std::string("its layer type declares no spatial rule"));
    const auto predicted = analysis::predictActivations(test::graphOf(kOpaqueNet), {0, 1});
    QCOMPARE(predicted.size(), size_t(1));  // c; the prediction stops at o
  }

  // A layer type ONNX opset 13 cannot express says why, and points at PyTorch, which can.
  void aBuiltInRefusalSaysWhy() {
    const exporting::Model model = exporting::initialModel(
        test::graphOf("input x: 6\nh = Linear(x, out_features=4)\nn = LayerNorm(h)\nloss = MSELoss(n)\n"), 1);
    QCOMPARE(exportError([&] { exporting::onnxBytes(model); }),
             std::string("ONNX export: n (LayerNorm) cannot be written in ONNX opset 13 (ONNX added "
                         "LayerNormalization in opset 17): export to PyTorch instead, or replace it"));
  }
};

QTEST_APPLESS_MAIN(TestLayerRegistration)
#include "test_layer_registration.moc"
