// The network editor driven as a teacher would: layers dropped from the palette, ports dragged
// onto ports, undo and redo, a shape error flagged with the engine's message, copy and paste,
// delete, the inspector and the text view; every preset network round-trips exactly. Screenshots
// of LeNet-5 and the residual CNN are written for people to look at.
#include "editor/edge_item.h"
#include "editor/graph_edits.h"
#include "editor/layer_inspector.h"
#include "editor/layer_palette.h"
#include "editor/layer_style.h"
#include "editor/network_editor.h"
#include "editor/network_text_view.h"
#include "editor/node_item.h"
#include "editor/param_fields.h"
#include "nn/network_text.h"
#include "support/ui_test.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QGraphicsView>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QTest>
#include <QTreeWidget>
#include <QUndoStack>
#include <QWheelEvent>

using namespace gradlab;
using namespace gradlab::ui;

namespace {

nn::Graph parse(const std::string& text) {
  nn::ParsedNetwork parsed = nn::parseNetwork(text);
  if (!parsed.ok()) qFatal("test network does not parse: %s", parsed.errors.front().text().c_str());
  return parsed.graph;
}

nn::Graph preset(const QString& name) {
  QFile file(":/networks/" + name + ".net");
  if (!file.open(QIODevice::ReadOnly)) qFatal("no preset %s", qPrintable(name));
  return parse(file.readAll().toStdString());
}

const nn::Node& node(const nn::Graph& g, const std::string& name) {
  const nn::Node* n = g.find(name);
  if (!n) qFatal("no node %s", name.c_str());
  return *n;
}

std::string param(const nn::Graph& g, const std::string& name, const std::string& key) {
  for (const auto& [k, v] : node(g, name).params)
    if (k == key) return v;
  return {};
}

QPoint onViewport(NetworkEditor& e, QPointF scene) { return e.view()->mapFromScene(scene); }

// What the palette puts into a drag of `type`.
QMimeData* paletteMime(LayerPalette& palette, const QString& type) {
  QTreeWidgetItem* item = palette.itemFor(type);
  if (!item) return nullptr;
  const QModelIndex index = palette.tree()->indexFromItem(item);
  return palette.tree()->model()->mimeData({index});
}

// A drag from the palette entering, moving over and dropping onto the canvas at `at`.
bool dropOnto(NetworkEditor& e, QMimeData* mime, QPoint at) {
  QWidget* viewport = e.view()->viewport();
  QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(viewport, &enter);
  if (!enter.isAccepted()) return false;
  QDragMoveEvent move(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(viewport, &move);
  QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(viewport, &drop);
  return drop.isAccepted();
}

// A mouse drag on the canvas between two scene points, as a hand would do it.
void drag(NetworkEditor& e, QPointF fromScene, QPointF toScene) {
  QWidget* viewport = e.view()->viewport();
  const QPoint a = onViewport(e, fromScene), b = onViewport(e, toScene);
  QTest::mousePress(viewport, Qt::LeftButton, Qt::NoModifier, a);
  QTest::mouseMove(viewport, (a + b) / 2);
  QTest::mouseMove(viewport, b);
  QTest::mouseRelease(viewport, Qt::LeftButton, Qt::NoModifier, b);
}

void connectPorts(NetworkEditor& e, const QString& from, const QString& to, int slot) {
  drag(e, e.nodeItem(from)->outputPortPos(), e.nodeItem(to)->inputPortPos(slot));
}

// How many pixels of the box of `name` (and just around it) are the editor's error red.
int redPixels(NetworkEditor& e, const QString& name) {
  const QRectF box = e.nodeItem(name)->sceneBoundingRect().adjusted(-2, -2, 2, 2);
  QImage image(box.size().toSize() * 2, QImage::Format_ARGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  e.scene()->render(&painter, QRectF(QPointF(), image.size()), box);
  painter.end();
  int red = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (c.red() > 180 && c.green() < 90 && c.blue() < 90) ++red;
    }
  return red;
}

const char* kInputOnly = "input x: 1x28x28\n";

}  // namespace

// What a screenshot of the editor shows, read off its pixels: every node's box inside the canvas
// with its family's colour along it; every edge labelled with the engine's shape whole, its label
// drawn inside the canvas; a dark palette gives a dark canvas and dark boxes, a light one light.
void checkEditorShows(QWidget& window, NetworkEditor& editor, bool dark) {
  const QImage shot = window.grab().toImage();
  const QGraphicsView& view = *editor.view();
  const QRectF canvas = test::rectIn(*view.viewport(), window);
  const QPalette palette = view.palette();
  for (const auto& node : editor.graph().nodes) {
    const NodeItem* item = editor.nodeItem(QString::fromStdString(node.name));
    QVERIFY2(item, node.name.c_str());
    const QRectF box = test::sceneRectIn(view, item->sceneBoundingRect(), window);
    QVERIFY2(canvas.contains(box), node.name.c_str());
    const int accent = test::countPixels(shot, box, familyAccent(item->content().category), 30);
    QVERIFY2(accent > box.height() / 2, qPrintable(QString("%1: %2 accent pixels").arg(node.name.c_str()).arg(accent)));
    const int fill = test::countPixels(shot, box, palette.color(QPalette::Base), 12);
    QVERIFY2(fill > box.width() * box.height() / 4,
             qPrintable(QString("%1: %2 box pixels").arg(node.name.c_str()).arg(fill)));
  }
  const auto& shapes = editor.analysis().shapes;
  for (const EdgeItem* edge : editor.edgeItems()) {
    const auto shape = shapes.find(edge->from()->name().toStdString());
    QVERIFY(shape != shapes.end());
    QCOMPARE(edge->label(), shapeText(shape->second));
    const QPointF at = test::sceneRectIn(view, QRectF(edge->labelPos(), QSizeF(0, 0)), window).topLeft();
    QVERIFY2(canvas.contains(at), qPrintable(edge->label()));
    const int ink =
        test::countPixels(shot, QRectF(at - QPointF(6, 3), QSizeF(12, 6)), palette.color(QPalette::Text), 150);
    QVERIFY2(ink > 0, qPrintable(edge->label()));
  }
  const double light = test::meanLightness(shot, canvas);
  QVERIFY2(dark ? light < 80 : light > 180, qPrintable(QString("canvas lightness %1").arg(light)));
}

class TestNetworkEditor : public QObject {
  Q_OBJECT

