#include "demos.h"

#include "nn/graph_variants.h"
#include "nn/network_text.h"
#include "persist/experiment_file.h"

#include <QFile>

namespace gradlab::ui {
namespace {

persist::Experiment experiment(const std::string& title, const std::string& network, const std::string& dataset,
                               const std::string& optimizer, const std::string& lr, uint32_t epochs) {
  persist::Experiment e;
  e.title = title;
  e.network = network;
  e.training.dataset = dataset;
  e.training.optimizer = optimizer;
  e.training.optimizerValues = {{"lr", lr}};
  e.training.epochs = epochs;
  return e;
}

// Ten tanh layers of 256 units on Fashion-MNIST images, all initialised N(0, 0.01): the lecture's
// figure of activation histograms per layer, live (the other runs change the init).
std::string depthNet() {
  std::string text = "network \"Depth net 10x256 tanh\"\ninput x: 1x28x28\nflat = Flatten(x)\n";
  std::string previous = "flat";
  for (int i = 1; i <= 10; ++i) {
    const std::string h = "h" + std::to_string(i), a = "a" + std::to_string(i);
    text +=
        h + " = Linear(" + previous + ", out_features=256, init=normal, init_std=0.01)\n" + a + " = Tanh(" + h + ")\n";
    previous = a;
  }
  return text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n";
}

// Five ReLU layers of 256 units, badly initialised (N(0, 0.01)); the other run adds batch norm.
std::string batchNormNet() {
  std::string text = "network \"MLP 5x256 ReLU\"\ninput x: 1x28x28\nflat = Flatten(x)\n";
  std::string previous = "flat";
  for (int i = 1; i <= 5; ++i) {
    const std::string n = std::to_string(i);
    text += "h" + n + " = Linear(" + previous + ", out_features=256, init=normal, init_std=0.01)\n";
    text += "a" + n + " = ReLU(h" + n + ")\n";
    previous = "a" + n;
  }
  return text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n";
}

// A wide MLP on 120 noisy points: it memorises them unless dropout stops it.
const char* kDropoutNet = R"(network "MLP 2-256-256-2"
input x: 2
h1 = Linear(x, out_features=256, init=kaiming_normal)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=256, init=kaiming_normal)
a2 = ReLU(h2)
logits = Linear(a2, out_features=2)
loss = CrossEntropyLoss(logits)
)";

const char* kSpiralNet = R"(network "ReLU MLP 2-32-32-3"
input x: 2
h1 = Linear(x, out_features=32)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=32)
a2 = ReLU(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";

// A small ReLU MLP regressing the one-hot class of 2-D points (MSE): full-batch gradient descent on
// it sharpens progressively, to the edge of stability (tests/test_sharpness_view.cpp).
const char* kEdgeOfStabilityNet = R"(network "ReLU MLP 2-16-16-2, MSE"
input x: 2
h1 = Linear(x, out_features=16, init=kaiming_normal)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=16, init=kaiming_normal)
a2 = ReLU(h2)
logits = Linear(a2, out_features=2)
loss = MSELoss(logits)
)";

// Two hidden layers of 64 with batch norm: the batch-size demo's network.
const char* kBatchStatisticsNet = R"(network "MLP 784-64-64-10 with batch norm"
input x: 1x28x28
flat = Flatten(x)
h1 = Linear(flat, out_features=64)
bn1 = BatchNorm1d(h1)
a1 = ReLU(bn1)
h2 = Linear(a1, out_features=64)
bn2 = BatchNorm1d(h2)
a2 = ReLU(bn2)
logits = Linear(a2, out_features=10)
loss = CrossEntropyLoss(logits)
)";

// Run `label` ("B", "C") of a comparison: its colour is its place in the set (ui runColor).
persist::RunVariant run(const std::string& label, const std::string& name, std::map<std::string, std::string> changes) {
  persist::RunVariant v;
  v.label = label;
  v.name = name;
  v.colour = uint32_t(label.at(0) - 'A');
  v.changes = std::move(changes);
  return v;
}

