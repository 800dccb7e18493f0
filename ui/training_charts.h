#pragma once
// Loss and accuracy as training goes: every step's training value (faint), its moving average
// (bold) and each validation pass (markers), for every visible run of a comparison in its run's
// colour and line style, plus an optional faded reference (curves pinned from an earlier run).
// Records arrive in bursts from snapshots; the charts redraw at most 5 times a second and draw
// a bounded number of points per series however long the run, so a fast run or a set of four
// never floods the UI thread.
#include "persist/experiment.h"
#include "train/run.h"
#include "views/run_style.h"

#include <QWidget>

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <vector>

class QChart;
class QChartView;
class QLineSeries;
class QScatterSeries;
class QValueAxis;
class QCheckBox;
class QLabel;
class QPushButton;
class QTimer;

namespace gradlab::ui {

// A series' points thinned for drawing: consecutive values fall into buckets of `stride` values
// (a power of two, doubled by merging neighbours whenever there would be more than kBuckets), each
// keeping its lowest, highest and last value. Adding is O(1) amortised and drawing O(kBuckets)
// however many values came, so a chart's cost per redraw does not grow with the run.
class ThinnedSeries {
 public:
  static constexpr size_t kBuckets = 512;  // a chart's plot is a few hundred pixels wide
  void add(double x, double y);
  void clear() { buckets_.clear(), stride_ = 1; }
  size_t stride() const { return stride_; }
  // With `envelope`, each bucket's lowest and highest value in step order (spikes stay visible),
  // otherwise its last. A bucket of one value gives that value as it is, NaN included; x is
  // multiplied by `xScale` and y taken as log10 with `logY`. Beyond `maxBuckets` buckets,
  // neighbours are drawn as one.
  QList<QPointF> points(bool envelope, double xScale, bool logY, size_t maxBuckets = kBuckets) const;

 private:
  struct Bucket {
    QPointF low, high, last;  // low and high: of the finite values (when `finite`)
    size_t count = 0;
    bool finite = false;
  };
  static Bucket merged(const Bucket& a, const Bucket& b);
  std::vector<Bucket> buckets_;
  size_t stride_ = 1;
};

class TrainingCharts : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingCharts(QWidget* parent = nullptr);

  // The run and generation shown (Snapshot::runId, generation): add() drops snapshots of any
  // other, such as records from before a reset still on their way. What is shown stays.
  void follow(uint64_t runId, uint64_t generation);
  // Which members of a run set to draw and how (RunStyle::visible hides one; legends come from
  // RunStyle::legend()). With none set, member 0 alone in the charts' own colours and legend.
  void setRunStyles(const RunStyles& styles);
  const RunStyles& runStyles() const { return styles_; }
  // Each member's batch size (index = member; 0 = unknown). When the drawn runs' batches differ,
  // steps are not comparable: the x axis becomes samples seen (step x batch) and says so.
  void setRunBatches(const std::vector<uint32_t>& batches);
  void add(const train::Snapshot& snapshot);  // routed by snapshot.member
  // A moment of the timeline: each run's curves up to its step there (runs not named: none), drawn
  // exactly as they were drawn live at that step. New snapshots are kept meanwhile; showLive()
  // draws everything again.
  void showMoment(const std::map<uint32_t, uint64_t>& steps);
  void showLive();
  bool replaying() const { return replay_.has_value(); }
  // Every run's curves and running averages; a kept reference stays.
  void clear();
  // Pins the curves drawn now as a faded overlay labelled "reference" while the next run trains;
  // pinning again replaces it. It survives clear() (Reset, a rebuilt run), not clearReference(),
  // which opening another experiment calls.
  void keepReference();
  void clearReference();
  bool hasReference() const { return !reference_.empty(); }
  // A saved experiment's curves for `member` (a run that continues them adds after), and the
  // curves so far to save.
  void setHistory(const std::vector<persist::MetricPoint>& training,
                  const std::vector<persist::MetricPoint>& validation, uint32_t member = 0);
  std::vector<persist::MetricPoint> trainingHistory(uint32_t member = 0) const;
  std::vector<persist::MetricPoint> validationHistory(uint32_t member = 0) const;
  size_t lossPoints(uint32_t member = 0) const;  // training steps plotted
  size_t validationPoints(uint32_t member = 0) const;
  // The axes as drawn, for tests: the loss axis in log10 units when lossAxisIsLog().
  std::pair<double, double> lossAxisRange() const;
  std::pair<double, double> accuracyAxisRange() const;
  std::pair<double, double> stepAxisRange() const;
  QString stepAxisTitle() const;  // "step", or "samples seen" when the runs' batches differ
  bool lossAxisIsLog() const;
  QString lossAxisNote() const;  // why the loss axis went log by itself; empty when it did not
  QString legendText() const;    // the legend under the charts as plain text (a lone run's too)
  // What the charts draw, one row per point: run, chart (loss, accuracy in %), series (training,
  // average, validation), x (step or samples seen, as the axis) and the value, not in log units.
  QString csv() const;