 private slots:
  // A field of the inspector and the network text word a bad value alike (nn::valueProblem): a
  // required value missing, and a number out of range.
  void inspectorAndTextWordABadValueAlike() {
    const nn::ParamDef& def = nn::findLayer("Linear")->params.front();
    QCOMPARE(def.name, std::string("out_features"));
    auto textProblem = [](const std::string& arguments) {
      const nn::ParsedNetwork parsed =
          nn::parseNetwork("input x: 4\nh = Linear(x" + arguments + ")\nloss = CrossEntropyLoss(h)\n");
      for (const auto& issue : nn::analyze(parsed.graph).issues)
        if (issue.node.starts_with("h")) return QString::fromStdString(issue.message);
      return QString();
    };
    std::unique_ptr<ParamField> field(ParamField::create(def, nullptr));
    field->show();
    field->setValueText("");
    QVERIFY(!field->problem().isEmpty());
    QCOMPARE(field->problem(), textProblem(""));
    auto* spin = qobject_cast<QSpinBox*>(field->editor());
    spin->setFocus();
    spin->selectAll();
    QTest::keyClicks(spin, "0");
    QVERIFY(!field->problem().isEmpty());
    QCOMPARE(field->problem(), textProblem(", out_features=0"));
  }

  void paletteListsTheCatalogInGroups() {
    LayerPalette palette;
    QStringList all = palette.visibleTypes();
    QCOMPARE(all.front(), kInputType);
    for (const auto& def : nn::layerCatalog())
      QVERIFY2(all.contains(QString::fromStdString(def.type)), def.type.c_str());
    QCOMPARE(all.size(), int(nn::layerCatalog().size()) + 1);
    QStringList groups;
    for (int i = 0; i < palette.tree()->topLevelItemCount(); ++i) groups << palette.tree()->topLevelItem(i)->text(0);
    QCOMPARE(groups, (QStringList{"Input", "Dense & Convolution", "Pooling", "Activations", "Normalization",
                                  "Regularization", "Structure", "Losses"}));
    QVERIFY(palette.itemFor("Conv2d")->toolTip(0).contains("convolution"));
    QCOMPARE(palette.itemFor("Dropout")->parent()->text(0), QString("Regularization"));
    palette.setFilter("relu");
    QCOMPARE(palette.visibleTypes(), (QStringList{"ReLU", "LeakyReLU", "PReLU"}));
    palette.setFilter("");
    QCOMPARE(palette.visibleTypes(), all);
    std::unique_ptr<QMimeData> mime(paletteMime(palette, "MaxPool2d"));
    QCOMPARE(QString::fromUtf8(mime->data(kLayerMimeType)), QString("MaxPool2d"));
  }

  void droppingAPaletteLayerCreatesANodeAtTheDropPoint() {
    LayerPalette palette;
    NetworkEditor editor;
    editor.resize(800, 600);
    editor.show();
    editor.setGraph(parse(kInputOnly));
    QSignalSpy changed(&editor, &NetworkEditor::graphChanged);
    const QPoint at(500, 300);
    std::unique_ptr<QMimeData> mime(paletteMime(palette, "Conv2d"));
    QVERIFY(dropOnto(editor, mime.get(), at));
    QCOMPARE(changed.count(), 1);
    QVERIFY(editor.graph().find("conv2d_1"));
    QCOMPARE(node(editor.graph(), "conv2d_1").type, std::string("Conv2d"));
    const QPointF where = editor.positions().at("conv2d_1");
    QVERIFY(QLineF(where, editor.view()->mapToScene(at)).length() < 1.0);
    QVERIFY(editor.nodeItem("conv2d_1"));
    QCOMPARE(editor.selectedName(), QString("conv2d_1"));
    // A second drop gets a fresh name; the new, unconnected node is flagged until it is wired.
    QVERIFY(dropOnto(editor, mime.get(), at + QPoint(0, 120)));
    QVERIFY(editor.graph().find("conv2d_2"));
    QVERIFY(!editor.trainable());
    QVERIFY(!editor.nodeItem("conv2d_2")->content().errors.isEmpty());
    // Something that is not a layer is refused.
    QMimeData text;
    text.setText("Conv2d");
    QVERIFY(!dropOnto(editor, &text, at));
    QCOMPARE(editor.graph().nodes.size(), size_t(2));
    editor.undoStack()->undo();
    editor.undoStack()->undo();
    QCOMPARE(editor.graph(), parse(kInputOnly));
  }

