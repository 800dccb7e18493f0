// A layer dragged from the palette onto the canvas with a real QDrag, as a hand does it: the
// palette's own drag (QAbstractItemView starts QDrag::exec on a mouse move) is driven by window
// mouse events fired from a timer while QDrag::exec's loop runs. Needs a real window system:
// CTest runs it under xvfb-run with QT_QPA_PLATFORM=xcb (the offscreen platform's drag is a stub
// that returns at once). test_network_editor covers the drop with hand-made drag events.
#include "editor/layer_palette.h"
#include "editor/network_editor.h"
#include "nn/network_text.h"

#include <QApplication>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <functional>

using namespace gradlab;
using namespace gradlab::ui;

namespace {

// Runs `steps` one after another, one every 50 ms, from the event loop (inside QDrag::exec's).
class Script : public QObject {
 public:
  explicit Script(std::vector<std::function<void()>> steps) : steps_(std::move(steps)) {
    timer_.setInterval(50);
    connect(&timer_, &QTimer::timeout, this, [this] {
      if (next_ < steps_.size())
        steps_[next_++]();
      else
        timer_.stop();
    });
    timer_.start();
  }
  bool done() const { return next_ == steps_.size(); }

 private:
  std::vector<std::function<void()>> steps_;
  size_t next_ = 0;
  QTimer timer_;
};

}  // namespace

class TestEditorDragXvfb : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    if (QGuiApplication::platformName() != "xcb")
      QSKIP("a real QDrag needs a window system: run under xvfb-run with QT_QPA_PLATFORM=xcb (CTest does)");
  }

  void realDragFromThePaletteAddsTheLayer() {
    QWidget window;
    auto* layout = new QHBoxLayout(&window);
    auto* palette = new LayerPalette(&window);
    auto* editor = new NetworkEditor(&window);
    layout->addWidget(palette);
    layout->addWidget(editor, 1);
    window.resize(1000, 600);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    editor->setGraph(nn::parseNetwork("input x: 1x28x28\n").graph);

    QWindow* handle = window.windowHandle();
    QTreeWidget* tree = palette->tree();
    QTreeWidgetItem* item = palette->itemFor("ReLU");
    QVERIFY(item);
    tree->scrollToItem(item);
    QTest::qWait(50);
    const QPoint start = tree->viewport()->mapTo(&window, tree->visualItemRect(item).center());
    QWidget* canvas = editor->view()->viewport();
    const QPoint target = canvas->mapTo(&window, canvas->rect().center() + QPoint(60, 40));
    const QPoint halfway = (start + target) / 2;
    const QPointF dropped = editor->view()->mapToScene(canvas->mapFrom(&window, target));

    // The press, then a move past the drag distance: the palette calls QDrag::exec, whose loop
    // receives the moves and the release from the timer. Only a drop adds a node: the canvas
    // ignores plain mouse moves and releases.
    Script script({[&] { QTest::mouseMove(handle, halfway); }, [&] { QTest::mouseMove(handle, target - QPoint(5, 5)); },
                   [&] { QTest::mouseMove(handle, target); },
                   [&] { QTest::mouseRelease(handle, Qt::LeftButton, Qt::NoModifier, target); }});
    QTest::mousePress(handle, Qt::LeftButton, Qt::NoModifier, start);
    QTest::mouseMove(handle, start + QPoint(QApplication::startDragDistance() + 4, 0));
    QTest::mouseMove(handle, start + QPoint(2 * QApplication::startDragDistance() + 8, 0));
    QTRY_VERIFY_WITH_TIMEOUT(script.done(), 10000);

    QVERIFY2(editor->graph().find("relu_1"), nn::printNetwork(editor->graph()).c_str());
    QCOMPARE(editor->graph().find("relu_1")->type, std::string("ReLU"));
    // It landed where it was dropped.
    QVERIFY2(QLineF(editor->positions().at("relu_1"), dropped).length() < 2.0,
             qPrintable(QString("at %1,%2, dropped at %3,%4")
                            .arg(editor->positions().at("relu_1").x())
                            .arg(editor->positions().at("relu_1").y())
                            .arg(dropped.x())
                            .arg(dropped.y())));
    // And the view did not move: the new box is under the cursor that let it go.
    const QPoint shown = editor->view()->mapFromScene(editor->positions().at("relu_1"));
    QVERIFY2((shown - canvas->mapFrom(&window, target)).manhattanLength() <= 2,
             qPrintable(QString("shows at %1,%2").arg(shown.x()).arg(shown.y())));
  }
};

QTEST_MAIN(TestEditorDragXvfb)
#include "test_editor_drag_xvfb.moc"
