#pragma once
// The lab window's views of the run and what they keep of it: the loss and accuracy charts, the
// probe views (histograms, by depth, filters, decision boundary) that snapshots are routed to by
// their member, and the analysis views (loss landscape, receptive field, gradient check) with the
// parameters they analyse (the first probe's, the latest and a thinned trajectory, per run). It
// also keeps each run's latest weights and progress, which a save stores, and the moments of the
// run the timeline can take every view back to (timeline/snapshot_store.h).
#include "persist/experiment.h"
#include "timeline/snapshot_store.h"
#include "train/run.h"
#include "views/run_style.h"

#include <QObject>
#include <QPointer>

#include <memory>
#include <optional>
#include <vector>

class QDockWidget;
class QToolButton;
class QWidget;

namespace gradlab::gpu {
class Context;
}

namespace gradlab::ui {

struct AnalysisSource;
class DecisionBoundaryView;
class DepthStatsView;
class FilterGridView;
class GradientCheckDialog;
class InternalsView;
class LandscapeView;
class LayerHistogramsView;
class NetworkEditor;
class ReceptiveFieldView;
class SharpnessView;
class TrainingCharts;
class TrainingController;
class TimelineBar;
class TrainingPanel;
class UpdateRatioView;

class RunViews : public QObject {
  Q_OBJECT
 public:
  // The views are children of `window`; the analysis views read the network from `editor` and the
  // settings from `panel`; `deviceRequest` names the device the views' own work runs on.
  RunViews(QWidget* window, TrainingController* controller, NetworkEditor* editor, TrainingPanel* panel,
           const QString& deviceRequest);
  ~RunViews() override;

  TrainingCharts* charts() const { return charts_; }
  LayerHistogramsView* histograms() const { return histograms_; }
  DepthStatsView* depth() const { return depth_; }
  InternalsView* internals() const { return internals_; }
  FilterGridView* filters() const;
  DecisionBoundaryView* boundary() const { return boundary_; }
  LandscapeView* landscape() const { return landscape_; }
  ReceptiveFieldView* receptive() const { return receptive_; }
  SharpnessView* sharpness() const { return sharpness_; }
  UpdateRatioView* updateRatios() const { return updateRatios_; }
  // The docks of the landscape and receptive field views: analysed only while shown.
  void setAnalysisDocks(QDockWidget* landscape, QDockWidget* receptive);
  void openViewDevice();  // the views' own device (filter spectra), opened off the UI thread

  // A new run's training data.
  void setDataset(std::shared_ptr<const data::Dataset> train);
  // How every view draws the runs of a set; empty for a run alone.
  void setRunStyles(const RunStyles& styles);
  // Routes a snapshot to the views, by its member; while the timeline shows an earlier moment,
  // only the curves keep it (drawn when the views follow the run again).
  void show(const train::Snapshot& s);
  // Keeps the snapshot as a moment of the timeline (every snapshot, before show()).
  void record(std::shared_ptr<const train::Snapshot> s);
  // Keeps the member's weights as they stand, for saving and for the views.
  void keepWeights(const std::shared_ptr<const train::Snapshot>& s);
  // Each run's curves, and its kept weights and progress (when it has any), into `e`: member 0
  // into the experiment, member i into e.comparisons[i - 1]; the moments that fit `momentBytes`.
  void resultsInto(persist::Experiment& e, uint64_t momentBytes) const;
  void forgetWeights();

  // An opened file's curves, every run's; with `untilTraining` they give way when the run records
  // new ones.
  void showSavedCurves(const persist::Experiment& e, bool untilTraining);
  // The views as a rebuilt run starts: curves kept when they are the run's own or a file's.
  void clearForRebuild(bool continues);
  void clearForReset();  // Reset: back to the seed's weights, nothing from before
  void clearForRace();   // a race replaced the run

  void updateAnalysisSource();  // hands the analysis views the run's parameters
  void checkGradients();        // Run > Check Gradients