  // The view stays still under a drop: the new box's centre is where the cursor let go.
  void aDroppedLayerLandsUnderTheCursor() {
    LayerPalette palette;
    NetworkEditor editor;
    editor.resize(800, 600);
    editor.show();
    editor.setGraph(parse(kInputOnly));
    std::unique_ptr<QMimeData> mime(paletteMime(palette, "Linear"));
    for (const QPoint at : {QPoint(700, 80), QPoint(90, 560), QPoint(720, 540)}) {
      const QString name = QString("linear_%1").arg(editor.graph().nodes.size() + 1);
      QVERIFY(dropOnto(editor, mime.get(), at));
      QTest::qWait(50);  // the scene grows and the view follows on the next turns of the event loop
      const QPoint shown = onViewport(editor, editor.nodeItem(name)->scenePos());
      QVERIFY2((shown - at).manhattanLength() <= 2, qPrintable(QString("%1 dropped at %2,%3 shows at %4,%5")
                                                                   .arg(name)
                                                                   .arg(at.x())
                                                                   .arg(at.y())
                                                                   .arg(shown.x())
                                                                   .arg(shown.y())));
    }
  }

  // Onto a connection the layer goes into it; near an output it follows that layer; elsewhere it
  // stays unconnected. Each is one undo step.
  void aLayerDroppedOntoAConnectionOrNearAnOutputIsConnected() {
    LayerPalette palette;
    NetworkEditor editor;
    editor.resize(900, 700);
    editor.show();
    editor.setGraph(parse("input x: 4\nh = Linear(x, out_features=3)\n"), {{"x", {0, 0}}, {"h", {0, 240}}});
    std::unique_ptr<QMimeData> relu(paletteMime(palette, "ReLU"));
    const QPointF middle = (editor.nodeItem("x")->outputPortPos() + editor.nodeItem("h")->inputPortPos(0)) / 2;
    QVERIFY(dropOnto(editor, relu.get(), onViewport(editor, middle + QPointF(0, -30))));
    QCOMPARE(node(editor.graph(), "relu_1").inputs, std::vector<std::string>{"x"});
    QCOMPARE(node(editor.graph(), "h").inputs, std::vector<std::string>{"relu_1"});
    std::unique_ptr<QMimeData> dropout(paletteMime(palette, "Dropout"));
    QVERIFY(
        dropOnto(editor, dropout.get(), onViewport(editor, editor.nodeItem("h")->outputPortPos() + QPointF(8, 30))));
    QCOMPARE(node(editor.graph(), "dropout_1").inputs, std::vector<std::string>{"h"});
    QVERIFY(dropOnto(editor, dropout.get(), onViewport(editor, QPointF(400, 0))));
    QVERIFY(node(editor.graph(), "dropout_2").inputs.empty());
    editor.undoStack()->undo();
    editor.undoStack()->undo();
    editor.undoStack()->undo();
    QCOMPARE(editor.graph(), parse("input x: 4\nh = Linear(x, out_features=3)\n"));
  }

  // As a network opens, even in a small canvas, node text is at least 9 pt and every port is a
  // target at least 10 px across, whatever the application's font.
  void nodeTextAndPortsStayReadableAndHittable() {
    const QFont before = QApplication::font();
    QFont tiny = before;
    tiny.setPointSizeF(7);
    QApplication::setFont(tiny);
    NetworkEditor editor;
    editor.resize(420, 260);
    editor.show();
    editor.setGraph(preset("lenet5"));
    const double scale = editor.view()->transform().m11();
    QVERIFY2(NodeItem::detailFont().pointSizeF() * scale >= kCanvasMinPointSize - 1e-9,
             qPrintable(QString("%1 pt at %2").arg(NodeItem::detailFont().pointSizeF()).arg(scale)));
    for (const auto& n : editor.graph().nodes) {
      const PortItem* port = editor.nodeItem(QString::fromStdString(n.name))->inputPort(0);
      QVERIFY(port);
      QVERIFY2(port->shape().boundingRect().width() * scale >= 10, n.name.c_str());
    }
    QApplication::setFont(before);
  }

  void draggingFromPortToPortConnects() {
    NetworkEditor editor;
    editor.resize(900, 700);
    editor.show();
    editor.setGraph(parse("input x: 1x28x28\nc = Conv2d(out_channels=4, kernel_size=3, padding=1)\nr = ReLU()\n"
                          "s = Add()\n"),
                    {{"x", {0, 0}}, {"c", {-160, 150}}, {"r", {-160, 300}}, {"s", {60, 450}}});
    connectPorts(editor, "x", "c", 0);
    QCOMPARE(node(editor.graph(), "c").inputs, std::vector<std::string>{"x"});
    // Dragging backwards, from an input port to an output port, connects too.
    drag(editor, editor.nodeItem("r")->inputPortPos(0), editor.nodeItem("c")->outputPortPos());
    QCOMPARE(node(editor.graph(), "r").inputs, std::vector<std::string>{"c"});
    // Add takes two inputs: each connection opens the next port.
    connectPorts(editor, "r", "s", 0);
    connectPorts(editor, "c", "s", 1);
    QCOMPARE(node(editor.graph(), "s").inputs, (std::vector<std::string>{"r", "c"}));
    QCOMPARE(editor.nodeItem("s")->content().inputSlots, 3);
    // Edges carry one sample's shape.
    QStringList labels;
    for (EdgeItem* edge : editor.edgeItems()) labels << edge->label();
    labels.sort();
    QCOMPARE(labels, (QStringList{"1×28×28", "4×28×28", "4×28×28", "4×28×28"}));
    // A cycle is refused with a reason.
    QSignalSpy refused(&editor, &NetworkEditor::statusMessage);
    connectPorts(editor, "s", "c", 0);
    QCOMPARE(refused.count(), 1);
    QVERIFY(refused.front().front().toString().contains("cycle"));
    QCOMPARE(node(editor.graph(), "c").inputs, std::vector<std::string>{"x"});
    // Pulling a connected input into empty space disconnects it.
    drag(editor, editor.nodeItem("r")->inputPortPos(0), editor.nodeItem("r")->inputPortPos(0) + QPointF(-300, -40));
    QVERIFY(node(editor.graph(), "r").inputs.empty());
    QCOMPARE(editor.undoStack()->count(), 5);
  }

