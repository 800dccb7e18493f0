#include "help/context_help.h"

#include "help/help_browser.h"
#include "help/help_topics.h"
#include "nn/layer_catalog.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QApplication>
#include <QDockWidget>
#include <QEvent>
#include <QMenu>
#include <QToolButton>
#include <QWhatsThis>
#include <QWhatsThisClickedEvent>

#include <functional>

namespace gradlab::ui::help {
namespace {

const char* const kTopicProperty = "helpTopic";

// Keeps the "?" left of the dock's own float and close buttons (they move as the dock resizes and
// as it docks or floats), and opens the page a What's This link names.
class DockHelp : public QObject {
 public:
  DockHelp(QDockWidget* dock, QToolButton* button) : QObject(dock), dock_(dock), button_(button) {
    dock->installEventFilter(this);  // What's This on the title bar
    for (QAbstractButton* b : titleButtons()) b->installEventFilter(this);
    if (dock->widget()) dock->widget()->installEventFilter(this);
    place();
  }

  bool eventFilter(QObject* /*watched*/, QEvent* event) override {
    if (event->type() == QEvent::WhatsThisClicked) {
      const QString topic = topicOf(QUrl(static_cast<QWhatsThisClickedEvent*>(event)->href()));
      HelpBrowser::open(dock_, topic.isEmpty() ? dock_->property(kTopicProperty).toString() : topic);
      return true;
    }
    const bool moved = event->type() == QEvent::Move || event->type() == QEvent::Resize ||
                       event->type() == QEvent::Show || event->type() == QEvent::Hide;
    if (moved && !placePending_) {
      // Later, not now: the dock's layout places its buttons after this filter, and while the dock
      // is destroyed its layout is gone (a queued call to this child of the dock is dropped then).
      placePending_ = true;
      QMetaObject::invokeMethod(
          this, [this] { place(); }, Qt::QueuedConnection);
    }
    return false;
  }

 private:
  QList<QAbstractButton*> titleButtons() const {
    QList<QAbstractButton*> buttons;
    for (const char* name : {"qt_dockwidget_closebutton", "qt_dockwidget_floatbutton"})
      if (auto* b = dock_->findChild<QAbstractButton*>(name, Qt::FindDirectChildrenOnly)) buttons << b;
    return buttons;
  }

  void place() {
    placePending_ = false;
    if (dock_->titleBarWidget()) {  // a custom title bar: the "?" would cover it
      button_->hide();
      return;
    }
    QRect anchor;
    for (QAbstractButton* b : titleButtons())
      if (b->isVisible() && (anchor.isNull() || b->x() < anchor.x())) anchor = b->geometry();
    const int side = anchor.isNull() ? button_->sizeHint().height() : anchor.height();
    const int right = anchor.isNull() ? dock_->width() - 2 : anchor.left() - 2;
    button_->setGeometry(right - side, anchor.isNull() ? 1 : anchor.top(), side, side);
    button_->show();
    button_->raise();
  }

  QDockWidget* dock_;
  QToolButton* button_;
  bool placePending_ = false;
};

// Opens the page a What's This link names, for a widget that is not a dock's own.
class WhatsThisLinks : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() != QEvent::WhatsThisClicked) return false;
    const QString topic = topicOf(QUrl(static_cast<QWhatsThisClickedEvent*>(event)->href()));
    HelpBrowser::open(qobject_cast<QWidget*>(watched), topic.isEmpty() ? kIndexTopic : topic);
    return true;
  }
};

// The layer type an item of a list shows (the palette's entries), or empty.
QString layerTypeAt(const QModelIndex& index) {
  const QString text = index.data(Qt::DisplayRole).toString();
  return nn::findLayer(text.toStdString()) ? text : QString();
}

QString whatsThisText(const QString& title, const QString& topic) {
  return QString("<p><b>%1</b></p><p>%2</p><p><a href=\"help:%3\">%4</a></p>")
      .arg(title.toHtmlEscaped(), topicSummary(topic).toHtmlEscaped(), topic,
           QApplication::translate("gradlab::ui::help", "Read the whole page (F1)"));
}

