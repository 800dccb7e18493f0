// The lab explains itself: every layer type of the catalog, every optimizer and every dock of the
// window has a help page (iterated from the registries and the window, so a new one without a page
// fails here); the pages' links lead to pages that exist and cite the lecture's ideas; a dock's "?"
// and What's This link open its page; Help > Getting Started walks five steps; and every
// hyper-parameter field (layers, optimizers, training settings) has a tooltip that states its
// meaning, default and range.
#include "editor/layer_inspector.h"
#include "editor/network_editor.h"
#include "editor/param_fields.h"
#include "help/context_help.h"
#include "help/help_browser.h"
#include "help/help_topics.h"
#include "help/param_help.h"
#include "main_window.h"
#include "nn/layer_catalog.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "support/ui_test.h"
#include "training_panel.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QToolButton>
#include <QTreeWidget>
#include <QWhatsThisClickedEvent>

using namespace gradlab;
using namespace gradlab::ui;

namespace {

// A page worth the name: a title, a first paragraph for What's This, and some substance.
QString pageProblem(const QString& topic) {
  if (!help::hasTopic(topic)) return "no page " + topic + ".md in resources/help";
  if (!help::topicMarkdown(topic).startsWith("# ")) return topic + " does not start with a '# ' title";
  if (help::topicSummary(topic).size() < 60) return topic + "'s first paragraph is too short for What's This";
  return {};
}

QStringList linksOf(const QString& topic) {
  static const QRegularExpression link(R"(\]\(([^)\s]+)\))");
  QStringList targets;
  for (auto it = link.globalMatch(help::topicMarkdown(topic)); it.hasNext();) targets << it.next().captured(1);
  return targets;
}

QMenu* helpMenu(MainWindow& window) {
  for (QAction* a : window.menuBar()->actions())
    if (a->text() == QObject::tr("&Help")) return a->menu();
  return nullptr;
}

QString fieldName(const QWidget* w) {
  return w->objectName().isEmpty() ? QString(w->metaObject()->className()) : w->objectName();
}

}  // namespace

class HelpTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void everyLayerTypeHasAPage() {
    QVERIFY(nn::layerCatalog().size() > 20);
    for (const nn::LayerDef& def : nn::layerCatalog()) {
      const QString topic = help::layerTopic(def.type);
      const QString problem = pageProblem(topic);
      QVERIFY2(problem.isEmpty(), qPrintable(problem));
      QVERIFY2(help::topicTitle(topic) == QString::fromStdString(def.type), qPrintable(help::topicTitle(topic)));
      QVERIFY2(help::topicMarkdown("index").contains("(" + topic + ".md)"), qPrintable(topic + " not in the contents"));
    }
  }

  void everyOptimizerHasAPage() {
    for (const optim::OptimizerDef& def : optim::optimizerCatalog()) {
      const QString topic = help::optimizerTopic(def.name);
      const QString problem = pageProblem(topic);
      QVERIFY2(problem.isEmpty(), qPrintable(problem));
      QVERIFY2(help::topicMarkdown("index").contains("(" + topic + ".md)"), qPrintable(topic + " not in the contents"));
    }
  }

  // Every link between pages leads to a page; every page but the contents is reachable from them.
  void linksLeadToPages() {
    QSet<QString> linked;
    for (const QString& topic : help::allTopics())
      for (const QString& target : linksOf(topic)) {
        if (target.startsWith("http")) continue;
        QVERIFY2(target.endsWith(".md") && help::hasTopic(target.chopped(3)),
                 qPrintable(topic + " links to " + target + ", which is no page"));
        linked << target.chopped(3);
      }
    for (const QString& topic : help::allTopics())
      QVERIFY2(topic == help::kIndexTopic || linked.contains(topic), qPrintable(topic + " is linked from no page"));
  }

  // The pages name the lecture's ideas and their sources.
  void pagesCiteTheLecture() {
    const std::pair<const char*, QStringList> cites[] = {
        {"view-depth", {"Var[y] = n_in · Var[w] · Var[x]", "Xavier", "Glorot and Bengio, 2010", "He et al., 2015"}},
        {"view-landscape", {"Li et al. (2018", "filter-normalised"}},
        {"view-histograms", {"dead ReLUs", "saturation"}},
        {"layer-BatchNorm1d", {"Ioffe and Szegedy, 2015"}},
        {"layer-BatchNorm2d", {"Ioffe and Szegedy, 2015"}},
        {"optimizer-adam", {"Kingma and Ba, 2015"}},
        {"optimizer-adamw", {"Loshchilov and Hutter, 2019"}},
        {"layer-Dropout", {"Srivastava et al., 2014"}},
        {"layer-Add", {"He et al., 2016"}},
        {"view-receptive", {"Luo et al., 2016"}},
    };
    for (const auto& [topic, phrases] : cites)
      for (const QString& phrase : phrases)
        QVERIFY2(help::topicMarkdown(topic).contains(phrase), qPrintable(QString(topic) + " lacks: " + phrase));
  }

  void gettingStartedWalksFiveSteps() {
    const QString text = help::topicMarkdown(help::kGettingStartedTopic);
    for (int step = 1; step <= 5; ++step)
      QVERIFY2(text.contains(QString("\n## %1. ").arg(step)), qPrintable(QString("no step %1").arg(step)));
    for (const char* phrase : {"Demos", "dataset", "Play", "loss", "Compare"}) QVERIFY2(text.contains(phrase), phrase);
  }

  // The browser renders Markdown (headings, not '#' characters) and follows links between pages.
  void browserShowsPagesAndFollowsLinks() {
    QWidget window;
    auto* browser = help::HelpBrowser::open(&window, "view-depth");
    QCOMPARE(browser->currentTopic(), QString("view-depth"));
    const QString shown = browser->page()->toPlainText();
    QVERIFY2(shown.startsWith("By depth") && !shown.contains("## ") && !shown.contains("]("), qPrintable(shown));
    browser->resize(900, 640);
    test::screenshot(*browser, "help_by_depth", 100);
    emit browser->page()->anchorClicked(QUrl("layer-BatchNorm1d.md"));
    QCOMPARE(browser->currentTopic(), QString("layer-BatchNorm1d"));
    browser->page()->backward();
    QCOMPARE(browser->currentTopic(), QString("view-depth"));
    QCOMPARE(help::HelpBrowser::open(&window, "index"), browser);  // one help window per window
    auto* list = browser->findChild<QListWidget*>("help-topics");
    QVERIFY(list && list->count() == help::allTopics().size() + 4);  // the pages under four headings
    QVERIFY(list->currentItem());
    QCOMPARE(list->currentItem()->data(Qt::UserRole).toString(), QString("index"));  // the page shown
    emit list->itemClicked(list->item(0));                                           // a heading: no page
    QCOMPARE(browser->currentTopic(), QString("index"));
    browser->showTopic("no-such-page");
    QVERIFY(browser->page()->toPlainText().contains("No help page yet"));
  }

  // Every dock of the window (every view and panel, whoever adds it) has a page, a "?" in its title
  // bar that opens it, and What's This text whose link opens it.
  void everyDockHasAQuestionMarkAndWhatsThis() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const auto docks = window.findChildren<QDockWidget*>();
    QVERIFY(docks.size() >= 12);
    for (QDockWidget* dock : docks) {
      const QString key = dock->objectName().mid(QString("dock-").size());
      const QString topic = help::viewTopic(key);
      const QString problem = pageProblem(topic);
      QVERIFY2(problem.isEmpty(), qPrintable(problem));
      auto* button = dock->findChild<QToolButton*>("help-button", Qt::FindDirectChildrenOnly);
      QVERIFY2(button, qPrintable(key));
      QVERIFY2(dock->widget()->whatsThis().contains("href=\"help:" + topic + "\""), qPrintable(key));
      if (!dock->isVisible() || dock->visibleRegion().isEmpty()) continue;  // behind another tab
      QVERIFY2(button->isVisible(), qPrintable(key));
      // In the title bar, left of the dock's own buttons, overlapping none.
      for (auto* own : dock->findChildren<QAbstractButton*>(QRegularExpression("^qt_dockwidget_")))
        if (own->isVisible())
          QVERIFY2(button->geometry().right() < own->geometry().left() && button->y() == own->y(), qPrintable(key));
      QVERIFY2(button->geometry().bottom() < dock->widget()->geometry().top(), qPrintable(key));
      QTest::mouseClick(button, Qt::LeftButton);
      auto* browser = window.findChild<help::HelpBrowser*>();
      QVERIFY(browser && browser->isVisible());
      QCOMPARE(browser->currentTopic(), topic);
      browser->hide();
    }
    // What's This (Shift+F1), then a click on its link.
    QDockWidget* depth = window.findChild<QDockWidget*>("dock-depth");
    QWhatsThisClickedEvent clicked("help:view-depth");
    QApplication::sendEvent(depth->widget(), &clicked);
    QCOMPARE(window.findChild<help::HelpBrowser*>()->currentTopic(), QString("view-depth"));
    // The palette's layers lead to their own pages, by What's This and by F1.
    auto* palette = window.findChild<QDockWidget*>("dock-palette")->findChild<QTreeWidget*>();
    QVERIFY(palette);
    const auto linear = palette->findItems("Linear", Qt::MatchExactly | Qt::MatchRecursive);
    QCOMPARE(linear.size(), 1);
    QVERIFY(linear[0]->data(0, Qt::WhatsThisRole).toString().contains("href=\"help:layer-Linear\""));
    QWhatsThisClickedEvent layerLink("help:layer-Linear");
    QApplication::sendEvent(palette, &layerLink);
    QCOMPARE(window.findChild<help::HelpBrowser*>()->currentTopic(), QString("layer-Linear"));
    palette->setCurrentItem(linear[0]);
    QCOMPARE(help::contextTopic(palette), QString("layer-Linear"));
    palette->setCurrentItem(palette->topLevelItem(0));  // a group's header: the palette's own page
    QCOMPARE(help::contextTopic(palette), QString("view-palette"));
    test::screenshot(window, "help_question_marks", 300);
  }

  void helpMenuLeadsToThePages() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    QMenu* menu = helpMenu(window);
    QVERIFY(menu);
    auto* start = menu->findChild<QAction*>("help-getting-started");
    auto* contents = menu->findChild<QAction*>("help-contents");
    auto* whatsThis = menu->findChild<QAction*>("help-whats-this");
    QVERIFY(start && contents && whatsThis);
    QVERIFY(menu->actions().contains(start) && menu->actions().contains(contents) &&
            menu->actions().contains(whatsThis));
    QCOMPARE(contents->shortcut(), QKeySequence(QKeySequence::HelpContents));
    QCOMPARE(whatsThis->shortcut(), QKeySequence(Qt::SHIFT | Qt::Key_F1));
    start->trigger();
    auto* browser = window.findChild<help::HelpBrowser*>();
    QVERIFY(browser);
    QCOMPARE(browser->currentTopic(), help::kGettingStartedTopic);
    // F1 opens the page of the dock the focus is in.
    QCOMPARE(help::contextTopic(window.trainingPanel().findChild<QWidget*>("batch")), QString("view-training"));
    QCOMPARE(help::contextTopic(nullptr), help::kIndexTopic);
    browser->resize(900, 640);
    test::screenshot(*browser, "help_getting_started", 200);
  }

  // The inspector shows a layer: F1 and What's This in it lead to that layer's page.
  void inspectorLeadsToTheSelectedLayersPage() {
    NetworkEditor editor;
    LayerInspector inspector(&editor);
    editor.setGraph(nn::parseNetwork("input x: 2\nh = Linear(x, out_features=4)\nr = ReLU(h)\n").graph);
    editor.select({"h"});
    auto* field = inspector.findChild<QWidget*>("out_features");
    QVERIFY(field);
    QCOMPARE(help::contextTopic(field), QString("layer-Linear"));
    QVERIFY(inspector.whatsThis().contains("href=\"help:layer-Linear\""));
    editor.select({"r"});
    QCOMPARE(help::contextTopic(&inspector), QString("layer-ReLU"));
    QWhatsThisClickedEvent link("help:layer-ReLU");
    QApplication::sendEvent(&inspector, &link);
    auto* browser = inspector.findChild<help::HelpBrowser*>();
    QVERIFY(browser);
    QCOMPARE(browser->currentTopic(), QString("layer-ReLU"));
    editor.select({});
    QCOMPARE(help::contextTopic(&inspector), help::kIndexTopic);  // nothing selected: no layer's page
    QVERIFY(inspector.whatsThis().isEmpty());
  }

  // Every layer's and optimizer's hyper-parameter: a tooltip with its meaning, default and range.
  void everyHyperParameterHasATooltip() {
    std::vector<std::pair<std::string, nn::ParamDef>> all;
    for (const nn::LayerDef& def : nn::layerCatalog())
      for (const nn::ParamDef& p : def.params) all.emplace_back(def.type, p);
    for (const optim::OptimizerDef& def : optim::optimizerCatalog())
      for (const nn::ParamDef& p : def.params) all.emplace_back(def.name, p);
    QVERIFY(all.size() > 60);
    for (const auto& [owner, def] : all) {
      const QString where = QString::fromStdString(owner + "." + def.name);
      QVERIFY2(def.help.size() >= 12, qPrintable(where + ": no meaning given"));
      const QString tip = help::paramToolTip(def);
      QVERIFY2(tip.contains("<b>" + QString::fromStdString(def.name) + "</b>"), qPrintable(where));
      QVERIFY2(tip.contains(QString::fromStdString(def.help).toHtmlEscaped()), qPrintable(where));
      QVERIFY2(tip.contains(def.required() ? "required" : "default " + QString::fromStdString(def.defaultValue)),
               qPrintable(where));
      const bool numeric = def.kind == nn::ParamKind::Int || def.kind == nn::ParamKind::Float;
      if (numeric)
        QVERIFY2(
            help::statesRange(QString::fromStdString(def.help)) ||
                tip.contains(QString::fromStdString(nn::formatNumber(def.min) + " to " + nn::formatNumber(def.max))),
            qPrintable(where + " states no range: " + tip));
      if (def.kind == nn::ParamKind::Choice)
        for (const std::string& c : def.choices) QVERIFY2(tip.contains(QString::fromStdString(c)), qPrintable(where));
      // The inspector's and the optimizer form's fields show it.
      std::unique_ptr<ParamField> field(ParamField::create(def, nullptr));
      QCOMPARE(field->toolTip(), tip);
    }
    const nn::ParamDef open{"beta1", nn::ParamKind::Float, "0.9", 0, 1, {}, "decay, in [0, 1)"};
    QVERIFY(!help::paramToolTip(open).contains("0 to 1"));  // the help's open range, not the closed hull
  }

  // Every field of the training panel, whoever adds one, says what it is when hovered.
  void everyTrainingSettingHasATooltip() {
    TrainingPanel panel;
    int fields = 0;
    for (QWidget* w : panel.findChildren<QWidget*>()) {
      const bool editor = qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) ||
                          qobject_cast<QLineEdit*>(w) || qobject_cast<QCheckBox*>(w);
      if (!editor || qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget()))
        continue;  // a spin box's or combo's own line edit
      ++fields;
      QString tip;
      for (QWidget* p = w; p && p != &panel && tip.isEmpty(); p = p->parentWidget()) tip = p->toolTip();
      QVERIFY2(tip.size() >= 12, qPrintable(fieldName(w) + " has no tooltip"));
    }
    QVERIFY(fields >= 10);
  }
};

QTEST_MAIN(HelpTest)
#include "test_help.moc"
