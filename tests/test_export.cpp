// Models out and in: ONNX files pass ONNX's checker and read back to the same graph and weights;
// an ONNX model made by torch.onnx.export imports and computes PyTorch's outputs; the exported
// PyTorch module with its .npz computes GradLab's evaluation outputs; gradlab-cli train --save
// keeps the weights that export then writes. The PyTorch checks run Debian's /usr/bin/python3 and
// are skipped, saying so, where torch is not installed.
#include "export/model.h"
#include "export/npz.h"
#include "export/onnx_model.h"
#include "export/pytorch_model.h"
#include "nn/network.h"
#include "persist/experiment_file.h"
#include "support/gpu_test.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <iterator>

using namespace gradlab;

namespace {

// Every layer type ONNX opset 13 expresses, hyper-parameters in the catalog's order and only
// where they differ from the defaults (as an imported network writes them).
const char* kOnnxNet = R"(network "Every ONNX layer"
input x: 2x8x8
c = Conv2d(x, out_channels=4, kernel_size=3, padding=1)
bn = BatchNorm2d(c)
p = PReLU(bn, num_parameters=4)
u = ConvTranspose2d(p, out_channels=4, kernel_size=3, stride=2, padding=1, output_padding=1)
i = InstanceNorm2d(u, affine=true)
r = ReLU(i)
m = MaxPool2d(r, kernel_size=2)
s = Add(m, p, c)
a = AvgPool2d(s, kernel_size=3, stride=1, padding=1, count_include_pad=false)
e = ELU(a, alpha=0.5)
a2 = AvgPool2d(e, kernel_size=3, stride=1, padding=1)
d = Dropout(a2, p=0.3)
g = GlobalAvgPool2d(d)
f = Flatten(d)
h1 = Linear(f, out_features=6)
h2 = Linear(g, out_features=6, bias=false)
sum = Add(h1, h2)
sg = Sigmoid(sum)
bn1 = BatchNorm1d(sg, affine=false)
lr = LeakyReLU(bn1, negative_slope=0.2)
t = Tanh(lr)
logits = Linear(t, out_features=3)
loss = CrossEntropyLoss(logits)
)";

// The same with the norms only PyTorch has a layer for in GradLab's exporters.
const char* kPytorchNet = R"(network "Every layer"
input x: 2x8x8
c = Conv2d(x, out_channels=4, kernel_size=3, padding=1)
bn = BatchNorm2d(c)
p = PReLU(bn, num_parameters=4)
u = ConvTranspose2d(p, out_channels=4, kernel_size=3, stride=2, padding=1, output_padding=1)
gn = GroupNorm(u, num_groups=2)
i = InstanceNorm2d(gn, affine=true)
r = ReLU(i)
m = MaxPool2d(r, kernel_size=2)
s = Add(m, p)
a = AvgPool2d(s, kernel_size=3, stride=1, padding=1, count_include_pad=false)
e = ELU(a, alpha=0.5)
d = Dropout(e, p=0.3)
g = GlobalAvgPool2d(d)
f = Flatten(d)
ln = LayerNorm(f)
h1 = Linear(ln, out_features=6)
h2 = Linear(g, out_features=6, bias=false)
sum = Add(h1, h2)
sg = Sigmoid(sum)
bn1 = BatchNorm1d(sg)
lr = LeakyReLU(bn1, negative_slope=0.2)
t = Tanh(lr)
logits = Linear(t, out_features=3)
loss = CrossEntropyLoss(logits)
)";

// Initial weights moved off their starting values (biases, scales and running statistics start
// at constants that would hide a tensor read in the wrong place).
exporting::Model trainedLooking(const char* text) {
  exporting::Model model = exporting::initialModel(test::graphOf(text), 3);
  uint32_t seed = 10;
  for (auto& [name, tensor] : model.tensors) {
    const bool variance = name.ends_with("running_var");
    const auto noise =
        test::randomFloats(tensor.values.size(), seed++, variance ? 0.5f : -0.3f, variance ? 1.5f : 0.3f);
    for (size_t k = 0; k < noise.size(); ++k) tensor.values[k] = variance ? noise[k] : tensor.values[k] + noise[k];
  }
  return model;
}

