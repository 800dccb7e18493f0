#include "views/point_drawing.h"

#include "data/point_file.h"
#include "training_panel.h"
#include "views/decision_boundary_view.h"

namespace gradlab::ui {

void connectPointDrawing(TrainingPanel* panel, DecisionBoundaryView* view) {
  QObject::connect(panel, &TrainingPanel::datasetShown, view, [view](const std::string& name) {
    const bool drawn = data::isDrawnPointsName(name);
    view->setDrawing(drawn, view->drawClass());
    if (!drawn || data::drawnPointsName(view->drawnPoints()) == name) return;
    std::vector<data::LabelledPoint> points;
    try {
      points = data::parseDrawnPoints(name);
    } catch (const data::DataError&) {
      // Fewer than two points (or a damaged list): the panel's run reports it; drawing starts empty.
    }
    view->setDrawnPoints(std::move(points));
  });
  QObject::connect(view, &DecisionBoundaryView::pointsDrawn, panel,
                   [panel, view] { panel->chooseDataset(data::drawnPointsName(view->drawnPoints())); });
}

}  // namespace gradlab::ui
