// gradlab-cli train: trains a network file on a dataset on the Vulkan device, with a progress bar
// on a terminal, optional per-step metrics in CSV, and a summary at the end.
#include "analysis/sharpness.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/conv_option.h"
#include "cli/dataset_option.h"
#include "cli/line_file.h"
#include "cli/network_title.h"
#include "cli/probe_csv.h"
#include "cli/run_options.h"
#include "cli/stop_signal.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "persist/experiment_file.h"
#include "persist/init_from.h"
#include "resource_directory.h"
#include "train/internals.h"
#include "train/step_profile.h"
#include "train/training_session.h"
#include "train/transfer.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

namespace gradlab::cli {
namespace {

void progress(bool tty, uint64_t step, uint64_t total, double loss, double accuracy, double perSecond) {
  if (!tty) return;
  const int width = 30, filled = total ? int(width * double(step) / total) : 0;
  std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu  loss %.4f  acc %.1f%%  %.0f steps/s ", filled,
               "==============================", width - filled, "", (unsigned long long)step,
               (unsigned long long)total, loss, accuracy * 100, perSecond);
  std::fflush(stderr);
}

// The experiment --save writes: what the lab would save after this run, so the lab opens it where
// the run ended and `gradlab-cli export` takes its weights out.
persist::Experiment savedRun(train::TrainingSession& session, const nn::Graph& graph,
                             const persist::TrainingSettings& settings, std::vector<persist::MetricPoint> training,
                             std::vector<persist::MetricPoint> validation) {
  persist::Experiment e;
  e.title = graph.title;
  e.network = nn::printNetwork(graph);
  e.training = settings;
  e.trainingHistory = std::move(training);
  e.validationHistory = std::move(validation);
  for (const nn::Parameter& p : session.network().parameters())
    e.weights[p.name] = {p.tensor.shape.dims, p.readValues()};
  for (const auto& s : session.network().runningStatistics())
    e.weights[s.name] = {{s.count}, s.buffer->read<float>(s.count)};
  const train::RunProgress progress = session.progress();
  e.progress = {progress.step, progress.optimizer.optimizer, {}};
  for (const auto& [block, values] : progress.optimizer.blocks)
    e.progress.optimizerState[block] = {{uint32_t(values.size())}, values};
  return e;
}

// --weights-only LAYERS (checked before training): the layers whose weights the file keeps; empty: all.
std::vector<std::string> weightsOnlyLayers(const Arguments& o, const nn::Graph& graph) {
  if (!o.has("weights-only")) return {};
  if (!o.has("save")) throw UsageError("--weights-only: give --save FILE.gradlab too");
  if (o.text("weights-only") == "all") return {};
  const std::vector<std::string> layers = train::parseLayerList(o.text("weights-only"), "--weights-only");
  train::requireLayersWithParameters(layers, graph, "--weights-only");
  return layers;
}

// Weights alone (of `layers`; empty: all): the file starts other runs instead of continuing this one.
void keepWeightsOnly(persist::Experiment& e, const std::vector<std::string>& layers) {
  e.trainingHistory.clear();
  e.validationHistory.clear();
  e.progress = {};
  if (layers.empty()) return;
  std::erase_if(e.weights, [&](const auto& tensor) {
    return std::find(layers.begin(), layers.end(), tensor.first.substr(0, tensor.first.rfind('.'))) == layers.end();
  });
}

// The layers --init-from FILE can start, read before any data or device work.
persist::InitFrom initialisationFrom(const std::string& path, const nn::Graph& graph) {
  const persist::Experiment source = persist::loadExperiment(path);
  if (source.weights.empty())
    throw UsageError("--init-from: " + util::printable(path, 200) +
                     " holds no weights (saved before training): train it and save it again");
  return persist::matchWeights(graph, source.weights);
}

// The copied layers' values into the session's network (their names and sizes match it).
void writeInitialisation(nn::Network& net, const persist::InitFrom& init) {
  for (const nn::Parameter& p : net.parameters())
    if (const auto it = init.values.find(p.name); it != init.values.end()) p.writeValues(it->second);
  for (const auto& s : net.runningStatistics())
    if (const auto it = init.values.find(s.name); it != init.values.end())
      s.buffer->upload(it->second.data(), it->second.size() * sizeof(float));
}

// "Frozen: c1, c3; lr x0.1: f5" for the run's summary ("" : every layer at the run's rate).
std::string layerTrainingText(const train::LayerTraining& layers) {
  std::string text = layers.frozen.empty() ? "" : "Frozen: " + util::joinedNames(layers.frozen);
  for (const auto& [layer, factor] : layers.lrMultipliers) {
    std::ostringstream part;
    part << (text.empty() ? "" : "; ") << "lr x" << factor << ": " << layer;
    text += part.str();
  }
  return text;
}

// The report's internals as step,quantity,of,value rows.
std::string internalsCsv(const train::ProbeReport& report) {
  std::ostringstream rows;
  rows << std::setprecision(9);
  if (report.internals)
    for (const auto& row : train::internalsRows(*report.internals))
      rows << report.step << "," << row.quantity << "," << row.of << "," << row.value << "\n";
  return rows.str();
}

// A --save path whose folder is missing is refused before training, not after it.
void checkSaveFolder(const std::string& path) {
  const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
  if (!std::filesystem::is_directory(folder))
    throw UsageError("--save: the folder " + folder.string() + " does not exist: create it or save elsewhere");
}

// --profile: each pass of a step on the last batch, the fastest of 10 (train/step_profile.h).
void printStepProfile(nn::Network& network) {
  const train::StepProfile profile = train::profileStep(network);
  if (!profile.unavailable.empty()) {
    std::printf("profile: %s\n", profile.unavailable.c_str());
    return;
  }
  std::printf("profile of one step, each pass alone (fastest of 10):\n");
  for (const train::PassTime& pass : profile.passes)
    std::printf("  %-32s %8.3f ms\n", pass.label.c_str(), pass.milliseconds);
}

}  // namespace

int trainCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o(
      "train",
      withSharedTrainingOptions(
          {{"dataset", "NAME", kDatasetHelp},
           {"batch", "N", "mini-batch size (default 64)"},
           {"epochs", "N", "passes over the training data (default 1)"},
           {"steps", "N", "train this many steps instead of whole epochs"},
           {"freeze", "LAYERS", "keep these layers' parameters fixed (c1,c3); gradients flow through"},
           {"lr-mult", "LAYER=M,...", "train these layers at M times the learning rate (f5=0.1)"},
           {"init-from", "FILE.gradlab", "start the layers whose names and shapes match from its weights"},
           {"metrics", "FILE.csv", "write step,epoch,split,loss,accuracy rows"},
           {"probes", "FILE.csv", "write per-layer activation/gradient statistics and parameter norms"},
           {"probe-every", "K", "steps between probes (default 100)"},
           {"internals", "FILE.csv",
            "at each probe: step,quantity,of,value rows of the optimizer's state, BatchNorm's batch and running "
            "statistics, the batch's train/eval-mode loss and the distinct units per layer"},
           {"sharpness-every", "K",
            "every K steps, the top Hessian eigenvalue of the loss on that step's batch, as column "
            "sharpness of --metrics (sharpness_change: the last iteration's relative change)"},
           {"save", "FILE.gradlab", "keep the run: network, settings, curves and trained weights"},
           {"weights-only", "LAYERS",
            "with --save: only these layers' weights (c1,c3,f5; all: every layer), no curves, no optimizer state: "
            "a small file to start other runs from (--init-from)"},
           {"quiet", "", "no progress bar"},
           {"profile", "", "at the end, the milliseconds of each layer's forward and backward pass (GPU timestamps)"},
           {"help", "", "show this help"}},
          "metrics"),
      rest);
  if (o.has("help")) {
    std::cout
        << "usage: gradlab-cli train NETWORK.net --dataset NAME [options]\n\n"
           "NETWORK.net may also name an example network GradLab installs (lenet5, mlp_784_256_10, toy_mlp_2d, ...).\n"
           "Trains the network on the Vulkan device (plain SGD unless --optimizer) and reports loss and accuracy.\n\n"
        << o.usage();
    return 0;
  }
  if (networkPath.empty())
    throw UsageError("give the network file first: gradlab-cli train NETWORK.net --dataset NAME");
  if (!o.has("dataset"))
    throw UsageError("--dataset is required, e.g. --dataset fashion-mnist or --dataset spiral (every kind: --help)");

  const persist::TrainingSettings settings = trainingSettings(o);
  const persist::RunSetup setup = buildRun(settings);
  if (o.has("save")) checkSaveFolder(o.text("save"));
  const train::RunDefinition run = runSettings(o, setup);
  const train::TrainingOptions& options = run.options;
  const uint64_t probeEvery = setup.probeInterval;
  const uint64_t sharpnessEvery = o.has("sharpness-every") ? o.integer("sharpness-every", 0, 1, 1000000000) : 0;
  if (sharpnessEvery && !o.has("metrics"))
    throw UsageError("--sharpness-every writes a column of the metrics: give --metrics FILE.csv too");
  const std::string noSharpness = sharpnessEvery ? ",," : "";

  const nn::Graph graph = nn::loadNetworkFile(app::networkFile(networkPath));
  train::checkLayerTraining(options.layers, graph);
  const std::vector<std::string> savedLayers = weightsOnlyLayers(o, graph);
  const std::optional<persist::InitFrom> init =
      o.has("init-from") ? std::optional(initialisationFrom(o.text("init-from"), graph)) : std::nullopt;
  const DatasetChoice data = chooseRunData(setup.dataset);
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  train::TrainingSession session(
      context, graph, data.train, data.evaluation.size() ? &data.evaluation : nullptr, options,
      run.optimizer.empty() ? nullptr : optim::createOptimizer(context, run.optimizer, run.optimizerValues));

  const uint64_t total = setup.maxSteps ? setup.maxSteps : setup.epochs * session.stepsPerEpoch();
  stopOnSignals();
  std::optional<LineFile> metrics, probes, internals;
  if (o.has("metrics")) {
    metrics.emplace(o.text("metrics"), "--metrics");
    metrics->append(sharpnessEvery ? "step,epoch,split,loss,accuracy,sharpness,sharpness_change\n"
                                   : "step,epoch,split,loss,accuracy\n");
  }
  if (o.has("probes")) {
    probes.emplace(o.text("probes"), "--probes");
    std::ostringstream header;
    writeProbeHeader(header);
    probes->append(header.str());
  }
  if (o.has("internals")) {
    internals.emplace(o.text("internals"), "--internals");
    internals->append("step,quantity,of,value\n");
  } else {
    session.setInternalsWanted(nullptr);  // --probes alone: not worth their time
  }
  const bool tty = isatty(STDERR_FILENO) && !o.has("quiet");
  std::string optimizerText = "SGD";
  if (!run.optimizer.empty()) {
    optimizerText = optim::findOptimizer(run.optimizer)->title;
    std::string given;
    for (const auto& [key, value] : run.optimizerValues)
      if (key != "lr") given += (given.empty() ? "" : ", ") + key + "=" + value;
    if (!given.empty()) optimizerText += " (" + given + ")";
  }
  std::cout << "Training " << networkTitle(graph, networkPath) << " (" << session.network().analysis().paramCount
            << " parameters) on " << data.train.name << " (" << data.train.size() << " samples) with " << optimizerText
            << " lr " << session.learningRate() << ", batch " << options.batch << ", " << total << " steps on "
            << context.device().name << "\n";
  if (const std::string conv = convolutionSummary(session.network()); !conv.empty()) std::cout << conv << "\n";
  if (init) {
    writeInitialisation(session.network(), *init);
    std::cout << init->summary(o.text("init-from")) << "\n";
  }
  if (!options.layers.empty()) std::cout << layerTrainingText(options.layers) << "\n";
  if (options.schedule.active()) std::cout << "Schedule: " << optim::describe(options.schedule) << " (per step)\n";
  if (options.regularization.active()) {
    const auto& r = options.regularization;
    std::cout << "Regularization:";
    if (r.l1 > 0) std::cout << " l1 " << r.l1;
    if (r.l2 > 0) std::cout << " l2 " << r.l2;
    if (r.penalizes()) std::cout << " on weights (loss includes the penalty)";
    if (r.clipNorm > 0) std::cout << " clip-norm " << r.clipNorm;
    if (r.clipValue > 0) std::cout << " clip-value " << r.clipValue;
    std::cout << "\n";
  }

  const auto start = std::chrono::steady_clock::now();
  double lastLoss = 0, lastAccuracy = 0;
  train::Evaluation lastEval;
  std::vector<persist::MetricPoint> trainingHistory, validationHistory;
  while (session.step() < total && !session.nonFinite() && !stopSignal()) {
    const uint64_t toEpochEnd = session.stepsPerEpoch() - session.step() % session.stepsPerEpoch();
    uint32_t chunk = uint32_t(std::min<uint64_t>({total - session.step(), toEpochEnd, 50}));
    std::vector<train::StepRecord> records;
    if ((probes || internals) && (session.step() + 1) % probeEvery == 0) {  // this step is probed
      const train::ProbeReport report = session.probeStep(&records);
      std::ostringstream rows;
      writeProbeRows(rows, report);
      if (probes) probes->append(rows.str());
      if (internals) internals->append(internalsCsv(report));
    } else {
      if (probes || internals)
        chunk = uint32_t(std::min<uint64_t>(chunk, probeEvery - 1 - session.step() % probeEvery));
      if (sharpnessEvery) chunk = uint32_t(std::min<uint64_t>(chunk, sharpnessEvery - session.step() % sharpnessEvery));
      records = session.train(chunk);
    }
    std::ostringstream rows;
    for (const auto& r : records) {
      lastLoss = r.loss;
      lastAccuracy = r.accuracy;
      trainingHistory.push_back({r.step, r.loss, r.accuracy});
      rows << r.step + 1 << "," << double(r.step + 1) / session.stepsPerEpoch() << ",train," << r.loss << ","
           << r.accuracy;
      // Only the chunk's last step still has its batch in the network: chunks end at sharpness steps.
      const bool measured = sharpnessEvery && (r.step + 1) % sharpnessEvery == 0 && &r == &records.back();
      if (measured && !session.nonFinite()) {
        const auto estimate = analysis::sharpnessOfStep(session.network(), r.step);
        rows << "," << estimate.lambdaMax << "," << estimate.relativeChange;
      } else
        rows << noSharpness;
      rows << "\n";
    }
    if (metrics) metrics->append(rows.str());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress(tty, session.step(), total, lastLoss, lastAccuracy, session.step() / std::max(seconds, 1e-9));
    const bool epochEnd = session.step() % session.stepsPerEpoch() == 0 || session.step() == total;
    if (epochEnd && session.hasValidation() && !session.nonFinite()) {
      lastEval = session.evaluateValidation();
      validationHistory.push_back({session.step(), lastEval.loss, lastEval.accuracy});
      std::ostringstream row;
      row << session.step() << "," << session.epochs() << "," << data.evaluationName << "," << lastEval.loss << ","
          << lastEval.accuracy << noSharpness << "\n";
      if (metrics) metrics->append(row.str());
      if (tty) std::fprintf(stderr, "\n");
      std::printf("epoch %.2f: train loss %.4f, %s loss %.4f, %s accuracy %.2f%%\n", session.epochs(), lastLoss,
                  data.evaluationName.c_str(), lastEval.loss, data.evaluationName.c_str(), lastEval.accuracy * 100);
      std::fflush(stdout);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::fprintf(stderr, "\n");
  if (session.nonFinite()) {
    std::cerr << "gradlab-cli train: " << session.nonFinite()->message << "\n";
    return 1;
  }
  std::printf("%s: %llu steps in %.1f s (%.1f steps/s); final train loss %.4f", stopSignal() ? "stopped" : "done",
              (unsigned long long)session.step(), seconds, session.step() / seconds, lastLoss);
  if (session.hasValidation())
    std::printf(", %s accuracy %.2f%% on %u samples", data.evaluationName.c_str(), lastEval.accuracy * 100,
                lastEval.samples);
  std::printf("\n");
  if (o.has("save")) {
    persist::Experiment saved =
        savedRun(session, graph, settings, std::move(trainingHistory), std::move(validationHistory));
    if (o.has("weights-only")) keepWeightsOnly(saved, savedLayers);
    persist::saveExperiment(saved, o.text("save"));
    std::printf("saved the run to %s\n", o.text("save").c_str());
  }
  if (stopSignal()) return reportStop("train", session.step(), total, "the CSV files end at that step");
  if (o.has("profile")) printStepProfile(session.network());
  return 0;
}

}  // namespace gradlab::cli
