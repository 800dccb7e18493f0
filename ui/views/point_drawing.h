#pragma once
// Points drawn on the decision-boundary view are the dataset of the training panel's "your own
// points" entry: choosing that entry (or opening an experiment of drawn points) turns drawing on
// with the saved points, and every stroke becomes the panel's dataset (data::drawnPointsName).
namespace gradlab::ui {

class TrainingPanel;
class DecisionBoundaryView;

void connectPointDrawing(TrainingPanel* panel, DecisionBoundaryView* view);

}  // namespace gradlab::ui
