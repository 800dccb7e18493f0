// gradlab-cli train: trains a network file on a dataset on the Vulkan device, with a progress bar
// on a terminal, optional per-step metrics in CSV, and a summary at the end.
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/conv_option.h"
#include "cli/dataset_option.h"
#include "cli/line_file.h"
#include "cli/network_title.h"
#include "cli/probe_csv.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "optim/optimizer_spec.h"
#include "optim/schedule.h"
#include "optim/settings.h"
#include "train/training_session.h"
#include "util/option_ranges.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

namespace gradlab::cli {
namespace {

// SIGINT and SIGTERM ask the training loop to stop at the next step boundary, so the CSV files end
// with whole rows and the summary so far is printed.
volatile std::sig_atomic_t gStopSignal = 0;

void requestStop(int signal) { gStopSignal = signal; }

void stopOnSignals() {
  struct sigaction action {};
  action.sa_handler = requestStop;
  action.sa_flags = SA_RESTART;  // blocking calls (writes, the driver's waits) resume rather than fail with EINTR
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void progress(bool tty, uint64_t step, uint64_t total, double loss, double accuracy, double perSecond) {
  if (!tty) return;
  const int width = 30, filled = total ? int(width * double(step) / total) : 0;
  std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu  loss %.4f  acc %.1f%%  %.0f steps/s ", filled,
               "==============================", width - filled, "", (unsigned long long)step, (unsigned long long)total,
               loss, accuracy * 100, perSecond);
  std::fflush(stderr);
}

}  // namespace

int trainCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o("train",
              {{"dataset", "NAME", kDatasetHelp},
               {"batch", "N", "mini-batch size (default 64)"},
               {"epochs", "N", "passes over the training data (default 1)"},
               {"steps", "N", "train this many steps instead of whole epochs"},
               {"lr", "RATE", "learning rate (default 0.1 for plain SGD, else the optimizer's lr)"},
               {"optimizer", "NAME[:K=V,...]", "sgd, adagrad, rmsprop, adam, adamw, radam, nadam, adabelief, diffgrad, "
                                               "adamnorm or adaminject with PyTorch's hyper-parameters, e.g. "
                                               "adam:lr=0.001,beta2=0.99 (default: plain SGD)"},
               {"schedule", "NAME[:K=V,...]", "learning-rate schedule per step: constant, step:step_size=N,gamma=G, "
                                              "exponential:gamma=G, inverse:decay=D, cosine:T_max=N,eta_min=E, "
                                              "sgdr:T_0=N,T_mult=M,eta_min=E; warmup=N with any (or alone)"},
               {"l1", "L", "L1 penalty L sum|w| on weights, added to the loss (with --l2: elastic net)"},
               {"l2", "L", "L2 penalty (L/2) sum w^2 on weights, added to the loss (not decoupled weight decay)"},
               {"clip-norm", "N", "clip the global gradient norm to N (as PyTorch's clip_grad_norm_)"},
               {"clip-value", "V", "clamp every gradient element to [-V, V]"},
               {"seed", "N", "seed for weights, shuffling, dropout and augmentation (default 0)"},
               {"device", "INDEX|NAME", "Vulkan device (default: GRADLAB_DEVICE, else the best)"},
               {"conv", "auto|direct|fft", kConvHelp},
               {"validation", "FRACTION", "hold out this part of the training data (default: use the test split)"},
               {"limit", "N", "use only the first N training samples"},
               {"normalize", "MODE", "none, symmetric, mean-image, channel-mean or standardize (default none)"},
               {"augment", "LIST", "flip, crop=PIXELS, rotate=DEGREES, brightness=A, contrast=A"},
               {"samples", "N", "points in a toy dataset (default 600)"},
               {"noise", "SIGMA", "noise of a toy dataset (default 0.1)"},
               {"classes", "N", "classes (arms, blobs) of a toy dataset (default 2)"},
               {"metrics", "FILE.csv", "write step,epoch,split,loss,accuracy rows"},
               {"probes", "FILE.csv", "write per-layer activation/gradient statistics and parameter norms"},
               {"probe-every", "K", "steps between probes (default 100)"},
               {"quiet", "", "no progress bar"},
               {"help", "", "show this help"}},
              rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli train NETWORK.net --dataset NAME [options]\n\n"
                 "Trains the network on the Vulkan device (plain SGD unless --optimizer) and reports loss and accuracy.\n\n"
              << o.usage();
    return 0;
  }
  if (networkPath.empty()) throw UsageError("give the network file first: gradlab-cli train NETWORK.net --dataset NAME");
  if (!o.has("dataset")) throw UsageError("--dataset is required (" + std::string(kDatasetHelp) + ")");

