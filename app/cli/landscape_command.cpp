// gradlab-cli landscape: trains a network briefly, then computes its loss landscape on the Vulkan
// device around the trained weights (Li et al. 2018): a grid along two random filter-normalised
// directions, or the PCA plane of the training trajectory, or the line from the initial to the
// trained weights. Writes CSV, with a progress bar on a terminal.
#include "analysis/loss_landscape.h"
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
#include "train/training_session.h"
#include "util/option_ranges.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace gradlab::cli {

int landscapeCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o("landscape",
              withTrainingDataOptions(
                  {{"dataset", "NAME", kDatasetHelp},
                   {"train-steps", "N", "SGD steps before the landscape is computed around the weights (default 200)"},
                   {"lr", "RATE", "learning rate of that training (default 0.1)"},
                   {"batch", "N", "mini-batch size of that training (default 64)"},
                   {"grid", "N", "N x N points (default 51)"},
                   {"range", "R", "alpha and beta in [-R, R] along the random directions (default 1)"},
                   {"samples", "N", "evaluate on the first N training samples (default 2048)"},
                   {"plane", "KIND",
                    "random (two filter-normalised gaussian directions, default) or pca (the principal "
                    "plane of the training trajectory, framed around the path)"},
                   {"trajectory", "FILE.csv", "with --plane pca: write the path in the plane (step,x,y,distance)"},
                   {"snapshots", "N", "with --plane pca: weights kept along the training (default 40)"},
                   {"line", "", "instead of a grid: the line from the initial to the trained weights"},
                   {"points", "N", "points on the line (default 101)"},
                   {"extend", "E", "the line's t in [-E, 1 + E] (default 0)"},
                   {"eval-batch", "N", "samples per forward pass of the landscape (default 256)"},
                   {"seed", "N", "seed of the weights, shuffling and directions (default 0)"},
                   {"device", "INDEX|NAME", "Vulkan device (default: GRADLAB_DEVICE, else the best)"},
                   {"out", "FILE.csv",
                    "where to write alpha,beta,loss,accuracy (t,loss,accuracy with --line); "
                    "default: standard output"},
                   {"quiet", "", "no progress bar"},
                   {"help", "", "show this help"}}),
              rest);
  if (o.has("help")) {
    std::cout
        << "usage: gradlab-cli landscape NETWORK.net --dataset NAME [options]\n\n"
           "Trains briefly, then computes the loss landscape around the trained weights on the Vulkan device\n"
           "(Li et al. 2018, filter normalisation), in evaluation mode on a fixed subset of the training data.\n\n"
        << o.usage();
    return 0;
  }
  if (networkPath.empty())
    throw UsageError("give the network file first: gradlab-cli landscape NETWORK.net --dataset NAME");
  if (!o.has("dataset"))
    throw UsageError("--dataset is required, e.g. --dataset fashion-mnist or --dataset spiral (every kind: --help)");

  const persist::RunSetup setup = buildRun(basicTrainingSettings(o, "toy-samples"));
  const train::TrainingOptions options = setup.options;
  const uint32_t trainSteps = uint32_t(o.integer("train-steps", 200, 0, 1 << 24));
  const uint32_t gridSteps = uint32_t(o.integer("grid", 51, 1, 1001));
  const double range = o.number("range", 1.0, util::Range::aboveZero(1e6));
  const uint32_t samples = uint32_t(o.integer("samples", 2048, 1, 1 << 24));
  const bool line = o.has("line");
  const bool pca = o.choice("plane", {"random", "pca"}, "random") == "pca";
  if (line && pca) throw UsageError("--line and --plane pca exclude each other: choose one");
  if (o.has("trajectory") && !pca) throw UsageError("--trajectory needs --plane pca");
  if (pca && trainSteps < 2) throw UsageError("--plane pca needs a trajectory: --train-steps 2 or more");
  const uint32_t snapshots = uint32_t(o.integer("snapshots", 40, 2, 1000));
  const uint32_t linePoints = uint32_t(o.integer("points", 101, 2, 100000));
  const double extend = o.number("extend", 0.0, util::Range::closed(0, 1000));
  const uint32_t evalBatch = uint32_t(o.integer("eval-batch", 256, 1, 65536));

  const nn::Graph graph = nn::loadNetworkFile(networkPath);
  const DatasetChoice data = chooseRunData(setup.dataset);
  std::ofstream file;
  if (o.has("out")) {
    file.open(o.text("out"));
    if (!file) throw UsageError("--out: cannot write " + o.text("out"));
  }
  std::ofstream trajectoryFile;
  if (o.has("trajectory")) {
    trajectoryFile.open(o.text("trajectory"));
    if (!trajectoryFile) throw UsageError("--trajectory: cannot write " + o.text("trajectory"));
  }
  // With the CSV on standard output, the summary goes to standard error.
  std::ostream& log = o.has("out") ? std::cout : std::cerr;
  const bool tty = isatty(STDERR_FILENO) && !o.has("quiet");

  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  train::TrainingSession session(context, graph, data.train, nullptr, options);
  const std::string title = networkTitle(graph, networkPath);
  log << "Training " << title << " on " << data.train.name << " for " << trainSteps << " steps (SGD lr "
      << options.learningRate << ", batch " << options.batch << ") on " << context.device().name << "\n";

  // Training, keeping the weights at the start (the line) and along the way (the PCA plane).
  const analysis::ParamVector initial = analysis::readParameters(session.network());
  std::vector<analysis::ParamVector> path{initial};
  std::vector<uint64_t> pathSteps{0};
  const uint32_t every = pca ? std::max(trainSteps / (snapshots - 1), 1u) : trainSteps;
  double lastLoss = 0;
  const auto trainStart = std::chrono::steady_clock::now();
  while (session.step() < trainSteps && !session.nonFinite()) {
    const uint32_t chunk =
        uint32_t(std::min<uint64_t>({trainSteps - session.step(), every - session.step() % every, 50}));
    const auto records = session.train(chunk);
    if (!records.empty()) lastLoss = records.back().loss;
    if (pca && (session.step() % every == 0 || session.step() == trainSteps)) {
      path.push_back(analysis::readParameters(session.network()));
      pathSteps.push_back(session.step());
    }
    progressBar(tty, "training ", session.step(), trainSteps,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - trainStart).count());
  }
  if (tty) std::fprintf(stderr, "\n");
  if (session.nonFinite()) {
    std::cerr << "gradlab-cli landscape: " << session.nonFinite()->message << "\n";
    return 1;
  }
  if (trainSteps) log << "final training loss " << lastLoss << "\n";
  const analysis::ParamVector trained = analysis::readParameters(session.network());

  // A network of its own at the evaluation batch, unless evaluation needs the session's statistics.
  std::unique_ptr<nn::Network> own;
  nn::Network* evalNet = &session.network();
  // Evaluation mode needs the running statistics training kept, which live in the session's network.
  if (session.network().runningStatistics().empty()) {
    train::requireDeviceFit({graph, evalBatch, std::nullopt}, context.device());
    own = std::make_unique<nn::Network>(context, graph, evalBatch, options.seed, options.conv);
    analysis::writeParameters(*own, trained);
    evalNet = own.get();
  }
  analysis::LossLandscape landscape(*evalNet, data.train,
                                    data::NormalizationTable::compute(data.train, options.normalization), samples);
  const auto start = std::chrono::steady_clock::now();
  analysis::RunControl control;
  control.progress = [&](size_t done, size_t total) {
    progressBar(tty, "landscape", done, total,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return true;
  };
  std::ostream& out = o.has("out") ? file : std::cout;
  out.precision(9);
  size_t points = 0;
  double centerLoss = NAN, lowest = INFINITY;
  if (line) {
    const auto result = landscape.line(initial, trained, {-extend, 1 + extend, linePoints}, control);
    out << "t,loss,accuracy\n";
    for (size_t i = 0; i < result.values.size(); ++i) {
      out << result.t[i] << "," << result.values[i].loss << "," << result.values[i].accuracy << "\n";
      if (result.t[i] == 1.0) centerLoss = result.values[i].loss;
      lowest = std::min(lowest, result.values[i].loss);
    }
    points = result.values.size();
  } else {
    analysis::GridSpec spec = analysis::GridSpec::square(range, gridSteps);
    if (pca) {
      const auto runs = analysis::commonPlane({path}, trained);
      landscape.setDirections(runs.pca.plane.first, runs.pca.plane.second);
      spec = analysis::gridAround(runs.paths, 0.15, gridSteps);
      log << "PCA plane of " << path.size() << " snapshots: " << runs.pca.explained[0] * 100 << "% and "
          << runs.pca.explained[1] * 100 << "% of the variance\n";
      if (trajectoryFile) {
        trajectoryFile.precision(9);
        trajectoryFile << "step,x,y,distance\n";
        for (size_t i = 0; i < path.size(); ++i)
          trajectoryFile << pathSteps[i] << "," << runs.paths[0][i].x << "," << runs.paths[0][i].y << ","
                         << runs.paths[0][i].distance << "\n";
      }
    } else {
      landscape.setDirections(analysis::filterNormalizedDirection(*evalNet, trained, 2 * uint64_t(options.seed) + 1),
                              analysis::filterNormalizedDirection(*evalNet, trained, 2 * uint64_t(options.seed) + 2));
    }
    const auto grid = landscape.grid(spec, control);
    out << "alpha,beta,loss,accuracy\n";
    for (size_t k = 0; k < grid.values.size(); ++k) {
      const double a = grid.alphas[k % grid.alphas.size()], b = grid.betas[k / grid.alphas.size()];
      out << a << "," << b << "," << grid.values[k].loss << "," << grid.values[k].accuracy << "\n";
      if (a == 0 && b == 0) centerLoss = grid.values[k].loss;
      lowest = std::min(lowest, grid.values[k].loss);
    }
    points = grid.values.size();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::fprintf(stderr, "\n");
  if (!out) {
    std::cerr << "gradlab-cli landscape: writing the CSV failed (disk full?)\n";
    return 1;
  }
  log << points << " points on " << landscape.samples() << " samples in " << seconds << " s (" << points / seconds
      << " points/s); ";
  if (!std::isnan(centerLoss)) log << "loss at the trained weights " << centerLoss << ", ";
  log << "lowest " << lowest << "\n";
  return 0;
}

}  // namespace gradlab::cli
