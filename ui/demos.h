#pragma once
// The classroom setups one click away in the Demos menu, and the experiment the lab opens on.
// Each is an ordinary experiment (network text and settings), most with the runs it is compared
// with side by side (Experiment::comparisons), plus the view that tells its story.
#include "persist/experiment.h"

#include <QString>

#include <optional>

#include <vector>

namespace gradlab::ui {

// An optimizer race on a 2-D test surface instead of a network.
struct SurfaceRace {
  QString function;  // surface::testFunctions() name: "rosenbrock", "saddle"
  std::vector<std::pair<QString, std::map<std::string, std::string>>> optimizers;  // name, values
  uint32_t steps = 300;
  bool hasStart = false;
  double startX = 0, startY = 0;
};

struct Demo {
  QString menu;         // "Initialization/σ = 0.01"
  QString explanation;  // what to watch, each run named by label and colour, shown above the views
  QString view;         // the view to bring forward: "loss", "histograms", "depth", "filters", "boundary", "surface"
  persist::Experiment experiment;
  std::optional<SurfaceRace> race;
};

// The demo the lab opens on: an MLP learning Fashion-MNIST, ready to Play.
persist::Experiment defaultExperiment();
const std::vector<Demo>& demos();
// The text of a network built into the binary (resources/networks/NAME.net).
std::string builtInNetwork(const QString& name);
// A trained experiment built into the binary (resources/pretrained/NAME.gradlab); throws
// persist::FileError when it is missing or unreadable.
persist::Experiment builtInPretrained(const QString& name);

}  // namespace gradlab::ui