  namespace ranges = util::ranges;
  train::TrainingOptions options;
  options.batch = uint32_t(o.integer("batch", 64, ranges::kBatch));
  options.learningRate = o.number("lr", 0.1, ranges::kLearningRate);
  options.seed = uint32_t(o.integer("seed", 0, ranges::kSeed));
  options.conv = convOption(o);
  options.normalization = normalizationOption(o);
  if (o.has("augment")) {
    try {
      options.augmentation = data::parseAugmentationList(o.text("augment"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--augment: ") + e.what());
    }
  }
  optim::OptimizerSpec optimizer;
  if (o.has("optimizer")) {
    try {
      optimizer = optim::parseOptimizerSpec(o.text("optimizer"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--optimizer: ") + e.what());
    }
    if (o.has("lr") && optimizer.values.count("lr"))
      throw UsageError("--lr " + o.text("lr") + " and --optimizer " + optimizer.text +
                       " both set the learning rate: give it once");
    if (o.has("lr")) optimizer.values["lr"] = o.text("lr");
    optim::resolveSettings(optimizer.name, optimizer.values);  // a bad name or value: exit 2 before any work
  }
  if (o.has("schedule")) {
    try {
      options.schedule = optim::parseSchedule(o.text("schedule"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--schedule: ") + e.what());
    }
  }
  options.regularization.l1 = o.number("l1", 0.0, ranges::kPenalty);
  options.regularization.l2 = o.number("l2", 0.0, ranges::kPenalty);
  options.regularization.clipNorm = o.number("clip-norm", 0.0, ranges::kClip);
  options.regularization.clipValue = o.number("clip-value", 0.0, ranges::kClip);
  const double validation = o.number("validation", 0.0, ranges::kValidation);
  const uint64_t epochs = uint64_t(o.integer("epochs", 1, ranges::kEpochs));
  const uint64_t steps = uint64_t(o.integer("steps", 0, ranges::kSteps));
  const uint64_t probeEvery = uint64_t(o.integer("probe-every", 100, ranges::kProbeEvery));
  const ToyDataOptions toy = toyDataOptions(o, "samples");

  const nn::Graph graph = nn::loadNetworkFile(networkPath);
  const DatasetChoice data = chooseDataset(o.text("dataset"), validation, uint32_t(o.integer("limit", 0, ranges::kSampleLimit)),
                                           options.seed, toy.samples, toy.noise, toy.classes);
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  train::TrainingSession session(context, graph, data.train, data.evaluation.size() ? &data.evaluation : nullptr, options,
                                 optimizer.name.empty() ? nullptr
                                                        : optim::createOptimizer(context, optimizer.name, optimizer.values));

  const uint64_t total = o.has("steps") ? steps : epochs * session.stepsPerEpoch();
  stopOnSignals();
  std::optional<LineFile> metrics, probes;
  if (o.has("metrics")) {
    metrics.emplace(o.text("metrics"), "--metrics");
    metrics->append("step,epoch,split,loss,accuracy\n");
  }
  if (o.has("probes")) {
    probes.emplace(o.text("probes"), "--probes");
    std::ostringstream header;
    writeProbeHeader(header);
    probes->append(header.str());
  }
  const bool tty = isatty(STDERR_FILENO) && !o.has("quiet");
  std::string optimizerText = "SGD";
  if (!optimizer.name.empty()) {
    optimizerText = optim::findOptimizer(optimizer.name)->title;
    std::string given;
    for (const auto& [key, value] : optimizer.values)
      if (key != "lr") given += (given.empty() ? "" : ", ") + key + "=" + value;
    if (!given.empty()) optimizerText += " (" + given + ")";
  }
  std::cout << "Training " << networkTitle(graph, networkPath) << " ("
            << session.network().analysis().paramCount << " parameters) on " << data.train.name << " ("
            << data.train.size() << " samples) with " << optimizerText << " lr " << session.learningRate() << ", batch " << options.batch
            << ", " << total << " steps on " << context.device().name << "\n";
  if (const std::string conv = convolutionSummary(session.network()); !conv.empty()) std::cout << conv << "\n";
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
  while (session.step() < total && !session.nonFinite() && !gStopSignal) {
    const uint64_t toEpochEnd = session.stepsPerEpoch() - session.step() % session.stepsPerEpoch();
    uint32_t chunk = uint32_t(std::min<uint64_t>({total - session.step(), toEpochEnd, 50}));
    std::vector<train::StepRecord> records;
    if (probes && (session.step() + 1) % probeEvery == 0) {  // this step is probed
      std::ostringstream rows;
      writeProbeRows(rows, session.probeStep(&records));
      probes->append(rows.str());
    } else {
      if (probes) chunk = uint32_t(std::min<uint64_t>(chunk, probeEvery - 1 - session.step() % probeEvery));
      records = session.train(chunk);
    }
    std::ostringstream rows;
    for (const auto& r : records) {
      lastLoss = r.loss;
      lastAccuracy = r.accuracy;
      rows << r.step + 1 << "," << double(r.step + 1) / session.stepsPerEpoch() << ",train," << r.loss << "," << r.accuracy << "\n";
    }
    if (metrics) metrics->append(rows.str());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress(tty, session.step(), total, lastLoss, lastAccuracy, session.step() / std::max(seconds, 1e-9));
    const bool epochEnd = session.step() % session.stepsPerEpoch() == 0 || session.step() == total;
    if (epochEnd && session.hasValidation() && !session.nonFinite()) {
      lastEval = session.evaluateValidation();
      std::ostringstream row;
      row << session.step() << "," << session.epochs() << "," << data.evaluationName << "," << lastEval.loss << ","
          << lastEval.accuracy << "\n";
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
  std::printf("%s: %llu steps in %.1f s (%.1f steps/s); final train loss %.4f", gStopSignal ? "stopped" : "done",
              (unsigned long long)session.step(), seconds, session.step() / seconds, lastLoss);
  if (session.hasValidation())
    std::printf(", %s accuracy %.2f%% on %u samples", data.evaluationName.c_str(), lastEval.accuracy * 100,
                lastEval.samples);
  std::printf("\n");
  if (gStopSignal) {
    std::fflush(stdout);
    std::fprintf(stderr, "gradlab-cli train: stopped by %s after step %llu of %llu; the CSV files end at that step\n",
                 gStopSignal == SIGINT ? "SIGINT" : "SIGTERM", (unsigned long long)session.step(), (unsigned long long)total);
    return 128 + gStopSignal;
  }
  return 0;
}

}  // namespace gradlab::cli
