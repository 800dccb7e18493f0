#pragma once
// A run of a comparison as an experiment of its own: the base experiment with the run's changed
// settings and network applied, and the run's results. Changes are text by the keys of
// `gradlab-cli compare --run`, checked here in the words gradlab-cli uses for its options. compare
// builds its runs with variantExperiment and runDefinition too, so the lab, an experiment file and
// the command line accept and refuse the same values and train the same run for them.
#include "persist/experiment.h"
#include "train/run_set.h"

#include <string>
#include <vector>

namespace gradlab::persist {

// The keys RunVariant::changes may hold: lr, optimizer, schedule, l1, l2, clip-norm, clip-value,
// seed, augment, normalize, conv, batch, init, network, freeze (layers, ';' between them; empty:
// none), lr-mult (layer=factor items, ';' between them).
const std::vector<std::string>& variantKeys();

// One changed training setting (every key but init and network, which change the network) applied
// to `settings`. A value holding its own keys separates them by ';' or ','
// ("adam:lr=0.001;beta2=0.99", "flip;crop=4"). An optimizer replaces the base's optimizer and all
// its values, the learning rate included (its own default unless given). Throws
// std::invalid_argument naming the option: "--lr: 'fast' is not a finite number in [0, 1000000]".
void applySetting(TrainingSettings& settings, const std::string& key, const std::string& value);

// `base` (its title, layout and settings) with `run`'s changes applied and `run`'s results and
// network: the network is run.network when given, else the file `changes["network"]` names when
// given, else the base's; `init` then sets every Linear's and convolution's initialisation
// (train::withInitialisation). Every setting is then checked as persist::runSetup checks it, and
// the network as the graph checker does. Throws std::invalid_argument, one line led by the run:
// "run B: --lr: 'fast' is not a finite number in [0, 1000000]".
Experiment variantExperiment(const Experiment& base, const RunVariant& run);

// The experiment's run as a run set trains it (its label and network file name left empty): the
// network (checked), `init` (what its changes say, for the legend), the session's options and the
// optimizer. gradlab-cli compare builds each --run from variantExperiment and this, so a key=value
// means the same on the command line as in the lab.
train::RunDefinition runDefinition(const Experiment& e, const std::string& init);

// What `run` changes from `base`, in words for its legend, "; " between changes: the network
// change as changes["network"] says it ("BatchNorm1d after every Linear but the last") or, without
// one, as the layers differ ("BatchNorm1d added after h1, h2"), then "init=xavier_normal",
// "lr 0.01 instead of 0.1", ...; "same settings" when nothing differs. Throws as
// variantExperiment does.
std::string variantDescription(const Experiment& base, const RunVariant& run);

}  // namespace gradlab::persist