// GradLab's evaluation-mode outputs (the logits) for `input`, on the Vulkan device.
std::vector<float> evaluate(gpu::Context& context, const exporting::Model& model, const std::vector<float>& input,
                            uint32_t batch) {
  nn::Network net(context, model.graph, batch, 0);
  for (nn::Parameter& p : net.parameters()) p.writeValues(model.tensors.at(p.name).values);
  for (const auto& s : net.runningStatistics()) {
    const auto& values = model.tensors.at(s.name).values;
    s.buffer->upload(values.data(), values.size() * 4);
  }
  net.input().upload(input.data(), input.size() * 4);
  gpu::Recording rec(context);
  net.recordForward(rec, false);
  context.run(rec);
  return net.activation(net.logitsNode()).read<float>(size_t(batch) * net.classes());
}

void writeFile(const QString& path, const std::string& bytes) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out << bytes;
}
std::string readFile(const QString& path) {
  std::ifstream in(path.toStdString(), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::vector<float> readFloats(const QString& path) {
  const std::string bytes = readFile(path);
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

struct Finished {
  int code = -1;
  QString output;
};
Finished runProgram(const QString& program, const QStringList& args, int timeoutMs = 120000) {
  QProcess process;
  process.setProcessChannelMode(QProcess::MergedChannels);
  process.start(program, args);
  if (!process.waitForFinished(timeoutMs)) {
    process.kill();
    process.waitForFinished();
    return {-1, "timed out: " + QString::fromLocal8Bit(process.readAll())};
  }
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromLocal8Bit(process.readAll())};
}

// Debian's torch runs only under /usr/bin/python3 (a python3 earlier on PATH may be another).
bool pythonHas(const char* module) {
  return runProgram("/usr/bin/python3", {"-c", QString("import ") + module}).code == 0;
}

}  // namespace

class TestExport : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  QTemporaryDir dir_;

  QString path(const QString& name) const { return dir_.filePath(name); }

 private slots:
  void initTestCase() {
    context_ = test::makeContext();
    QVERIFY(dir_.isValid());
  }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void onnxPassesTheCheckerAndReadsBackTheSameModel() {
    const exporting::Model model = trainedLooking(kOnnxNet);
    const std::string bytes = exporting::onnxBytes(model);
    exporting::checkOnnx(bytes);
    const exporting::Model back = exporting::modelFromOnnx(bytes, "every.onnx");
    const auto lines = [](const nn::Graph& g) { return QString::fromStdString(nn::printNetwork(g)).split('\n'); };
    QCOMPARE(lines(back.graph), lines(model.graph));  // says which line differs
    QVERIFY(back.graph == model.graph);
    QVERIFY(back.tensors == model.tensors);
    if (!pythonHas("onnx")) QSKIP("python3-onnx is not installed: ONNX's Python checker was not run");
    writeFile(path("every.onnx"), bytes);
    const Finished check =
        runProgram("/usr/bin/python3",
                   {"-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)",
                    path("every.onnx")});
    QVERIFY2(check.code == 0, qPrintable(check.output));
  }

  void onnxRefusesALayerItCannotExpressByName() {
    const exporting::Model model = exporting::initialModel(test::graphOf(kPytorchNet), 0);
    try {
      exporting::onnxBytes(model);
      QFAIL("a network with GroupNorm and LayerNorm was exported to ONNX opset 13");
    } catch (const exporting::ExportError& e) {
      const std::string message = e.what();
      QVERIFY2(message.find("gn (GroupNorm)") != std::string::npos, e.what());
      QVERIFY2(message.find('\n') == std::string::npos, e.what());
    }
  }

  void onnxImportRefusesAnOperatorGradLabLacks() {
    const std::string bytes = exporting::onnxBytes(exporting::initialModel(test::graphOf(kOnnxNet), 0));
    std::string softmax = bytes;  // "Sigmoid" -> "Softmax": the same length, so the protobuf stays intact
    softmax.replace(softmax.find("Sigmoid"), 7, "Softmax");
    try {
      exporting::modelFromOnnx(softmax, "scores.onnx");
      QFAIL("an ONNX Softmax was imported");
    } catch (const exporting::ExportError& e) {
      QVERIFY2(std::string(e.what()).find("scores.onnx: ONNX node 'sg' (Softmax) has no GradLab layer") == 0, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(exporting::ExportError, exporting::modelFromOnnx("not a model", "x.onnx"));
  }

  // Damaged files: every import either gives a network that checks or refuses with ExportError;
  // anything else (another exception, a crash under the sanitizers) fails.
  void onnxImportOfDamagedBytesRefusesCleanly() {
    const std::string bytes = exporting::onnxBytes(trainedLooking(kOnnxNet));
    std::vector<std::string> damaged;
    for (size_t cut = 0; cut < bytes.size(); cut += bytes.size() / 40 + 1) damaged.push_back(bytes.substr(0, cut));
    for (size_t at = 0; at < bytes.size(); at += bytes.size() / 400 + 1)
      for (unsigned char flip : {0x01, 0x80, 0xff}) {
        damaged.push_back(bytes);
        damaged.back()[at] = char(damaged.back()[at] ^ flip);
      }
    int imported = 0, refused = 0;
    for (const std::string& d : damaged) {
      try {
        const exporting::Model model = exporting::modelFromOnnx(d, "damaged.onnx");
        QVERIFY(nn::analyze(model.graph).ok());
        ++imported;
      } catch (const exporting::ExportError& e) {
        QVERIFY2(std::string(e.what()).starts_with("damaged.onnx: "), e.what());
        ++refused;
      }
    }
    qInfo("%zu damaged files: %d imported, %d refused", damaged.size(), imported, refused);
  }

  void torchOnnxExportImportsAndComputesTorchsOutputs() {
    if (!pythonHas("torch")) QSKIP("python3-torch is not installed under /usr/bin/python3: the check was not run");
    // A Sequential; modules that flatten with x.view(-1, K) and x.view(x.size(0), -1) (a Reshape,
    // the latter of a shape computed from the input's); and one with the operators whose meaning
    // GradLab's exporter writes the other way, so that export, the inverse of this import (the
    // round trip above), is checked against torch's meaning of them too.
    const char* script = R"(import sys, torch
from torch import nn
torch.manual_seed(0)
class Viewed(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.fc = nn.Linear(128, 3)
    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).view(-1, 128))
class Sized(Viewed):
    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).view(x.size(0), -1))
class Layers(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2, padding=1, dilation=1)
        self.prelu = nn.PReLU(4)
        self.up = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.max = nn.MaxPool2d(3, stride=2, padding=1)
        self.fc = nn.Linear(4, 3, bias=False)
    def forward(self, x):
        a = self.prelu(self.conv(x))
        b = self.inorm(self.up(a))
        c = nn.functional.elu(self.avg(b), 0.5) + torch.sigmoid(b) + torch.tanh(b)
        d = nn.functional.leaky_relu(self.max(c), 0.2)
        return self.fc(nn.functional.adaptive_avg_pool2d(d, 1).flatten(1))
seq = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
with torch.no_grad():
    for bn in (seq[1], seq[6]):
        bn.running_mean.uniform_(-0.5, 0.5); bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5); bn.bias.uniform_(-0.5, 0.5)