// Every item of `dock`'s lists that names a layer type gets What's This text leading to that
// layer's page; the list passes the link clicks of the text it shows to `filter`.
void linkLayerItems(QDockWidget* dock, QObject* filter) {
  for (QAbstractItemView* view : dock->findChildren<QAbstractItemView*>()) {
    QAbstractItemModel* model = view->model();
    if (!model) continue;
    bool linked = false;
    std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
      for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        const QString type = layerTypeAt(index);
        if (!type.isEmpty())
          linked |= model->setData(index, whatsThisText(type, layerTopic(type.toStdString())), Qt::WhatsThisRole);
        walk(index);
      }
    };
    walk({});
    if (!linked) continue;
    view->installEventFilter(filter);  // the item delegate shows the text for the view
    view->viewport()->installEventFilter(filter);
  }
}

}  // namespace

void attachHelp(QDockWidget* dock, const QString& topic) {
  dock->setProperty(kTopicProperty, topic);
  const QString title = topicTitle(topic);
  dock->setWhatsThis(whatsThisText(title, topic));
  if (dock->widget()) dock->widget()->setWhatsThis(dock->whatsThis());
  auto* button = new QToolButton(dock);
  button->setObjectName("help-button");
  button->setText("?");
  button->setAutoRaise(true);
  button->setFocusPolicy(Qt::NoFocus);
  button->setToolTip(QApplication::translate("gradlab::ui::help", "Help: %1").arg(title));
  button->setProperty(kTopicProperty, topic);
  QObject::connect(button, &QToolButton::clicked, dock, [dock, topic] { HelpBrowser::open(dock, topic); });
  linkLayerItems(dock, new DockHelp(dock, button));
}

void showsLayer(QWidget* widget, const QString& type) {
  if (!widget->property("helpLinks").toBool()) {  // one link handler, however often it is marked
    widget->setProperty("helpLinks", true);
    widget->installEventFilter(new WhatsThisLinks(widget));
  }
  const QString topic = type.isEmpty() ? QString() : layerTopic(type.toStdString());
  widget->setProperty(kTopicProperty, topic.isEmpty() ? QVariant() : QVariant(topic));
  if (!topic.isEmpty()) {
    widget->setWhatsThis(whatsThisText(type, topic));
    return;
  }
  // No layer shown: What's This explains the view that holds the widget, as for any dock.
  QWidget* holder = widget->parentWidget();
  while (holder && !qobject_cast<QDockWidget*>(holder)) holder = holder->parentWidget();
  widget->setWhatsThis(holder ? holder->whatsThis() : QString());
}

QString contextTopic(const QWidget* focus) {
  if (const auto* list = qobject_cast<const QAbstractItemView*>(focus)) {
    const QString type = layerTypeAt(list->currentIndex());
    if (!type.isEmpty()) return layerTopic(type.toStdString());  // the palette's layer
  }
  for (const QWidget* w = focus; w; w = w->parentWidget()) {
    const QString topic = w->property(kTopicProperty).toString();
    if (!topic.isEmpty()) return topic;
  }
  return kIndexTopic;
}

void addHelpActions(QMenu* help, QWidget* window) {
  const auto tr = [](const char* text) { return QApplication::translate("gradlab::ui::help", text); };
  QAction* start =
      help->addAction(tr("&Getting Started"), window, [window] { HelpBrowser::open(window, kGettingStartedTopic); });
  start->setObjectName("help-getting-started");
  QAction* contents = help->addAction(
      tr("Help &Contents"), window, [window] { HelpBrowser::open(window, contextTopic(QApplication::focusWidget())); });
  contents->setObjectName("help-contents");
  contents->setShortcut(QKeySequence::HelpContents);
  contents->setShortcutContext(Qt::WindowShortcut);
  contents->setToolTip(tr("The help page of the view or panel you are in (F1)"));
  QAction* whatsThis = QWhatsThis::createAction(help);
  whatsThis->setObjectName("help-whats-this");
  help->addAction(whatsThis);
  help->addSeparator();
}

}  // namespace gradlab::ui::help
