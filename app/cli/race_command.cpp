// gradlab-cli race: optimizers racing on a real network. Each trains the network from the same
// initial weights on the same batches; their paths are projected on one common PCA plane, over
// the loss landscape of that plane computed on the Vulkan device. Writes the paths and the grid
// as CSV, and a line per optimizer.
#include "analysis/loss_landscape.h"
#include "analysis/optimizer_race.h"
#include "analysis/trajectory_plane.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/dataset_option.h"
#include "cli/network_title.h"
#include "cli/progress_bar.h"
#include "cli/run_options.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "train/device_fit.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace gradlab::cli {
namespace {

std::ofstream openCsv(const Arguments& o, const char* name) {
  std::ofstream file;
  if (!o.has(name)) return file;
  file.open(o.text(name));
  if (!file) throw UsageError(std::string("--") + name + ": cannot write " + o.text(name));
  file.precision(9);
  return file;
}

}  // namespace

int raceCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o(
      "race",
      withTrainingDataOptions(
          {{"dataset", "NAME", kDatasetHelp},
           {"optimizer", "SPEC",
            "an optimizer: NAME or NAME:key=value,... (repeat the flag for each racer; "
            "e.g. sgd:lr=0.1,momentum=0.9); default: sgd, sgd with momentum 0.9, adam"},
           {"steps", "N", "training steps per optimizer (default 200)"},
           {"snapshots", "N", "weights kept per optimizer along its path, the start included (default 41)"},
           {"batch", "N", "mini-batch size (default 64)"},
           {"grid", "N", "N x N points of the landscape (default 31; 0: no landscape)"},
           {"samples", "N", "the landscape's loss is the mean over the first N training samples (default 1024)"},
           {"seed", "N", "seed of the initial weights and of the batches (default 0)"},
           {"device", "INDEX|NAME", "Vulkan device (default: GRADLAB_DEVICE, else the best)"},
           {"paths", "FILE.csv", "write optimizer,step,x,y,distance (the paths in the plane)"},
           {"out", "FILE.csv", "write alpha,beta,loss,accuracy (the landscape of the plane)"},
           {"quiet", "", "no progress bar"},
           {"help", "", "show this help"}}),
      rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli race NETWORK.net --dataset NAME [--optimizer SPEC]... [options]\n\n"
                 "Trains the network once per optimizer, all from the same initial weights on the same batches, and\n"
                 "draws their paths on one common PCA plane over its loss landscape (Li et al. 2018).\n\n"
              << o.usage();
    return 0;
  }
  if (networkPath.empty()) throw UsageError("give the network file first: gradlab-cli race NETWORK.net --dataset NAME");
  if (!o.has("dataset"))
    throw UsageError("--dataset is required, e.g. --dataset fashion-mnist or --dataset spiral (every kind: --help)");

  std::vector<optim::OptimizerSpec> specs;
  try {
    for (const auto& text : o.all("optimizer")) specs.push_back(optim::parseOptimizerSpec(text));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--optimizer: ") + e.what());
  }
  if (specs.empty()) specs = optim::parseOptimizerSpecs("sgd:lr=0.1; sgd:lr=0.1,momentum=0.9; adam:lr=0.001");
  const persist::RunSetup setup = buildRun(basicTrainingSettings(o, "toy-samples"));
  const train::TrainingOptions options = setup.options;  // the racers bring their own rates
  analysis::RaceSettings settings;
  settings.steps = uint32_t(o.integer("steps", 200, 1, 1 << 24));
  settings.snapshots = uint32_t(o.integer("snapshots", 41, 2, 10000));
  const uint32_t gridSteps = uint32_t(o.integer("grid", 31, 0, 1001));
  const uint32_t samples = uint32_t(o.integer("samples", 1024, 1, 1 << 24));
  std::ofstream pathsFile = openCsv(o, "paths"), gridFile = openCsv(o, "out");

  const nn::Graph graph = nn::loadNetworkFile(networkPath);
  const DatasetChoice data = chooseRunData(setup.dataset);
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  const bool tty = isatty(STDERR_FILENO) && !o.has("quiet");
  const std::string title = networkTitle(graph, networkPath);
  std::cout << "Racing " << specs.size() << " optimizers on " << title << " (" << data.train.name << "), "
            << settings.steps << " steps each, batch " << options.batch << ", on " << context.device().name << "\n";

  auto start = std::chrono::steady_clock::now();
  const auto progress = [&](const char* what) {
    return [&, what](size_t done, size_t total) {
      progressBar(tty, what, done, total,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      return true;
    };
  };
  analysis::RunControl control;
  control.progress = progress("training ");
  const analysis::Race result = analysis::raceOptimizers(context, graph, data.train, options, specs, settings, control);
  if (tty) std::fprintf(stderr, "\n");
  std::vector<std::vector<analysis::ParamVector>> paths;
  for (const auto& run : result.runs) paths.push_back(run.path);
  const analysis::RunsInPlane plane = analysis::commonPlane(paths, result.initial);
  std::printf("common PCA plane: %.1f%% and %.1f%% of the paths' variance\n", 100 * plane.pca.explained[0],
              100 * plane.pca.explained[1]);
  if (pathsFile.is_open()) pathsFile << "optimizer,step,x,y,distance\n";
  for (size_t r = 0; r < result.runs.size(); ++r) {
    const analysis::RaceRun& run = result.runs[r];
    if (run.nonFinite)
      std::printf("%-32s diverged: %s\n", run.title.c_str(), run.nonFinite->message.c_str());
    else
      std::printf("%-32s training loss %.6g after %llu steps, %.3g from the start in the plane\n", run.title.c_str(),
                  run.losses.empty() ? 0.0 : run.losses.back(), (unsigned long long)run.steps.back(),
                  std::hypot(plane.paths[r].back().x, plane.paths[r].back().y));
    if (pathsFile.is_open())
      for (size_t i = 0; i < run.path.size(); ++i)
        pathsFile << "\"" << run.spec.text << "\"," << run.steps[i] << "," << plane.paths[r][i].x << ","
                  << plane.paths[r][i].y << "," << plane.paths[r][i].distance << "\n";
  }
  if (gridSteps == 0) return 0;

  train::requireDeviceFit({graph, std::min(samples, 256u), std::nullopt}, context.device());
  nn::Network net(context, graph, std::min(samples, 256u), options.seed, options.conv);
  analysis::writeParameters(net, result.initial);
  analysis::LossLandscape landscape(net, data.train,
                                    data::NormalizationTable::compute(data.train, options.normalization), samples);
  landscape.setCenter(result.initial);
  landscape.setDirections(plane.pca.plane.first, plane.pca.plane.second);
  start = std::chrono::steady_clock::now();
  control.progress = progress("landscape");
  const analysis::Grid grid = landscape.grid(analysis::gridAround(plane.paths, 0.15, gridSteps), control);
  if (tty) std::fprintf(stderr, "\n");
  double lowest = INFINITY;
  if (gridFile.is_open()) gridFile << "alpha,beta,loss,accuracy\n";
  for (size_t k = 0; k < grid.values.size(); ++k) {
    lowest = std::min(lowest, grid.values[k].loss);
    if (gridFile.is_open())
      gridFile << grid.alphas[k % grid.alphas.size()] << "," << grid.betas[k / grid.alphas.size()] << ","
               << grid.values[k].loss << "," << grid.values[k].accuracy << "\n";
  }
  std::printf("landscape: %zu points on %u samples in %.1f s, lowest loss %.6g\n", grid.values.size(),
              landscape.samples(), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              lowest);
  if ((pathsFile.is_open() && !pathsFile) || (gridFile.is_open() && !gridFile)) {
    std::cerr << "gradlab-cli race: writing a CSV failed (disk full?)\n";
    return 1;
  }
  return 0;
}

}  // namespace gradlab::cli
