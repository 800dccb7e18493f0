// Drawing one's own 2-D points on the decision-boundary view: a click adds a point of the chosen
// class where it lands, a drag paints a trail, a right click erases; the points are the view's
// data, drawn in their class colour, and the dataset a run trains on.
#include "data/dataset_choice.h"
#include "support/ui_test.h"
#include "training_panel.h"
#include "views/color_map.h"
#include "views/decision_boundary_view.h"
#include "views/point_drawing.h"

#include <QApplication>
#include <QComboBox>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace gradlab;

namespace {

// Chooses the entry of `data` as a click does: current, then activated.
void choose(QComboBox* box, const QString& data) {
  const int index = box->findData(data);
  QVERIFY(index >= 0);
  box->setCurrentIndex(index);
  emit box->activated(index);
}

}  // namespace

class TestDatasetsDrawing : public QObject {
  Q_OBJECT

 private slots:
  void clickDragAndEraseDrawPoints() {
    ui::DecisionBoundaryView view;
    view.resize(460, 460);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy drawn(&view, &ui::DecisionBoundaryView::pointsDrawn);
    // Without drawing on, a click changes nothing.
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.plotRect().center().toPoint());
    QVERIFY(view.drawnPoints().empty());

    view.setDrawing(true, 1);
    const QRectF plot = view.plotRect();
    const QPoint a = (plot.topLeft() + QPointF(plot.width() * 0.25, plot.height() * 0.25)).toPoint();
    QTest::mouseClick(&view, Qt::LeftButton, {}, a);
    QCOMPARE(view.drawnPoints().size(), size_t(1));
    QCOMPARE(view.drawnPoints()[0].label, 1u);
    // The point is where the click was: x and y in the plane toWidget maps back to the click.
    const auto& p = view.drawnPoints()[0];
    QVERIFY(QLineF(view.toWidget(p.x, p.y), a).length() < 1);
    QVERIFY(p.x < 0 && p.y > 0);  // upper left of the default plane around the origin