layers = Layers()
with torch.no_grad():
    layers.prelu.weight.uniform_(0.1, 0.4); layers.inorm.weight.uniform_(0.5, 1.5); layers.inorm.bias.uniform_(-1, 1)
x = torch.randn(5, 1, 8, 8)
x.numpy().astype("<f4").tofile(sys.argv[1] + "/x.f32")
for name, m in (("seq", seq), ("viewed", Viewed()), ("sized", Sized()), ("layers", layers)):
    m.eval()
    torch.onnx.export(m, x, sys.argv[1] + "/" + name + ".onnx", opset_version=13, input_names=["image"],
                      output_names=["scores"], dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}})
    m(x).detach().numpy().astype("<f4").tofile(sys.argv[1] + "/" + name + ".f32")
)";
    const Finished made = runProgram("/usr/bin/python3", {"-c", script, dir_.path()});
    QVERIFY2(made.code == 0, qPrintable(made.output));
    for (const QString name : {"seq", "viewed", "sized", "layers"}) {
      const exporting::Model model = exporting::loadModel(path(name + ".onnx").toStdString());
      QCOMPARE(model.graph.inputs.at(0).shape, (nn::Shape{1, 8, 8}));
      const auto got = evaluate(*context_, model, readFloats(path("x.f32")), 5);
      const auto want = readFloats(path(name + ".f32"));
      QCOMPARE(got.size(), want.size());
      for (size_t k = 0; k < got.size(); ++k)
        QVERIFY2(std::abs(got[k] - want[k]) <= 1e-4, qPrintable(name + " output " + QString::number(k)));
    }
  }

  void pytorchModuleComputesGradLabsOutputs() {
    if (!pythonHas("torch")) QSKIP("python3-torch is not installed under /usr/bin/python3: the check was not run");
    const exporting::Model model = trainedLooking(kPytorchNet);
    const uint32_t batch = 4;
    const auto input = test::randomFloats(batch * 2 * 8 * 8, 7);
    const auto outputs = evaluate(*context_, model, input, batch);
    writeFile(path("model.py"), exporting::pytorchSource(model));
    writeFile(path("model.npz"), exporting::pytorchWeights(model));
    writeFile(path("input.npy"), exporting::npyBytes({{batch, 2, 8, 8}, input, {}}));
    writeFile(path("gradlab.npy"), exporting::npyBytes({{batch, 3}, outputs, {}}));
    const char* script = R"(import sys, numpy, torch
sys.path.insert(0, sys.argv[1])
from model import Network
model = Network()
model.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load(sys.argv[1] + "/model.npz").items()})
model.eval()
with torch.no_grad():
    got = model(torch.from_numpy(numpy.load(sys.argv[1] + "/input.npy"))).numpy()
