#include "window/presentation.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QGraphicsScene>
#include <QLabel>
#include <QShortcut>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QAbstractSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>

namespace gradlab::ui {
namespace {

// Black on white: a projector washes out greys and dark themes.
QPalette highContrast() {
  QPalette p;
  for (auto role : {QPalette::Window, QPalette::Base, QPalette::Button, QPalette::AlternateBase})
    p.setColor(role, Qt::white);
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) p.setColor(role, Qt::black);
  p.setColor(QPalette::Mid, QColor(90, 90, 90));
  p.setColor(QPalette::Highlight, QColor(0, 90, 200));
  return p;
}

QFont scaled(QFont font, double by) {
  font.setPointSizeF(font.pointSizeF() * by);
  return font;
}

}  // namespace

Presentation::Presentation(QDockWidget* home, const QList<QAction*>& actions, QWidget* parent, QWidget* below,
                           std::function<void(QWidget*)> giveBackBelow)
    : QWidget(parent, Qt::Window), home_(home), view_(home->widget()), below_(below),
      giveBackBelow_(std::move(giveBackBelow)) {
  setWindowTitle(home->windowTitle() + tr(" — GradLab presentation"));
  setPalette(highContrast());
  setAutoFillBackground(true);
  setFont(scaled(font(), kFontScale));
  bar_ = new QToolBar(this);
  bar_->setObjectName("presentation");
  bar_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar_->setIconSize(QSize(32, 32));
  bar_->addActions(actions);
  addActions(actions);  // their shortcuts (Space, F10, Ctrl+R) work while this window is active
  auto* title = new QLabel(home->windowTitle(), bar_);
  title->setContentsMargins(24, 0, 24, 0);
  bar_->addWidget(title);
  bar_->addSeparator();
  QAction* leave = bar_->addAction(tr("Leave (Esc)"), this, &QWidget::close);
  leave->setShortcuts({Qt::Key_Escape, Qt::Key_F11});
  leave->setShortcutContext(Qt::WindowShortcut);
  addAction(leave);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(bar_);
  layout->addWidget(view_, 1);
  view_->show();
  if (below_) {
    layout->addWidget(below_);
    below_->show();
  }
  enlargeCharts();
}

Presentation::~Presentation() { giveBack(); }

void Presentation::closeEvent(QCloseEvent* event) {
  giveBack();
  event->accept();
  emit finished();
}

// Qt Charts takes neither fonts nor colours from the widget: the charts' own are scaled here and
// put back as they were when the view goes home.
void Presentation::enlargeCharts() {
  for (QChartView* chartView : view_->findChildren<QChartView*>()) {
    QChart* chart = chartView->chart();
    const QFont titleFont = chart->titleFont();
    const QBrush background = chart->backgroundBrush(), titleBrush = chart->titleBrush();
    chart->setTitleFont(scaled(titleFont, kFontScale));
    chart->setBackgroundBrush(Qt::white);
    chart->setTitleBrush(Qt::black);
    restore_.push_back([chart = QPointer<QChart>(chart), titleFont, background, titleBrush] {
      if (!chart) return;
      chart->setTitleFont(titleFont);
      chart->setBackgroundBrush(background);
      chart->setTitleBrush(titleBrush);
    });
    if (QLegend* legend = chart->legend()) {
      const QFont legendFont = legend->font();
      legend->setFont(scaled(legendFont, kFontScale));
      restore_.push_back([legend = QPointer<QLegend>(legend), legendFont] {
        if (legend) legend->setFont(legendFont);
      });
    }
    for (QAbstractAxis* axis : chart->axes()) {
      const QFont labels = axis->labelsFont(), title = axis->titleFont();
      const QBrush labelsBrush = axis->labelsBrush(), titleBrush = axis->titleBrush();
      axis->setLabelsFont(scaled(labels, kFontScale));
      axis->setTitleFont(scaled(title, kFontScale));
      axis->setLabelsBrush(Qt::black);
      axis->setTitleBrush(Qt::black);
      restore_.push_back([axis = QPointer<QAbstractAxis>(axis), labels, title, labelsBrush, titleBrush] {
        if (!axis) return;
        axis->setLabelsFont(labels);
        axis->setTitleFont(title);
        axis->setLabelsBrush(labelsBrush);
        axis->setTitleBrush(titleBrush);
      });
    }
    thickenLines(chart);
    // Series made while presenting (a reference kept, a run added) are thickened as they appear.
    connect(chartView->scene(), &QGraphicsScene::changed, this, [this, chart = QPointer<QChart>(chart)] {
      if (chart && view_) thickenLines(chart);
    });
  }
}

// Each line once: the desk's pen is kept on the series itself, which may be deleted before the
// presentation ends.
void Presentation::thickenLines(QChart* chart) {
  static constexpr const char* kDeskPen = "gradlabDeskPen";
  for (QAbstractSeries* series : chart->series()) {
    auto* line = qobject_cast<QLineSeries*>(series);  // also splines
    if (!line || line->property(kDeskPen).isValid()) continue;
    const QPen pen = line->pen();
    line->setProperty(kDeskPen, pen);
    QPen thick = pen;
    thick.setWidthF(std::max(kMinPenWidth, pen.widthF() * kPenScale));
    line->setPen(thick);
    restore_.push_back([line = QPointer<QLineSeries>(line), pen] {
      if (!line) return;
      line->setPen(pen);
      line->setProperty(kDeskPen, QVariant());
    });
  }
}

void Presentation::giveBack() {
  if (!view_ || !home_) return;
  for (auto it = restore_.rbegin(); it != restore_.rend(); ++it) (*it)();
  restore_.clear();
  home_->setWidget(view_);
  view_ = nullptr;
  if (below_ && giveBackBelow_) giveBackBelow_(below_);
  below_ = nullptr;
}

}  // namespace gradlab::ui