    // A drag with class 0 paints a trail along a horizontal line in the lower half.
    view.setDrawing(true, 0);
    const int y = int(plot.top() + plot.height() * 0.75);
    const int x0 = int(plot.left() + plot.width() * 0.2), x1 = int(plot.left() + plot.width() * 0.8);
    QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(x0, y));
    for (int x = x0; x <= x1; x += 4) {
      QMouseEvent move(QEvent::MouseMove, QPointF(x, y), view.mapToGlobal(QPointF(x, y)), Qt::NoButton, Qt::LeftButton,
                       Qt::NoModifier);
      QApplication::sendEvent(&view, &move);
    }
    QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(x1, y));
    const size_t painted = view.drawnPoints().size() - 1;
    QVERIFY2(painted >= 20 && painted <= 40, qPrintable(QString::number(painted)));  // one every 8 px of ~276
    for (size_t i = 1; i < view.drawnPoints().size(); ++i) QCOMPARE(view.drawnPoints()[i].label, 0u);

    // The points are the view's data and drawn in their class colours.
    QCOMPARE(view.dataset() ? view.dataset()->size() : 0u, uint32_t(painted + 1));
    test::screenshot(view, "datasets_drawn_points", 60);
    const QImage shot = view.grab().toImage();
    const QRectF near(QPointF(a) - QPointF(6, 6), QSizeF(12, 12));
    const int pointPixels = test::countPixels(shot, near, ui::categoryColor(1), 12);
    QVERIFY2(pointPixels >= 4, qPrintable(QString::number(pointPixels)));
    QCOMPARE(test::countPixels(shot, near, ui::categoryColor(0), 12), 0);
    const QRectF trail(x0 - 6, y - 6, x1 - x0 + 12, 12);
    const int trailPixels = test::countPixels(shot, trail, ui::categoryColor(0), 12);
    QVERIFY2(trailPixels >= int(painted) * pointPixels / 2, qPrintable(QString::number(trailPixels)));
    QCOMPARE(test::countPixels(shot, plot, ui::categoryColor(2), 12), 0);

    // A right click on the class-1 point erases it (and only it).
    QTest::mouseClick(&view, Qt::RightButton, {}, a);
    QCOMPARE(view.drawnPoints().size(), painted);
    QVERIFY(drawn.count() >= int(painted) + 2);
    QTest::qWait(60);
    QCOMPARE(test::countPixels(view.grab().toImage(), near, ui::categoryColor(1), 12), 0);

    // What was drawn is the dataset a run gets from the drawn points' name.
    data::DatasetSpec spec;
    spec.name = data::drawnPointsName(view.drawnPoints());
    spec.validation = 0.25;
    const auto chosen = data::chooseDataset(spec);
    QCOMPARE(chosen.train.size() + chosen.evaluation.size(), uint32_t(painted));
    QCOMPARE(data::parseDrawnPoints(spec.name), view.drawnPoints());
  }

  void panelChoosesFoldersFilesAndDrawnPoints() {
    ui::TrainingPanel panel;
    panel.setSettings(persist::TrainingSettings{});
    panel.show();
    QString answer = "/data/my photos";
    QStringList asked;
    panel.setPathPicker([&](const QString& kind) {
      asked << kind;
      return answer;
    });
    auto* chooser = panel.findChild<QComboBox*>("dataset");
    auto* toyPoints = panel.findChild<QSpinBox*>("points");
    auto* limit = panel.findChild<QSpinBox*>("images");
    QVERIFY(chooser && toyPoints && limit);
    choose(chooser, "pick:images");
    QCOMPARE(asked, QStringList{"images"});
    // Passing over an entry with the keys or the wheel opens no dialog and changes nothing.
    chooser->setCurrentIndex(chooser->findData("pick:cifar"));
    QCOMPARE(asked, QStringList{"images"});
    QCOMPARE(chooser->currentData().toString(), QString("images:/data/my photos"));
    QCOMPARE(panel.settings().dataset, std::string("images:/data/my photos"));
    QCOMPARE(chooser->currentData().toString(), QString("images:/data/my photos"));
    QVERIFY(limit->isVisibleTo(&panel) && !toyPoints->isVisibleTo(&panel));  // not a generated toy set

    answer.clear();  // cancelled: the folder chosen before stays
    choose(chooser, "pick:cifar");
    QCOMPARE(panel.settings().dataset, std::string("images:/data/my photos"));
    answer = "/data/p.csv";
    choose(chooser, "pick:points");
    QCOMPARE(panel.settings().dataset, std::string("points:/data/p.csv"));
    QVERIFY(!limit->isVisibleTo(&panel) && !toyPoints->isVisibleTo(&panel));

    // Drawn points show as one entry and survive other edits.
    persist::TrainingSettings drawn;
    drawn.dataset = data::drawnPointsName({{0, 0, 0}, {1, 1, 1}});
    panel.setSettings(drawn);
    QCOMPARE(chooser->currentData().toString(), QString("drawn:"));
    panel.findChild<QSpinBox*>("seed")->setValue(7);
    QMetaObject::invokeMethod(panel.findChild<QSpinBox*>("seed"), "editingFinished");
    QCOMPARE(panel.settings().seed, 7u);
    QCOMPARE(panel.settings().dataset, drawn.dataset);
  }

  void drawnPointsBecomeThePanelsDataset() {
    ui::TrainingPanel panel;
    ui::DecisionBoundaryView view;
    ui::connectPointDrawing(&panel, &view);
    panel.setSettings(persist::TrainingSettings{});
    view.resize(460, 460);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(!view.drawing());
    auto* chooser = panel.findChild<QComboBox*>("dataset");
    choose(chooser, "drawn:");
    QVERIFY(view.drawing());
    QSignalSpy changed(&panel, &ui::TrainingPanel::settingsChanged);
    QTest::keyClick(&view, Qt::Key_3);
    QCOMPARE(view.drawClass(), 3u);
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.plotRect().center().toPoint());
    QTest::keyClick(&view, Qt::Key_1);
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.plotRect().topLeft().toPoint() + QPoint(40, 40));
    QCOMPARE(changed.count(), 2);
    const auto points = data::parseDrawnPoints(panel.settings().dataset);
    QCOMPARE(points, view.drawnPoints());
    QCOMPARE(points.size(), size_t(2));
    QCOMPARE(points[0].label, 3u);
    QCOMPARE(points[1].label, 1u);
    // A run's training part of the points does not replace the drawing.
    view.setData(std::make_shared<data::Dataset>(data::makePointDataset({points[0]}, "train")));
    QCOMPARE(view.dataset()->size(), 2u);
    // Opening an experiment of drawn points shows them; another dataset ends drawing.
    persist::TrainingSettings saved;
    saved.dataset = data::drawnPointsName({{0.5f, 0.5f, 0}, {-0.5f, 0.5f, 1}, {0, -1, 1}});
    panel.setSettings(saved);
    QCOMPARE(view.drawnPoints().size(), size_t(3));
    choose(chooser, "moons");
    QVERIFY(!view.drawing());
  }
};

QTEST_MAIN(TestDatasetsDrawing)
#include "test_datasets_drawing.moc"