 private:
  // One run's values, in steps, at full resolution (saved) and thinned (drawn).
  struct Curves {
    std::vector<double> steps, losses, accuracies;
    std::vector<double> validationSteps, validationLoss, validationAccuracy;
    ThinnedSeries rawLoss, smoothLoss, rawAccuracy, smoothAccuracy, validationLossPoints, validationAccuracyPoints;
    double emaLoss = 0, emaAccuracy = 0;
    double lowestLoss = INFINITY, highestLoss = 0;  // positive finite losses, for the log-axis rule
    void append(const std::vector<train::StepRecord>& records);
    void addValidation(uint64_t step, double loss, double accuracy);
    void appendStep(double x, double loss, double accuracyPercent);
    void addValidationPoint(double x, double loss, double accuracyPercent);
    Curves upTo(uint64_t step) const;  // the values of steps up to `step`, added in the same order
    void noteLoss(double loss);
  };
  // The series of one run (or of one pinned reference run, which has no raw series) in one chart.
  struct RunSeries {
    QLineSeries *raw = nullptr, *smooth = nullptr;
    QScatterSeries* validation = nullptr;
  };
  struct Panel {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    std::vector<RunSeries> runs, references;  // as drawnRuns(), as reference_
  };
  struct Pinned {  // a reference run: its style, curves and batch when it was pinned
    RunStyle style;
    Curves curves;
    uint32_t batch = 0;
  };
  Panel makePanel(const QString& title, const QString& unit);
  void rebuildSeries();  // after the styles or the reference changed
  void updateLegend();
  std::vector<RunStyle> drawnRuns() const;
  // True when the losses span so many decades (a diverging run) that a linear axis would flatten
  // every other value to zero; `note` then says so.
  bool lossesNeedLogAxis(QString* note) const;
  bool batchesDiffer() const;           // of the runs and reference drawn: x is then samples seen
  double xScale(uint32_t batch) const;  // steps to the x axis's unit
  uint32_t batchOf(uint32_t member) const;
  void scheduleRedraw();
  void redraw();
  void fillPanel(Panel& panel, bool loss, bool logY);
  // To the values drawn: y from lo to hi (log10 units with logY), x from 0 past `last`.
  void moveAxes(Panel& panel, bool loss, bool logY, double lo, double hi, double last);

  Panel loss_, accuracy_;
  QLabel* legend_ = nullptr;
  QCheckBox* logScale_ = nullptr;
  QLabel* logNote_ = nullptr;
  QPushButton *keepReference_ = nullptr, *clearReference_ = nullptr;
  QTimer* redrawTimer_ = nullptr;
  bool dirty_ = false;
  RunStyles styles_;
  std::vector<uint32_t> batches_;
  bool samplesAxis_ = false, logAxis_ = false;  // as last drawn
  bool everything_ = true;                      // every series to replace at the next redraw, not only changed_'s
  std::set<uint32_t> changed_;                  // members with new values since the last redraw
  std::map<uint32_t, Curves> curves_;           // by member

  // A moment of the timeline, shown instead of curves_.
  std::optional<std::map<uint32_t, Curves>> replay_;
  const std::map<uint32_t, Curves>& shownCurves() const { return replay_ ? *replay_ : curves_; }
  std::vector<Pinned> reference_;
  uint64_t runId_ = 0, generation_ = 0;  // what add() accepts
};

}  // namespace gradlab::ui