want = numpy.load(sys.argv[1] + "/gradlab.npy")
print("largest difference", abs(got - want).max())
sys.exit(0 if got.shape == want.shape and abs(got - want).max() <= 1e-4 else 1)
)";
    const Finished run = runProgram("/usr/bin/python3", {"-c", script, dir_.path()});
    qInfo("%s", qPrintable(run.output.trimmed()));
    QVERIFY2(run.code == 0, qPrintable(run.output));
  }

  void pytorchRefusesANodeNamedLikeAModuleAttribute() {
    const auto model = exporting::initialModel(
        test::graphOf("input x: 4\ntraining = Linear(x, out_features=2)\nloss = CrossEntropyLoss(training)\n"), 0);
    QVERIFY_THROWS_EXCEPTION(exporting::ExportError, exporting::pytorchSource(model));
  }

  void cliTrainSavesTheWeightsThatExportWrites() {
    const QString cli = GRADLAB_CLI, net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    const Finished trained = runProgram(
        cli, {"train", net, "--dataset", "spiral", "--steps", "30", "--quiet", "--save", path("run.gradlab")});
    QVERIFY2(trained.code == 0, qPrintable(trained.output));
    const persist::Experiment saved = persist::loadExperiment(path("run.gradlab").toStdString());
    QCOMPARE(saved.trainingHistory.size(), size_t(30));
    QCOMPARE(saved.progress.step, uint64_t(30));
    const exporting::Model initial = exporting::initialModel(test::graphOf(saved.network), saved.training.seed);
    QCOMPARE(saved.weights.size(), initial.tensors.size());
    QVERIFY2(saved.weights != initial.tensors, "the saved weights are the initial ones: training did not reach them");

    const Finished exported = runProgram(cli, {"export", path("run.gradlab"), "--onnx", path("run.onnx"), "--pytorch",
                                               path("run.py"), "--weights", path("run.npz")});
    QVERIFY2(exported.code == 0, qPrintable(exported.output));
    const exporting::Model fromOnnx = exporting::loadModel(path("run.onnx").toStdString());
    for (const auto& [name, tensor] : saved.weights) QVERIFY2(fromOnnx.tensors.at(name) == tensor, name.c_str());
    QVERIFY(readFile(path("run.py")).find("class Network(nn.Module)") != std::string::npos);

    const QString layerNorm = path("ln.net");
    writeFile(layerNorm, "input x: 4\nln = LayerNorm(x)\nh = Linear(ln, out_features=2)\nloss = CrossEntropyLoss(h)\n");
    const Finished refused = runProgram(cli, {"export", layerNorm, "--onnx", path("ln.onnx")});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.output.contains("ln (LayerNorm)") && refused.output.trimmed().count('\n') == 0,
             qPrintable(refused.output));
    QVERIFY(!QFile::exists(path("ln.onnx")));
  }
};

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
