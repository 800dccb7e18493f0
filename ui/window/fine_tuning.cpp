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

namespace gradlab::ui {

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
