// gradlab-cli compare: 1 to 4 runs side by side (train/run_set.h). Each --run is the command's
// training options with a few changed; the set trains in lockstep on the same batches, writes one
// CSV of every run's steps, and ends with a table comparing the runs.
#include "analysis/sharpness.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/dataset_option.h"
#include "cli/line_file.h"
#include "cli/network_title.h"
#include "cli/run_options.h"
#include "cli/stop_signal.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "persist/run_variant.h"
#include "train/run_set.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

namespace gradlab::cli {
namespace {

std::vector<OptionSpec> compareOptions() {
  return withSharedTrainingOptions(
      {{"dataset", "NAME", kDatasetHelp},
       {"run", "NAME[:key=value,...]",
        "a run: these options with some changed, by key: lr, optimizer, schedule, l1, l2, clip-norm, clip-value, "
        "seed, augment, normalize, conv, batch, init (as probe's --init) or network=FILE.net; inside a value ';' "
        "separates its own keys (optimizer=adam:lr=0.001;beta2=0.99). optimizer=NAME takes NAME's own defaults, "
        "lr included, unless the run gives lr too; as in the lab's Compare... Give it 1 to 4 times"},
       {"batch", "N", "mini-batch size (default 64); runs with a batch dividing the largest advance by samples seen"},
       {"epochs", "N", "passes over the training data (default 1), as the run with the largest batch counts them"},
       {"steps", "N", "train this many steps (of the largest batch) instead of whole epochs"},
       {"init", "NAME[:key=value]", "initialise every Linear/Conv this way, e.g. xavier_normal"},
       {"metrics", "FILE.csv", "write run,step,epoch,split,loss,accuracy rows"},
       {"sharpness-every", "K",
        "every K steps, each run's top Hessian eigenvalue on its last batch: columns sharpness and sharpness_change "
        "of --metrics, as train writes them"},
       {"help", "", "show this help"}},
      "metrics");
}

// The command's --init, checked before any run is built.
void checkInit(const Arguments& o, const nn::Graph& graph) {
  if (!o.has("init")) return;
  try {
    train::withInitialisation(graph, o.text("init"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--init: ") + e.what());
  }
}

// "NAME:key=value,...": the base (the command's options and network) with the run's changes,
// applied by persist::variantExperiment as the lab's Compare... applies them, so a key means the
// same in both: lr sets the rate of the run's optimizer; optimizer=NAME starts from NAME's own
// defaults, its lr included (a rate tuned for SGD would be wrong for Adam), unless the run gives
// lr too. The command's --init applies to every run that does not give init.
train::RunDefinition parseRun(const std::string& text, const persist::Experiment& base, const Arguments& o,
                              const std::string& networkPath) {
  const util::Spec spec = util::parseSpec(text, "--run", persist::variantKeys());
  const std::string& name = spec.name;
  const bool nameOk = !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  if (!nameOk)
    throw UsageError("--run: '" + util::printable(name, 40) +
                     "' is not a run name: use up to 32 letters, digits, '_', '-' or '.', e.g. --run B:lr=0.01");
  persist::RunVariant variant;
  variant.label = name;
  for (const util::KeyValue& item : spec.items) variant.changes[item.key] = item.value;
  if (o.has("init")) variant.changes.emplace("init", o.text("init"));
  const auto init = variant.changes.find("init");
  try {
    train::RunDefinition run = persist::runDefinition(persist::variantExperiment(base, variant),
                                                      init == variant.changes.end() ? "" : init->second);
    // Plain SGD at options.learningRate, as train runs it without --optimizer.
    if (!o.has("optimizer") && !variant.changes.count("optimizer")) {
      run.optimizer.clear();
      run.optimizerValues.clear();
    }
    run.label = name;
    const auto network = variant.changes.find("network");
    run.network = network == variant.changes.end() ? networkPath : network->second;
    return run;
  } catch (const std::invalid_argument& e) {  // "run B: --lr: ..." is this option's "--run B: --lr: ..."
    throw UsageError("--" + std::string(e.what()));
  }
}

struct RunOutcome {
  std::optional<train::StepRecord> last;  // the last step's record
  train::Evaluation evaluation;           // at the last epoch end or the last step
};

// Trains the set for `total` ticks (or until SIGINT or SIGTERM, at a tick boundary), evaluating every live run at epoch
// ends and at the end, with each run's rows appended to `metrics` (when given) tick by tick. Every `sharpnessEvery`
// ticks (0: never) each live run's last step gets its sharpness on that step's batch.
std::vector<RunOutcome> trainInLockstep(train::RunSet& set, uint64_t total, LineFile* metrics,
                                        const std::string& evaluationName, uint64_t sharpnessEvery) {
  std::vector<RunOutcome> outcomes(set.size());
  const std::string noSharpness = sharpnessEvery ? ",," : "";
  while (set.step() < total && !set.allStopped() && !stopSignal()) {
    const uint64_t toEpochEnd = set.stepsPerEpoch() - set.step() % set.stepsPerEpoch();
    // Only a chunk's last step still has its batch in the network: chunks end at sharpness ticks.
    const uint64_t toSharpness = sharpnessEvery ? sharpnessEvery - set.step() % sharpnessEvery : 50;
    const auto records = set.train(uint32_t(std::min<uint64_t>({total - set.step(), toEpochEnd, toSharpness, 50})));
    const bool measured = sharpnessEvery && set.step() % sharpnessEvery == 0;
    const bool epochEnd = set.step() % set.stepsPerEpoch() == 0 || set.step() >= total;
    std::ostringstream rows;
    for (size_t r = 0; r < set.size(); ++r) {
      train::TrainingSession& s = set.session(r);
      const std::string& label = set.definition(r).label;
      for (const auto& record : records[r]) {
        outcomes[r].last = record;
        rows << label << "," << record.step + 1 << "," << double(record.step + 1) / s.stepsPerEpoch() << ",train,"
             << record.loss << "," << record.accuracy;
        if (measured && &record == &records[r].back() && !s.nonFinite()) {
          const auto estimate = analysis::sharpnessOfStep(s.network(), record.step);
          rows << "," << estimate.lambdaMax << "," << estimate.relativeChange;
        } else {
          rows << noSharpness;
        }
        rows << "\n";
      }
      if (epochEnd && s.hasValidation() && !s.nonFinite()) {
        const train::Evaluation e = outcomes[r].evaluation = s.evaluateValidation();
        rows << label << "," << s.step() << "," << s.epochs() << "," << evaluationName << "," << e.loss << ","
             << e.accuracy << noSharpness << "\n";
      }
    }
    if (metrics) metrics->append(rows.str());
  }
  return outcomes;
}

void printTable(train::RunSet& set, const std::vector<RunOutcome>& outcomes, const std::string& evaluationName) {
  std::printf("\n%-12s %8s %12s %18s %18s  %s\n", "run", "steps", "train loss", (evaluationName + " loss").c_str(),
              (evaluationName + " acc").c_str(), "differences");
  for (size_t r = 0; r < set.size(); ++r) {
    train::TrainingSession& s = set.session(r);
    const std::string label = util::printable(set.definition(r).label, 32);
    const std::string legend = util::printable(set.legend(r).substr(set.definition(r).label.size() + 2), 200);
    const double loss = outcomes[r].last ? outcomes[r].last->loss : 0.0;
    char lossText[32] = "-";  // a diverged run's last loss is not a number to compare
    if (std::isfinite(loss)) std::snprintf(lossText, sizeof lossText, "%.4f", loss);
    std::printf("%-12s %8llu %12s", label.c_str(), (unsigned long long)s.step(), lossText);
    if (s.nonFinite())
      std::printf(" %37s  %s\n", "diverged", legend.c_str());
    else if (s.hasValidation())
      std::printf(" %18.4f %17.2f%%  %s\n", outcomes[r].evaluation.loss, outcomes[r].evaluation.accuracy * 100,
                  legend.c_str());
    else
      std::printf(" %18s %18s  %s\n", "-", "-", legend.c_str());
  }
  for (size_t r = 0; r < set.size(); ++r)
    if (set.session(r).nonFinite())
      std::printf("run %s: %s\n", util::printable(set.definition(r).label, 32).c_str(),
                  set.session(r).nonFinite()->message.c_str());
}

}  // namespace

int compareCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o("compare", compareOptions(), rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli compare NETWORK.net --dataset NAME --run NAME[:key=value,...] ... [options]\n\n"
                 "Trains 1 to 4 runs side by side in lockstep: every run is these options with a few changed, starts\n"
                 "from the same initial weights (per layer, by name) and sees the same batches in the same order.\n"
                 "A run that diverges stops alone. Example:\n"
                 "  gradlab-cli compare mlp.net --dataset moons --steps 300 --run A --run B:init=xavier_normal \\\n"
                 "      --run C:optimizer=adam,lr=0.01 --run D:network=mlp_bn.net --metrics runs.csv\n\n"
              << o.usage();
    return 0;
  }
  if (networkPath.empty())
    throw UsageError("give the network file first: gradlab-cli compare NETWORK.net --dataset NAME --run A ...");
  if (!o.has("dataset"))
    throw UsageError("--dataset is required, e.g. --dataset fashion-mnist or --dataset spiral (every kind: --help)");
  const std::vector<std::string> runTexts = o.all("run");
  if (runTexts.empty() || runTexts.size() > train::kMaxRunsInSet)
    throw UsageError("give 1 to 4 runs, each as --run NAME[:key=value,...] (e.g. --run A --run B:lr=0.01); got " +
                     std::to_string(runTexts.size()));

  const nn::Graph graph = nn::loadNetworkFile(networkPath);
  const persist::RunSetup setup = buildRun(o);  // the command's own options, checked before the runs
  checkInit(o, graph);                          // and its --init
  persist::Experiment base;                     // what every run starts from
  base.network = nn::printNetwork(graph);
  base.training = trainingSettings(o);
  std::vector<train::RunDefinition> runs;
  for (const auto& text : runTexts) runs.push_back(parseRun(text, base, o, networkPath));

  const uint64_t sharpnessEvery = o.has("sharpness-every") ? o.integer("sharpness-every", 0, 1, 1000000000) : 0;
  if (sharpnessEvery && !o.has("metrics"))
    throw UsageError("--sharpness-every writes a column of the metrics: give --metrics FILE.csv too");

  const DatasetChoice data = chooseRunData(setup.dataset);
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  train::RunSet set(context, runs, data.train, data.evaluation.size() ? &data.evaluation : nullptr);
  const uint64_t total = setup.maxSteps ? setup.maxSteps : setup.epochs * set.stepsPerEpoch();

  std::optional<LineFile> metrics;
  if (o.has("metrics")) {
    metrics.emplace(o.text("metrics"), "--metrics");
    metrics->append(sharpnessEvery ? "run,step,epoch,split,loss,accuracy,sharpness,sharpness_change\n"
                                   : "run,step,epoch,split,loss,accuracy\n");
  }
  std::cout << "Comparing " << set.size() << " runs of " << networkTitle(graph, networkPath) << " on "
            << data.train.name << " (" << data.train.size() << " samples), " << total << " steps of "
            << set.samplesPerTick() << " samples in lockstep on " << context.device().name << "\n";
  for (size_t r = 0; r < set.size(); ++r) std::cout << "  " << util::printable(set.legend(r), 300) << "\n";
  for (size_t r = 0; r < set.size(); ++r)
    if (set.stepsPerTick(r) > 1)
      std::cout << "  run " << runs[r].label << " (batch " << runs[r].options.batch
                << ") advances by samples seen: " << set.stepsPerTick(r) << " of its steps per step\n";

  stopOnSignals();
  const std::vector<RunOutcome> outcomes =
      trainInLockstep(set, total, metrics ? &*metrics : nullptr, data.evaluationName, sharpnessEvery);
  printTable(set, outcomes, data.evaluationName);
  // A diverged run is a result of the comparison; only a set where every run diverged fails.
  if (set.allStopped()) return 1;
  if (stopSignal()) return reportStop("compare", set.step(), total, "the CSV file ends at that step");
  return 0;
}

}  // namespace gradlab::cli