// Run `label` with `insertion` applied to `base`'s network; its legend says the insertion.
persist::RunVariant networkRun(const std::string& label, const std::string& name, const persist::Experiment& base,
                               const nn::LayerInsertion& insertion) {
  persist::RunVariant v = run(label, name, {{"network", nn::describe(insertion)}});
  v.network = nn::printNetwork(nn::insertLayers(nn::parseNetwork(base.network).graph, insertion));
  return v;
}

// Fine-tuning as lecture 001 tells it, on 500 images of Fashion-MNIST's classes 5-9: from scratch
// (A), and from a LeNet-5 trained on classes 0-4 with its convolutions frozen (B) or all of it
// trained, the convolutions at a tenth of the rate (C). B and C take the feature layers the file
// keeps (c1, c3, f5); f6 and the output layer start anew, as a new task's classifier does (the old
// one only ever answered classes 0-4).
persist::Experiment fineTuningExperiment() {
  auto e = experiment("Fine-tuning LeNet-5 on 500 images of classes 5-9", builtInNetwork("lenet5"),
                      "fashion-mnist,classes=5-9", "sgd", "0.1", 20);
  e.training.sampleLimit = 500;
  e.training.batch = 50;
  std::map<std::string, persist::Tensor> pretrained = builtInPretrained("lenet5_fashion_0-4").weights;
  std::erase_if(pretrained, [](const auto& tensor) { return tensor.first.starts_with("logits."); });  // 0-4's answers
  persist::RunVariant frozen = run("B", "pretrained, c1 c3 frozen", {{"freeze", "c1;c3"}});
  persist::RunVariant tuned = run("C", "pretrained, all trained", {{"lr-mult", "c1=0.1;c3=0.1"}});
  frozen.weights = tuned.weights = pretrained;
  e.comparisons = {frozen, tuned};
  return e;
}

