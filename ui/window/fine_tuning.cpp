// Fine-tuning in the lab: File > Initialise from Experiment… starts the network's layers whose names
// and shapes match a saved experiment from its weights (persist::matchWeights), and the layer
// inspector's frozen and lr × fields edit the training settings' frozen layers and multipliers.
#include "editor/layer_inspector.h"
#include "editor/network_editor.h"
#include "main_window.h"
#include "persist/experiment_file.h"
#include "persist/init_from.h"
#include "training_panel.h"
#include "util/printable.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>
#include <set>
#include <utility>

namespace gradlab::ui {
namespace {

// The new name of `layer` when the edit renamed it: the nodes in the same order, the same layer
// where it was under a name the network did not have (a rename, or the undo of one).
std::string renamedTo(const nn::Graph& before, const nn::Graph& after, const std::string& layer) {
  if (before.nodes.size() != after.nodes.size()) return {};
  for (size_t i = 0; i < before.nodes.size(); ++i) {
    const nn::Node &was = before.nodes[i], &is = after.nodes[i];
    if (was.name == layer && is.type == was.type && is.params == was.params && !before.find(is.name)) return is.name;
  }
  return {};
}

}  // namespace

QString MainWindow::initialiseFrom(const QString& path) {
  const std::string name = QFileInfo(path).fileName().toStdString();
  persist::Experiment source;
  try {
    source = persist::loadExperiment(path.toStdString());
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString::fromStdString(util::printable(e.what(), 400)), 20000);
    return statusBar()->currentMessage();
  }
  if (source.weights.empty()) {
    statusBar()->showMessage(tr("%1 holds no weights (saved before training): train it and save it again")
                                 .arg(QString::fromStdString(util::printable(name, 200))),
                             20000);
    return statusBar()->currentMessage();
  }
  const persist::InitFrom init = persist::matchWeights(editor_->graph(), source.weights);
  dropRunProgress(true);  // the run starts again at step 0, from these weights
  for (const auto& [tensor, values] : init.values) document_.weights[tensor] = source.weights.at(tensor);
  for (persist::RunVariant& run : document_.comparisons)  // the runs that train the same network
    if (run.network.empty() && !run.changes.count("network")) run.weights = document_.weights;
  statusBar()->showMessage(QString::fromStdString(init.summary(name)), 30000);
  setModified(true);
  rebuildTimer_->start();
  return statusBar()->currentMessage();
}

void MainWindow::chooseInitialisation() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Initialise from Experiment"), QString(),
                                                    tr("GradLab experiments (*.gradlab)"));
  if (!path.isEmpty()) initialiseFrom(path);
}

// The frozen layers and multipliers are kept by layer name: a renamed layer keeps its setting under
// its new name, and the setting of a layer that is gone is dropped with a note, so that the run is
// never refused for a name the network no longer has.
void MainWindow::followLayerTraining() {
  const nn::Graph before = std::exchange(layerTrainingGraph_, editor_->graph());
  if (showingFile_) return;  // the file's settings come with its network
  const persist::TrainingSettings s = panel_->settings();
  std::set<std::string> named(s.frozenLayers.begin(), s.frozenLayers.end());
  for (const auto& [layer, factor] : s.lrMultipliers) named.insert(layer);
  QStringList dropped;
  for (const std::string& layer : named) {
    if (layerTrainingGraph_.find(layer)) continue;
    const bool frozen = std::find(s.frozenLayers.begin(), s.frozenLayers.end(), layer) != s.frozenLayers.end();
    const auto factor = s.lrMultipliers.find(layer);
    panel_->setLayerTraining(layer, false, "");
    const std::string renamed = renamedTo(before, layerTrainingGraph_, layer);
    if (!renamed.empty())
      panel_->setLayerTraining(renamed, frozen, factor == s.lrMultipliers.end() ? "" : factor->second);
    else
      dropped << QString::fromStdString(util::printable(layer, 60));
  }
  if (!dropped.isEmpty())
    statusBar()->showMessage(tr("%1 left the network: its frozen or lr × setting is dropped").arg(dropped.join(", ")),
                             20000);
}

void MainWindow::connectLayerTraining() {
  inspector_->setTrainingSettingsSource([this] { return panel_->settings(); });
  connect(inspector_, &LayerInspector::layerTrainingEdited, panel_,
          [this](const QString& layer, bool frozen, const QString& lrMultiplier) {
            panel_->setLayerTraining(layer.toStdString(), frozen, lrMultiplier.toStdString());
          });
  connect(panel_, &TrainingPanel::settingsChanged, inspector_, &LayerInspector::showTrainingSettings);
  connect(panel_, &TrainingPanel::datasetShown, inspector_, &LayerInspector::showTrainingSettings);
}

}  // namespace gradlab::ui
