#include "demos.h"

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

// Ten tanh layers of 500 units on Fashion-MNIST images, all initialised with `init`: the lecture's
// figure of activation histograms per layer, live.
std::string depthNet(const std::string& init) {
  std::string text = "network \"Depth net 10x500 tanh\"\ninput x: 1x28x28\nflat = Flatten(x)\n";
  std::string previous = "flat";
  for (int i = 1; i <= 10; ++i) {
    const std::string h = "h" + std::to_string(i), a = "a" + std::to_string(i);
    text += h + " = Linear(" + previous + ", out_features=500, " + init + ")\n" + a + " = Tanh(" + h + ")\n";
    previous = a;
  }
  return text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n";
}

// Five ReLU layers of 256 units, badly initialised (N(0, 0.01)), with or without batch norm.
std::string batchNormNet(bool batchNorm) {
  std::string text = std::string("network \"MLP 5x256 ReLU, ") + (batchNorm ? "with" : "without") +
                     " batch norm\"\ninput x: 1x28x28\nflat = Flatten(x)\n";
  std::string previous = "flat";
  for (int i = 1; i <= 5; ++i) {
    const std::string n = std::to_string(i);
    text += "h" + n + " = Linear(" + previous + ", out_features=256, init=normal, init_std=0.01)\n";
    previous = "h" + n;
    if (batchNorm) text += "bn" + n + " = BatchNorm1d(" + previous + ")\n", previous = "bn" + n;
    text += "a" + n + " = ReLU(" + previous + ")\n";
    previous = "a" + n;
  }
  return text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n";
}

// A wide MLP on 120 noisy points: it memorises them unless dropout stops it.
std::string dropoutNet(bool dropout) {
  std::string text = std::string("network \"MLP 2-256-256-2") + (dropout ? ", dropout 0.5" : "") + "\"\ninput x: 2\n";
  text += "h1 = Linear(x, out_features=256, init=kaiming_normal)\na1 = ReLU(h1)\n";
  text += dropout ? "d1 = Dropout(a1, p=0.5)\nh2 = Linear(d1, out_features=256, init=kaiming_normal)\n"
                  : "h2 = Linear(a1, out_features=256, init=kaiming_normal)\n";
  text += "a2 = ReLU(h2)\n";
  text += dropout ? "d2 = Dropout(a2, p=0.5)\nlogits = Linear(d2, out_features=2)\n" : "logits = Linear(a2, out_features=2)\n";
  return text + "loss = CrossEntropyLoss(logits)\n";
}

std::vector<Demo> makeDemos() {
  std::vector<Demo> list;
  const QString init = QObject::tr(
      "Ten tanh layers, the same network three times. Watch the activation histograms per layer: with "
      "N(0, 0.01) they shrink to a spike at 0 layer by layer (and gradients vanish); Xavier keeps their "
      "spread; He (made for ReLU) saturates tanh at ±1.");
  auto add = [&](QString menu, QString explanation, QString view, persist::Experiment e) {
    list.push_back({std::move(menu), std::move(explanation), std::move(view), std::move(e), std::nullopt});
  };
  for (const auto& [menu, text] : {std::pair<QString, std::string>{QObject::tr("Initialization/N(0, 0.01)"), "init=normal, init_std=0.01"},
                                   {QObject::tr("Initialization/Xavier (Glorot)"), "init=xavier_normal"},
                                   {QObject::tr("Initialization/He (Kaiming)"), "init=kaiming_normal"}}) {
    auto e = experiment("Depth net, " + menu.section('/', 1).toStdString(), depthNet(text), "fashion-mnist", "sgd", "0.05", 3);
    e.training.probeInterval = 10;
    add(menu, init, "histograms", std::move(e));
  }
  const QString bn = QObject::tr(
      "Five ReLU layers initialised far too small. Without batch norm the signal dies out and the loss "
      "barely moves; with batch norm every layer is re-scaled and the same network trains.");
  add(QObject::tr("Batch norm/Without batch norm"), bn, "depth",
      experiment("Without batch norm", batchNormNet(false), "fashion-mnist", "sgd", "0.1", 3));
  add(QObject::tr("Batch norm/With batch norm"), bn, "depth",
      experiment("With batch norm", batchNormNet(true), "fashion-mnist", "sgd", "0.1", 3));

  const QString dropout = QObject::tr(
      "120 noisy points and a network far larger than they need. Without dropout the boundary wraps "
      "around single points and the validation loss climbs while the training loss falls; with "
      "dropout the boundary stays smooth.");
  for (bool on : {false, true}) {
    auto e = experiment(on ? "Dropout 0.5" : "No dropout", dropoutNet(on), "moons", "adam", "0.01", 400);
    e.training.toySamples = 150;
    e.training.toyNoise = 0.35;
    e.training.batch = 32;
    add(on ? QObject::tr("Dropout/With dropout") : QObject::tr("Dropout/Without dropout"), dropout, "boundary", std::move(e));
  }

  add(QObject::tr("LeNet-5 on Fashion-MNIST"),
      QObject::tr("The classic convolutional network. Watch its first-layer filters turn from noise into "
                  "edge and blob detectors, and their spectra into band-pass shapes."),
      "filters", experiment("LeNet-5", builtInNetwork("lenet5"), "fashion-mnist", "sgd", "0.1", 3));
  {
    auto e = experiment("ReLU MLP, learning rate 10000",
                        "network \"ReLU MLP 2-32-32-3\"\ninput x: 2\nh1 = Linear(x, out_features=32)\na1 = ReLU(h1)\n"
                        "h2 = Linear(a1, out_features=32)\na2 = ReLU(h2)\nlogits = Linear(a2, out_features=3)\n"
                        "loss = CrossEntropyLoss(logits)\n",
                        "spiral", "sgd", "10000", 50);
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
  for (const auto& [menu, function] : {std::pair<QString, QString>{QObject::tr("Optimizers/Rosenbrock valley"), "rosenbrock"},
                                       {QObject::tr("Optimizers/Saddle point"), "saddle"}}) {
    Demo d;
    d.menu = menu;
    d.explanation = function == "saddle"
                        ? QObject::tr("Starting almost exactly on the ridge of x² − y²: SGD lingers at the saddle, "
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

persist::Experiment defaultExperiment() {
  auto e = experiment("MLP 784-256-10", builtInNetwork("mlp_784_256_10"), "fashion-mnist", "sgd", "0.1", 10);
  return e;
}

const std::vector<Demo>& demos() {
  static const std::vector<Demo> list = makeDemos();
  return list;
}

}  // namespace gradlab::ui