  void undoAndRedoRestoreEveryGraph() {
    NetworkEditor editor;
    editor.resize(900, 700);
    editor.show();
    editor.setGraph(parse(kInputOnly));
    QCOMPARE(editor.undoStack()->count(), 0);
    std::vector<nn::Graph> history{editor.graph()};
    std::vector<Positions> placed{editor.positions()};
    auto record = [&] {
      history.push_back(editor.graph());
      placed.push_back(editor.positions());
    };
    const QString flat = editor.addLayer("Flatten", {0, 120});
    record();
    QCOMPARE(editor.connectLayers("x", flat, 0), QString());
    record();
    const QString linear = editor.addLayer("Linear", {0, 240});
    record();
    editor.connectLayers(flat, linear, 0);
    record();
    editor.setParam(linear, "out_features", "10");
    record();
    editor.setParam(linear, "out_features", "12");  // the same field again: one undo step
    history.back() = editor.graph();
    const QString loss = editor.addLayer("CrossEntropyLoss", {0, 360});
    record();
    editor.connectLayers(linear, loss, 0);
    record();
    QCOMPARE(editor.renameLayer(linear, "logits"), QString());
    record();
    editor.autoArrange();
    record();
    QVERIFY2(editor.trainable(), qPrintable(editor.problem()));
    QCOMPARE(editor.problem(), QString());
    QCOMPARE(editor.undoStack()->count(), int(history.size()) - 1);
    for (size_t i = history.size() - 1; i-- > 0;) {
      editor.undoStack()->undo();
      QCOMPARE(editor.graph(), history[i]);
      QCOMPARE(editor.positions(), placed[i]);
    }
    for (size_t i = 1; i < history.size(); ++i) {
      editor.undoStack()->redo();
      QCOMPARE(editor.graph(), history[i]);
    }
    QCOMPARE(param(editor.graph(), "logits", "out_features"), std::string("12"));
  }

  void aShapeErrorIsFlaggedWithTheEnginesMessage() {
    NetworkEditor editor;
    editor.resize(900, 700);
    editor.show();
    const nn::Graph good = parse(
        "input x: 1x28x28\nc = Conv2d(x, out_channels=1, kernel_size=3, padding=1)\n"
        "s = Add(c, x)\nf = Flatten(s)\nlogits = Linear(f, out_features=10)\n"
        "loss = CrossEntropyLoss(logits)\n");
    editor.setGraph(good);
    QVERIFY2(editor.trainable(), qPrintable(editor.problem()));
    QCOMPARE(redPixels(editor, "s"), 0);
    // Without padding the convolution shrinks the image: the residual sum no longer fits.
    editor.setParam("c", "padding", "0");
    const nn::GraphAnalysis expected = nn::analyze(editor.graph());
    QString engineMessage;
    for (const auto& issue : expected.issues)
      if (issue.node == "s (Add)") engineMessage = QString::fromStdString(issue.message);
    QCOMPARE(engineMessage, QString("Add needs inputs of one shape, got 1x26x26 and 1x28x28"));
    QVERIFY(!editor.trainable());
    QVERIFY(editor.problem().contains(engineMessage));
    QCOMPARE(editor.nodeItem("s")->content().errors, engineMessage);
    QVERIFY(editor.nodeItem("s")->toolTip().contains(engineMessage));
    QVERIFY(editor.messageText().contains(engineMessage));
    QVERIFY(redPixels(editor, "s") > 100);  // outlined red
    QCOMPARE(redPixels(editor, "f"), 0);
    editor.undoStack()->undo();
    QVERIFY(editor.trainable());
    QVERIFY(editor.nodeItem("s")->content().errors.isEmpty());
    QVERIFY(editor.messageText().startsWith("Network valid"));
  }

  void copyAndPasteMakeRenamedCopies() {
    NetworkEditor editor;
    editor.resize(900, 700);
    editor.show();
    const nn::Graph lenet = preset("lenet5");
    editor.setGraph(lenet);
    editor.select({"c1", "a1"});
    editor.action("editCopy")->trigger();
    editor.action("editPaste")->trigger();
    nn::Graph g = editor.graph();
    QCOMPARE(g.nodes.size(), lenet.nodes.size() + 2);
    QCOMPARE(node(g, "c1_2").params, node(lenet, "c1").params);
    QVERIFY(node(g, "c1_2").inputs.empty());  // its input was not copied
    QCOMPARE(node(g, "a1_2").inputs, std::vector<std::string>{"c1_2"});
    QCOMPARE(editor.selectedNames(), (QStringList{"a1_2", "c1_2"}));
    QCOMPARE(editor.positions().at("c1_2"), editor.positions().at("c1") + QPointF(40, 40));
    editor.paste();
    QVERIFY(editor.graph().find("c1_3") && editor.graph().find("a1_3"));
    editor.undoStack()->undo();
    editor.undoStack()->undo();
    QCOMPARE(editor.graph(), lenet);
  }