  // The timeline under the views, and the status-bar button that says what its moments take of
  // their memory budget (a click changes the budget, kept in the settings as timeline/budgetMiB).
  TimelineBar* timeline() const { return timeline_; }
  QToolButton* timelineMemory() const { return timelineMemory_; }
  const SnapshotStore& moments() const { return store_; }
  void setMomentBudget(size_t bytes);
  // An opened file's moments: the timeline goes back to them, and on with the run that continues.
  void restoreMoments(const persist::Moments& moments);
  // Every view as it was at moment `index` of the store (a running run pauses first), or live.
  void showMoment(size_t index);
  void showLive();
  bool replaying() const { return replayPosition_.has_value(); }
  // While replaying: "replaying step N (moment i of M)", for the status bar; empty when live.
  QString replayText() const;

 signals:
  void replayChanged();  // showMoment() or showLive() changed what the views show

 private:
  // What the analysis views work on, per run: its parameters now, at the start and along the way,
  // as the probe reports that carry them. Reports are immutable and shared with the run, so
  // keeping one costs no copy of its (megabytes of) parameters.
  struct Parameters {
    std::shared_ptr<const train::ProbeReport> initial, current;
    std::vector<std::shared_ptr<const train::ProbeReport>> trajectory;
    void remember(std::shared_ptr<const train::ProbeReport> report);
  };
  void rememberParameters(std::shared_ptr<const train::ProbeReport> report, uint32_t member);
  void forgetParameters(bool keepCurrent);
  void clearProbeViews();  // every run's histograms, statistics by depth, filters and boundary
  void showProbeViews(const Moment& moment);
  void forgetMoments();  // a new run or generation: nothing to go back to
  void updateTimeline();
  const std::map<uint32_t, Parameters>& shownParameters() const {
    return replayPosition_ ? replayParameters_ : parameters_;
  }
  void fillRuns(AnalysisSource& source, bool trajectories) const;  // a set's runs

  QWidget* window_;
  TrainingController* controller_;
  NetworkEditor* editor_;
  TrainingPanel* panel_;
  QString deviceRequest_;
  TrainingCharts* charts_ = nullptr;
  LayerHistogramsView* histograms_ = nullptr;
  DepthStatsView* depth_ = nullptr;
  InternalsView* internals_ = nullptr;
  QPointer<FilterGridView> filters_;
  DecisionBoundaryView* boundary_ = nullptr;
  LandscapeView* landscape_ = nullptr;
  ReceptiveFieldView* receptive_ = nullptr;
  SharpnessView* sharpness_ = nullptr;
  UpdateRatioView* updateRatios_ = nullptr;
  GradientCheckDialog* gradientCheck_ = nullptr;
  QDockWidget *landscapeDock_ = nullptr, *receptiveDock_ = nullptr;
  bool showingSavedCurves_ = false;  // the curves of an opened file, until training starts again
  RunStyles styles_;
  std::map<uint32_t, Parameters> parameters_;  // by member
  SnapshotStore store_;
  TimelineBar* timeline_ = nullptr;
  QToolButton* timelineMemory_ = nullptr;
  std::optional<uint64_t> replayPosition_;           // the moment shown (Moment::position); unset: live
  std::map<uint32_t, Parameters> replayParameters_;  // the analysis views' parameters at that moment
  std::shared_ptr<const data::Dataset> trainData_;
  // What a save stores as each member's trained weights: its latest values (a probe's copy while
  // training, the final ones when it stops); none until the run has any.
  std::map<uint32_t, std::shared_ptr<const std::vector<train::WeightSnapshot>>> runWeights_;
  // With runWeights_ from a stopped run: to continue it.
  std::map<uint32_t, std::shared_ptr<const train::RunProgress>> runProgress_;
  std::shared_ptr<gpu::Context> viewDevice_;
};

}  // namespace gradlab::ui