std::vector<Demo> makeDemos() {
  std::vector<Demo> list;
  auto add = [&](QString menu, QString explanation, QString view, persist::Experiment e) {
    list.push_back({std::move(menu), std::move(explanation), std::move(view), std::move(e), std::nullopt});
  };
  {
    auto e = experiment("Initialization: N(0, 0.01), Xavier and He", depthNet(), "fashion-mnist", "sgd", "0.05", 3);
    e.training.sampleLimit = 6000;
    e.training.probeInterval = 10;
    e.comparisons = {run("B", "Xavier", {{"init", "xavier_normal"}}), run("C", "He", {{"init", "kaiming_normal"}})};
    add(QObject::tr("Initialization: N(0, 0.01), Xavier and He"),
        QObject::tr(
            "Ten tanh layers, three times from the same data: A (blue) initialised N(0, 0.01), B (vermillion) "
            "Xavier, C (green) He. In the activation histograms A's layers shrink to a spike at 0 layer by "
            "layer, so its gradients vanish and its loss stays at 2.30; Xavier keeps every layer's spread; "
            "He, made for ReLU, pushes tanh to ±1. Within the first probes B's and C's losses fall, A's does not."),
        "histograms", std::move(e));
  }
  {
    auto e = experiment("Batch norm: without and with", batchNormNet(), "fashion-mnist", "sgd", "0.1", 3);
    e.training.sampleLimit = 6000;
    e.training.probeInterval = 10;  // the By-depth view fills within the first seconds
    e.comparisons = {
        networkRun("B", "with batch norm", e, {"BatchNorm1d", {}, nn::LayerInsertion::After::EveryLinearButLast})};
    add(QObject::tr("Batch norm: without and with"),
        QObject::tr("Five ReLU layers initialised far too small, without (A, blue) and with batch norm after every "
                    "hidden Linear (B, vermillion). Without it the signal dies out layer by layer (By depth: A's "
                    "activations fall towards 0) and A's loss stays at 2.30; with it every layer is re-scaled and "
                    "B's loss falls below 1 within the first 50 steps."),
        "depth", std::move(e));
  }
  {
    auto e = experiment("Dropout: without and with", kDropoutNet, "moons", "adam", "0.01", 400);
    e.training.toySamples = 150;
    e.training.toyNoise = 0.35;
    e.training.batch = 32;
    e.comparisons = {
        networkRun("B", "dropout 0.5", e, {"Dropout", {{"p", "0.5"}}, nn::LayerInsertion::After::EveryActivation})};
    add(QObject::tr("Dropout: without and with"),
        QObject::tr("120 noisy points and a network far larger than they need, without dropout (A, blue) and with "
                    "dropout 0.5 after every activation (B, vermillion). A's boundary wraps around single points and "
                    "its validation loss climbs while its training loss falls; B's boundary stays smooth and its "
                    "validation loss stays well below A's."),
        "boundary", std::move(e));
  }
  {
    auto e = experiment("Learning rate: 0.001, 0.1 and 10", kSpiralNet, "spiral", "sgd", "0.001", 100);
    e.training.toyClasses = 3;
    e.training.batch = 32;
    e.comparisons = {run("B", "about right", {{"lr", "0.1"}}), run("C", "too large", {{"lr", "10"}})};
    add(QObject::tr("Learning rate: 0.001, 0.1 and 10"),
        QObject::tr("The same small MLP on the spiral from the same start with three learning rates. A (blue, 0.001) "
                    "is too small: its loss barely moves from 1.10. B (vermillion, 0.1) falls steadily. C (green, 10) "
                    "is too large: its loss jumps above where it started and stays there."),
        "loss", std::move(e));
  }
  {
    // 200 moons, 160 of them for training: a batch of 160 is the whole set, one step an epoch.
    auto e = experiment("Edge of stability: full-batch GD at two learning rates", kEdgeOfStabilityNet, "moons", "sgd",
                        "0.1", 2000);
    e.training.toySamples = 200;
    e.training.batch = 160;
    e.training.probeInterval = 20;
    e.comparisons = {run("B", "lr 0.2", {{"lr", "0.2"}})};
    add(QObject::tr("Edge of stability: full-batch GD at two learning rates"),
        QObject::tr("Full-batch gradient descent on 160 points at lr 0.1 (A, blue) and lr 0.2 (B, vermillion). The "
                    "Sharpness view plots the loss's top curvature λmax with each run's stability limit 2 / lr dashed: "
                    "λmax climbs until it reaches 20 for A and 10 for B, then hovers there while the loss keeps "
                    "falling (Cohen et al. 2021)."),
        "sharpness", std::move(e));
  }
  {
    auto e = experiment("Optimizers: SGD, momentum and Adam", builtInNetwork("mlp_784_256_10"), "fashion-mnist", "sgd",
                        "0.01", 5);
    e.training.sampleLimit = 6000;
    e.comparisons = {run("B", "momentum 0.9", {{"optimizer", "sgd:lr=0.01;momentum=0.9"}}),
                     run("C", "Adam", {{"optimizer", "adam:lr=0.001"}})};
    add(QObject::tr("Optimizers/SGD, momentum and Adam on Fashion-MNIST"),
        QObject::tr("An MLP on 6000 Fashion-MNIST images with three optimizers, from the same weights on the same "
                    "batches: A (blue) plain SGD at 0.01 falls slowly; B (vermillion) the same with momentum 0.9 falls "
                    "several times faster; C (green) Adam at 0.001 fastest in the first few hundred steps."),
        "loss", std::move(e));
  }

  add(QObject::tr("Fine-tuning: frozen convolutions vs from scratch"),
      QObject::tr("LeNet-5 on only 500 Fashion-MNIST images of classes 5-9 (sandal to ankle boot), validated on "
                  "those classes' 5000 test images. A (blue) learns from scratch. B (vermillion) starts c1, c3 and f5 "
                  "from a LeNet-5 trained on classes 0-4 and keeps c1, c3 frozen; C (green) starts the same and "
                  "trains c1, c3 at a tenth of the rate. With this little data B's and C's validation loss falls far "
                  "faster than A's."),
      "loss", fineTuningExperiment());
  {
    // The same network and initial weights normalising with the statistics of 8 or of 128 images.
    auto e = experiment("Batch norm: batch 8 vs 128", kBatchStatisticsNet, "fashion-mnist", "sgd", "0.05", 3);
    e.training.sampleLimit = 6000;
    e.training.batch = 8;
    e.training.probeInterval = 10;
    e.comparisons = {run("B", "batch 128", {{"batch", "128"}})};
    add(QObject::tr("Batch norm: batch 8 vs 128"),
        QObject::tr("The same MLP with batch norm, from the same weights, normalising with the statistics of 8 images "
                    "(A, blue) or of 128 (B, vermillion). In Internals choose bn1 and variance: A's thin line, each "
                    "batch's variance, scatters far around its thick running variance, which evaluation uses; B's "
                    "stays close to it. The smaller the batch, the noisier the statistics each step normalises with."),
        "internals", std::move(e));
  }
  add(QObject::tr("LeNet-5 on Fashion-MNIST"),
      QObject::tr("The classic convolutional network. Watch its first-layer filters turn from noise into "
                  "edge and blob detectors, and their spectra into band-pass shapes."),
      "filters", experiment("LeNet-5", builtInNetwork("lenet5"), "fashion-mnist", "sgd", "0.1", 3));
  {
    auto e = experiment("ReLU MLP, learning rate 10000", kSpiralNet, "spiral", "sgd", "10000", 50);
    e.training.toyClasses = 3;
    e.training.batch = 32;
    add(QObject::tr("Learning rate too high"),
        QObject::tr("A small MLP with a learning rate of 10000: within a few steps the loss explodes to infinity. "
                    "GradLab stops the run at that step, says which layer went first and what to try."),
        "loss", std::move(e));
  }
  const QString race = QObject::tr(
      "The same start point, different optimizers. Plain SGD crawls along the valley floor; momentum "
      "overshoots and oscillates; Adam and RMSProp rescale each coordinate.");
  for (const auto& [menu, function] :
       {std::pair<QString, QString>{QObject::tr("Optimizers/Rosenbrock valley"), "rosenbrock"},
        {QObject::tr("Optimizers/Saddle point"), "saddle"}}) {
    Demo d;
    d.menu = menu;
    d.explanation = function == "saddle"
                        ? QObject::tr(
                              "Starting almost exactly on the ridge of x² − y²: SGD lingers at the saddle, "
                              "momentum and the adaptive methods escape it at different speeds.")
                        : race;
    d.view = "surface";
    d.experiment = defaultExperiment();
    SurfaceRace r;
    r.function = function;
    const bool saddle = function == "saddle";
    r.optimizers = {{"sgd", {{"lr", saddle ? "0.01" : "0.001"}}},
                    {"sgd", {{"lr", saddle ? "0.01" : "0.001"}, {"momentum", "0.9"}}},
                    {"rmsprop", {{"lr", "0.01"}}},
                    {"adam", {{"lr", saddle ? "0.05" : "0.02"}}}};
    r.steps = saddle ? 150 : 600;
    if (saddle) r.hasStart = true, r.startX = -1.0, r.startY = 1e-3;
    d.race = r;
    list.push_back(std::move(d));
  }
  return list;
}

}  // namespace

std::string builtInNetwork(const QString& name) {
  QFile file(":/networks/" + name + ".net");
  return file.open(QIODevice::ReadOnly) ? file.readAll().toStdString() : std::string();
}

persist::Experiment builtInPretrained(const QString& name) {
  QFile file(":/pretrained/" + name + ".gradlab");
  if (!file.open(QIODevice::ReadOnly))
    throw persist::FileError("the built-in " + name.toStdString() + ".gradlab is missing: rebuild GradLab");
  return persist::fromBytes(file.readAll().toStdString(), name.toStdString() + ".gradlab");
}

persist::Experiment defaultExperiment() {
  auto e = experiment("MLP 784-256-10", builtInNetwork("mlp_784_256_10"), "fashion-mnist", "sgd", "0.1", 10);
  return e;
}

const std::vector<Demo>& demos() {
  static const std::vector<Demo> list = makeDemos();
  return list;
}

}  // namespace gradlab::ui