  void deleteRemovesLayersAndTheirConnections() {
    NetworkEditor editor;
    editor.resize(900, 700);
    editor.show();
    QVERIFY(QTest::qWaitForWindowActive(&editor));
    const nn::Graph lenet = preset("lenet5");
    editor.setGraph(lenet);
    QTest::mouseClick(editor.view()->viewport(), Qt::LeftButton, Qt::NoModifier,
                      onViewport(editor, editor.positions().at("a1")));
    QCOMPARE(editor.selectedName(), QString("a1"));
    QTest::keyClick(editor.view(), Qt::Key_Delete);  // the editor's shortcut, as a user presses it
    QVERIFY(!editor.graph().find("a1"));
    QVERIFY(node(editor.graph(), "s2").inputs.empty());
    QVERIFY(!editor.trainable());
    QVERIFY(editor.problem().contains("s2 (AvgPool2d)"));
    QTest::keyClick(editor.view(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(editor.graph(), lenet);
    // A selected connection alone is disconnected. (Undo selected a1 again, as it was before.)
    QCOMPARE(editor.selectedNames(), QStringList{"a1"});
    editor.select({});
    for (EdgeItem* edge : editor.edgeItems())
      if (edge->to()->name() == "f5") edge->setSelected(true);
    editor.deleteSelection();
    QVERIFY(node(editor.graph(), "f5").inputs.empty());
    QCOMPARE(editor.graph().nodes.size(), lenet.nodes.size());
    // Select all, delete all, undo.
    editor.action("editSelectAll")->trigger();
    QCOMPARE(editor.selectedNames().size(), int(lenet.nodes.size() + 1));
    editor.deleteSelection();
    QVERIFY(editor.graph().nodes.empty() && editor.graph().inputs.empty());
    QVERIFY(editor.edgeItems().isEmpty());
    editor.undoStack()->undo();
    editor.undoStack()->undo();
    QCOMPARE(editor.graph(), lenet);
  }

  void movesAndAutoArrangeAreUndoable() {
    NetworkEditor editor;
    editor.resize(900, 900);
    editor.show();
    editor.setGraph(preset("mlp_784_256_10"));
    const Positions arranged = editor.positions();
    const QPointF start = arranged.at("h1");       // the box's centre
    const QPointF grab = start + QPointF(-60, 0);  // on its body, away from the ports
    drag(editor, grab, grab + QPointF(200, 40));
    const QPointF moved = editor.positions().at("h1");
    // The mouse moves in whole pixels of the (zoomed) view.
    const QPointF by = editor.view()->mapToScene(onViewport(editor, grab + QPointF(200, 40))) -
                       editor.view()->mapToScene(onViewport(editor, grab));
    QVERIFY2(QLineF(moved, start + by).length() < 0.01, qPrintable(QString("%1,%2").arg(moved.x()).arg(moved.y())));
    QCOMPARE(editor.undoStack()->count(), 1);
    editor.autoArrange();
    QCOMPARE(editor.positions(), arranged);
    editor.undoStack()->undo();
    QCOMPARE(editor.positions().at("h1"), moved);
    editor.undoStack()->undo();
    QCOMPARE(editor.positions(), arranged);
    // Left to right: the flow runs along x.
    editor.setDirection(LayoutDirection::LeftToRight);
    QVERIFY(editor.positions().at("loss").x() > editor.positions().at("x").x() + 500);
    QCOMPARE(editor.positions().at("loss").y(), editor.positions().at("x").y());
  }

  void inspectorEditsAreValidatedAndUndoable() {
    QWidget window;
    auto* split = new QSplitter(&window);
    auto* editorWidget = new NetworkEditor;
    auto* inspectorWidget = new LayerInspector(editorWidget);
    split->addWidget(editorWidget);
    split->addWidget(inspectorWidget);
    window.resize(1100, 700);
    split->resize(window.size());
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    NetworkEditor& editor = *editorWidget;
    LayerInspector& inspector = *inspectorWidget;
    const nn::Graph lenet = preset("lenet5");
    editor.setGraph(lenet);
    QCOMPARE(inspector.node(), QString());
    editor.select({"c1"});
    QCOMPARE(inspector.node(), QString("c1"));
    // Every hyper-parameter of Conv2d, with an editor fitting its kind.
    for (const auto& p : nn::findLayer("Conv2d")->params)
      QVERIFY2(inspector.paramField(QString::fromStdString(p.name)), p.name.c_str());
    QVERIFY(qobject_cast<QSpinBox*>(inspector.paramField("kernel_size")->editor()));
    QVERIFY(qobject_cast<QDoubleSpinBox*>(inspector.paramField("init_std")->editor()));
    QVERIFY(qobject_cast<QComboBox*>(inspector.paramField("init")->editor()));
    QVERIFY(qobject_cast<QCheckBox*>(inspector.paramField("bias")->editor()));
    auto* channels = qobject_cast<QSpinBox*>(inspector.paramField("out_channels")->editor());
    QCOMPARE(channels->value(), 6);

    // Typed out-of-range text turns red with the engine's reason and is not applied.
    channels->setFocus();
    channels->selectAll();
    QTest::keyClicks(channels, "0");
    QCOMPARE(inspector.problem("out_channels"), QString("out_channels = 0 is outside [1, 4096]"));
    QCOMPARE(editor.graph(), lenet);
    QTest::keyClick(channels, Qt::Key_Backspace);
    QTest::keyClicks(channels, "8");
    QTest::keyClick(channels, Qt::Key_Return);
    QCOMPARE(inspector.problem("out_channels"), QString());
    QCOMPARE(param(editor.graph(), "c1", "out_channels"), std::string("8"));
    QCOMPARE(editor.analysis().shapes.at("c1"), (nn::Shape{8, 28, 28}));
    QCOMPARE(editor.nodeItem("c3")->content().count, QString("3,216 params"));  // 16 x 8 x 5 x 5 + 16

    // Real, choice and flag hyper-parameters.
    qobject_cast<QComboBox*>(inspector.paramField("init")->editor())->setCurrentText("xavier_uniform");
    qobject_cast<QCheckBox*>(inspector.paramField("bias")->editor())->setChecked(false);
    auto* initStd = qobject_cast<QDoubleSpinBox*>(inspector.paramField("init_std")->editor());
    initStd->setValue(0.02);
    QCOMPARE(param(editor.graph(), "c1", "init"), std::string("xavier_uniform"));
    QCOMPARE(param(editor.graph(), "c1", "bias"), std::string("false"));
    QCOMPARE(param(editor.graph(), "c1", "init_std"), std::string("0.02"));
    QCOMPARE(initStd->text(), QString("0.02"));

    // The name: a used one is refused with the reason, a free one renames every reference.
    QLineEdit* name = inspector.nameField();
    name->setFocus();
    name->selectAll();
    QTest::keyClicks(name, "c3");
    QCOMPARE(inspector.problem("name"), QString("the name c3 is already used"));
    name->selectAll();
    QTest::keyClicks(name, "9lives");
    QVERIFY(inspector.problem("name").contains("not a valid name"));
    name->selectAll();
    QTest::keyClicks(name, "conv1");
    QTest::keyClick(name, Qt::Key_Return);
    QVERIFY(editor.graph().find("conv1") && !editor.graph().find("c1"));
    QCOMPARE(node(editor.graph(), "a1").inputs, std::vector<std::string>{"conv1"});
    QCOMPARE(inspector.node(), QString("conv1"));

    // Each change was one step: undo them all.
    while (editor.undoStack()->canUndo()) editor.undoStack()->undo();
    QCOMPARE(editor.graph(), lenet);

    // An input shows its shape; a bad shape is refused with the reason.
    editor.select({"x"});
    QCOMPARE(inspector.shapeField()->text(), QString("1x28x28"));
    inspector.shapeField()->setFocus();
    inspector.shapeField()->selectAll();
    QTest::keyClicks(inspector.shapeField(), "2x3");
    QVERIFY(inspector.problem("shape").contains("channels x height x width"));
    inspector.shapeField()->selectAll();
    QTest::keyClicks(inspector.shapeField(), "1x32x32");
    QTest::keyClick(inspector.shapeField(), Qt::Key_Return);
    QCOMPARE(editor.graph().inputs.front().shape, (nn::Shape{1, 32, 32}));
    QCOMPARE(editor.analysis().shapes.at("c1"), (nn::Shape{6, 32, 32}));
  }

  // The inspector's fields take the wheel only with focus: a wheel turned to scroll the
  // inspector past them changes no layer.
  // Only the fields that mean something under the others' values are shown, each appearing with
  // its choice; a default that stands for something says what ("= kernel size", not 0); and no
  // field moves as messages come and go: they have a fixed area under the fields.
  void inspectorShowsRelevantFieldsInAStableLayout() {
    QWidget window;
    auto* split = new QSplitter(&window);
    auto* editor = new NetworkEditor;
    auto* inspector = new LayerInspector(editor);
    split->addWidget(editor);
    split->addWidget(inspector);
    window.resize(1100, 700);
    split->resize(window.size());
    window.show();
    editor->setGraph(preset("lenet5"));
    editor->select({"c1"});
    auto shown = [&](const QStringList& keys) {
      QStringList wrong;
      for (const auto& p : nn::findLayer("Conv2d")->params) {
        const QString key = QString::fromStdString(p.name);
        if (inspector->fieldShown(key) != keys.contains(key)) wrong << key;
      }
      return wrong.join(", ");
    };
    const QStringList always{"out_channels", "kernel_size", "stride", "padding",  "dilation",
                             "groups",       "init",        "bias",   "bias_init"};
    QStringList expected = always;
    for (const auto& p : nn::findLayer("Conv2d")->params)  // any the catalog adds that depend on nothing
      if (!QString::fromStdString(p.name).startsWith("init_") && p.name != "bias_init" &&
          !expected.contains(QString::fromStdString(p.name)))
        expected << QString::fromStdString(p.name);
    QCOMPARE(shown(expected), QString());
    auto* init = qobject_cast<QComboBox*>(inspector->paramField("init")->editor());
    init->setCurrentText("normal");
    QCOMPARE(shown(expected + QStringList{"init_std"}), QString());
    init->setCurrentText("kaiming_normal");
    QCOMPARE(shown(expected + QStringList{"init_mode", "init_nonlinearity"}), QString());
    qobject_cast<QCheckBox*>(inspector->paramField("bias")->editor())->setChecked(false);
    QStringList noBias = expected;
    noBias.removeAll("bias_init");
    QCOMPARE(shown(noBias + QStringList{"init_mode", "init_nonlinearity"}), QString());

    // Where every field is, relative to the inspector, must not change as messages come and go.
    auto places = [&] {
      QTest::qWait(20);  // the form lays its rows out again
      QStringList at;
      for (const auto& p : nn::findLayer("Conv2d")->params) {
        const ParamField* f = inspector->paramField(QString::fromStdString(p.name));
        if (inspector->fieldShown(QString::fromStdString(p.name)))
          at << QString("%1@%2").arg(p.name.c_str()).arg(f->mapTo(inspector, QPoint()).y());
      }
      return at.join(" ");
    };
    const QString before = places();
    auto* channels = qobject_cast<QSpinBox*>(inspector->paramField("out_channels")->editor());
    channels->setFocus();
    channels->selectAll();
    QTest::keyClicks(channels, "0");
    QVERIFY(inspector->messageText().contains("out_channels = 0 is outside"));
    QCOMPARE(places(), before);
    auto* kernel = qobject_cast<QSpinBox*>(inspector->paramField("kernel_size")->editor());
    kernel->setValue(40);  // larger than the image: the engine's message about c1
    QVERIFY2(!editor->problem().isEmpty(), "no shape error");
    QVERIFY(inspector->messageText().contains("c1") || inspector->messageText().contains("kernel"));
    QCOMPARE(places(), before);
    kernel->setValue(5);
    QTest::keyClick(channels, Qt::Key_Backspace);
    QTest::keyClicks(channels, "6");
    QTest::keyClick(channels, Qt::Key_Return);
    QCOMPARE(inspector->messageText(), QString());
    QCOMPARE(places(), before);

    // A pooling stride of 0 means the kernel size, and says so.
    editor->select({"s2"});
    auto* stride = qobject_cast<QSpinBox*>(inspector->paramField("stride")->editor());
    QCOMPARE(stride->value(), 0);
    QCOMPARE(stride->text(), QString("= kernel size"));
  }

  void inspectorFieldsIgnoreTheWheelWithoutFocus() {
    QWidget window;
    auto* split = new QSplitter(&window);
    auto* editorWidget = new NetworkEditor;
    auto* inspector = new LayerInspector(editorWidget);
    split->addWidget(editorWidget);
    split->addWidget(inspector);
    window.resize(1100, 700);
    split->resize(window.size());
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    editorWidget->setGraph(preset("lenet5"));
    editorWidget->select({"c1"});
    editorWidget->view()->setFocus();
    const nn::Graph before = editorWidget->graph();
    for (const char* name : {"out_channels", "init_std", "init"}) {
      QWidget* field = inspector->paramField(name)->editor();
      const QPointF centre(field->width() / 2.0, field->height() / 2.0);
      QWheelEvent e(centre, field->mapToGlobal(centre), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
      QApplication::sendEvent(field, &e);
    }
    QVERIFY(editorWidget->graph() == before);
    QCOMPARE(editorWidget->undoStack()->count(), 0);
  }

  // A placeholder in place of the canvas says what is shown instead of a network; a graph, or a
  // layer added, brings the canvas back.
  void placeholderGivesWayToANetwork() {
    NetworkEditor editor;
    editor.resize(600, 400);
    editor.show();
    editor.setGraph(preset("lenet5"));
    editor.showPlaceholder("<b>This demo is a 2-D test function, not a network.</b>");
    QVERIFY(editor.placeholderText().contains("not a network"));
    QVERIFY(editor.graph().nodes.empty());
    QVERIFY(!editor.view()->isVisible());
    QCOMPARE(editor.undoStack()->count(), 0);
    editor.addLayer("Linear", QPointF(0, 0));
    QVERIFY(editor.placeholderText().isEmpty());
    QVERIFY(editor.view()->isVisible());
    editor.showPlaceholder("again");
    editor.setGraph(preset("lenet5"));
    QVERIFY(editor.placeholderText().isEmpty());
    QVERIFY(!editor.messageText().isEmpty());
  }

  void textViewRoundTripsAndAppliesAsOneStep() {
    NetworkEditor editor;
    NetworkTextView text(&editor);
    const nn::Graph lenet = preset("lenet5");
    editor.setGraph(lenet);
    QCOMPARE(text.text().toStdString(), nn::printNetwork(lenet));
    QCOMPARE(parse(text.text().toStdString()), lenet);
    const Positions before = editor.positions();

    // Edited text: one layer changed, one added; the layers that keep their names keep their places.
    QString changed = text.text();
    changed.replace("f6 = Linear(a5, out_features=84)", "f6 = Linear(a5, out_features=100)");
    changed.replace("logits = Linear(a6, out_features=10)",
                    "d6 = Dropout(a6, p=0.2)\nlogits = Linear(d6, out_features=10)");
    text.setText(changed);
    QVERIFY(text.isModified());
    QCOMPARE(editor.graph(), lenet);  // nothing applied yet
    QVERIFY(text.apply());
    QCOMPARE(editor.graph(), parse(changed.toStdString()));
    QCOMPARE(editor.positions().at("c1"), before.at("c1"));
    QCOMPARE(editor.positions().at("loss"), before.at("loss"));
    QVERIFY(editor.positions().count("d6"));
    QVERIFY(editor.trainable());
    QCOMPARE(text.text().toStdString(), nn::printNetwork(editor.graph()));

    // Text that does not parse is shown with its line and never applied.
    text.setText(text.text() + "broken = Linear(a6 out_features=3\n");
    QVERIFY(!text.apply());
    QVERIFY2(text.errorText().startsWith("line 17: "), qPrintable(text.errorText()));
    QCOMPARE(editor.graph(), parse(changed.toStdString()));
    text.revert();
    QCOMPARE(text.text().toStdString(), nn::printNetwork(editor.graph()));

    QCOMPARE(editor.undoStack()->count(), 1);
    editor.undoStack()->undo();
    QCOMPARE(editor.graph(), lenet);
    QCOMPARE(editor.positions(), before);
    QCOMPARE(text.text().toStdString(), nn::printNetwork(lenet));
  }

  void everyPresetRoundTripsExactly() {
    const QStringList files = QDir(":/networks").entryList({"*.net"});
    QVERIFY(files.size() >= 6);
    NetworkEditor editor;
    editor.resize(900, 700);
    for (const QString& file : files) {
      const nn::Graph g = preset(QFileInfo(file).completeBaseName());
      editor.setGraph(g);
      QCOMPARE(editor.graph(), g);
      QCOMPARE(nn::printNetwork(editor.graph()), nn::printNetwork(g));
      QVERIFY2(editor.trainable(), qPrintable(file + ": " + editor.problem()));
      // Every layer placed, and no two boxes overlap.
      QList<NodeItem*> items;
      for (const auto& n : g.nodes) items << editor.nodeItem(QString::fromStdString(n.name));
      for (const auto& in : g.inputs) items << editor.nodeItem(QString::fromStdString(in.name));
      QVERIFY(!items.contains(nullptr));
      QCOMPARE(editor.positions().size(), size_t(items.size()));
      for (int i = 0; i < items.size(); ++i)
        for (int j = i + 1; j < items.size(); ++j)
          QVERIFY2(!items[i]->sceneBoundingRect().intersects(items[j]->sceneBoundingRect()),
                   qPrintable(file + ": " + items[i]->name() + " overlaps " + items[j]->name()));
      // And back through the clipboard's text form, as a whole.
      std::set<std::string> names;
      for (const auto& n : g.nodes) names.insert(n.name);
      for (const auto& in : g.inputs) names.insert(in.name);
      Fragment fragment;
      QVERIFY(parseFragment(fragmentText(g, names, {}), &fragment));
      fragment.graph.title = g.title;
      QCOMPARE(fragment.graph, g);
    }
    // Given positions are kept; the others are placed where nothing is.
    const nn::Graph lenet = preset("lenet5");
    editor.setGraph(lenet, {{"x", {1000, 1000}}, {"c1", {1000, 1100}}});
    QCOMPARE(editor.positions().at("x"), QPointF(1000, 1000));
    QCOMPARE(editor.positions().at("c1"), QPointF(1000, 1100));
    QVERIFY(editor.positions().at("a1").y() > 1100);
  }

  void selectionIsReported() {
    NetworkEditor editor;
    editor.setGraph(preset("toy_mlp_2d"));
    QSignalSpy selected(&editor, &NetworkEditor::selectedNodeChanged);
    editor.select({"x"});
    editor.select({"x", "loss"});
    editor.select({});
    QCOMPARE(selected.count(), 2);
    QCOMPARE(selected.at(0).at(0).toString(), QString("x"));
    QCOMPARE(selected.at(1).at(0).toString(), QString());
  }

  void screenshots() {
    for (const QString& name : {QString("lenet5"), QString("residual_cnn"), QString("lenet5_dark")}) {
      QWidget window;
      if (name.endsWith("_dark")) window.setPalette(test::darkPalette());  // the editor follows the system palette
      auto* palette = new LayerPalette;
      auto* editor = new NetworkEditor;
      auto* inspector = new LayerInspector(editor);
      auto* text = new NetworkTextView(editor);
      auto* side = new QSplitter(Qt::Vertical);
      side->addWidget(inspector);
      side->addWidget(text);
      auto* split = new QSplitter(&window);
      split->addWidget(palette);
      split->addWidget(editor);
      split->addWidget(side);
      split->setSizes({190, 860, 370});
      window.resize(1420, name == "residual_cnn" ? 1300 : 1000);
      side->setSizes({window.height() * 3 / 5, window.height() * 2 / 5});
      split->resize(window.size());
      window.show();
      editor->setGraph(preset(name.section('_', 0, 0) == "lenet5" ? "lenet5" : name));
      editor->select({name.startsWith("lenet5") ? "c3" : "b2_skip"});
      editor->fitToView();
      QVERIFY(!text->isModified());  // the text view follows the editor
      QCOMPARE(text->text().toStdString(), nn::printNetwork(editor->graph()));
      test::screenshot(window, "network_editor_" + name, 50);
      checkEditorShows(window, *editor, name.endsWith("_dark"));
      if (QTest::currentTestFailed()) return;
    }
  }
};

QTEST_MAIN(TestNetworkEditor)
#include "test_network_editor.moc"
