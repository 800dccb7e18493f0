#include "help/help_browser.h"

#include "help/help_topics.h"

#include <QDesktopServices>
#include <QHBoxLayout>
#include <QListWidget>
#include <QSplitter>
#include <QTextBrowser>
#include <QToolBar>
#include <QVBoxLayout>

namespace gradlab::ui::help {
namespace {

const QString kObjectName = QStringLiteral("help-browser");
constexpr int kTopicRole = Qt::UserRole;

// The list's groups in reading order: a page belongs to the first whose prefix it has.
const std::pair<const char*, const char*> kGroups[] = {
    {"", "Start here"}, {"view-", "Views"}, {"layer-", "Layers"}, {"optimizer-", "Optimizers"}};

QString groupOf(const QString& topic) {
  for (const auto& [prefix, title] : kGroups)
    if (*prefix && topic.startsWith(prefix)) return prefix;
  return {};
}

}  // namespace

HelpBrowser::HelpBrowser(QWidget* parent) : QWidget(parent, Qt::Window) {
  setObjectName(kObjectName);
  setWindowTitle(tr("GradLab Help"));
  resize(900, 640);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QToolBar(this);
  layout->addWidget(bar);
  auto* split = new QSplitter(this);
  layout->addWidget(split, 1);
  topics_ = new QListWidget(split);
  topics_->setObjectName("help-topics");
  page_ = new QTextBrowser(split);
  page_->setObjectName("help-page");
  page_->setOpenLinks(false);  // pages are Markdown: follow() loads them as such
  split->addWidget(topics_);
  split->addWidget(page_);
  split->setStretchFactor(1, 1);
  split->setSizes({220, 680});
  QAction* back = bar->addAction(tr("Back"), page_, &QTextBrowser::backward);
  back->setShortcut(QKeySequence::Back);
  QAction* forward = bar->addAction(tr("Forward"), page_, &QTextBrowser::forward);
  forward->setShortcut(QKeySequence::Forward);
  bar->addAction(tr("Contents"), this, [this] { showTopic(kIndexTopic); });
  connect(page_, &QTextBrowser::backwardAvailable, back, &QAction::setEnabled);
  connect(page_, &QTextBrowser::forwardAvailable, forward, &QAction::setEnabled);
  connect(page_, &QTextBrowser::anchorClicked, this, &HelpBrowser::follow);
  connect(page_, &QTextBrowser::sourceChanged, this, [this](const QUrl& source) {
    const QString topic = topicOf(source);  // source() may still name the page before
    for (int i = 0; i < topics_->count(); ++i)
      if (!topic.isEmpty() && topics_->item(i)->data(kTopicRole).toString() == topic) topics_->setCurrentRow(i);
    setWindowTitle(tr("%1 - GradLab Help").arg(topicTitle(topic)));
  });
  const auto showItem = [this](QListWidgetItem* item) {
    const QString topic = item->data(kTopicRole).toString();
    if (!topic.isEmpty()) showTopic(topic);  // not a group's heading
  };
  connect(topics_, &QListWidget::itemActivated, this, showItem);
  connect(topics_, &QListWidget::itemClicked, this, showItem);
  listTopics();
}

void HelpBrowser::listTopics() {
  for (const auto& [prefix, title] : kGroups) {
    auto* header = new QListWidgetItem(tr(title), topics_);
    QFont bold = header->font();
    bold.setBold(true);
    header->setFont(bold);
    header->setFlags(Qt::ItemIsEnabled);  // legible, but not a page to select
    for (const QString& topic : allTopics()) {
      if (groupOf(topic) != prefix) continue;
      auto* item = new QListWidgetItem("  " + topicTitle(topic), topics_);
      item->setData(kTopicRole, topic);
    }
  }
}

HelpBrowser* HelpBrowser::open(QWidget* anyWidget, const QString& topic) {
  QWidget* window = anyWidget ? anyWidget->window() : nullptr;
  auto* browser = window ? window->findChild<HelpBrowser*>(kObjectName, Qt::FindDirectChildrenOnly) : nullptr;
  if (!browser) browser = new HelpBrowser(window);
  browser->showTopic(topic);
  browser->show();
  browser->raise();
  browser->activateWindow();
  return browser;
}

void HelpBrowser::showTopic(const QString& topic) {
  if (hasTopic(topic)) {
    page_->setSource(topicUrl(topic), QTextDocument::MarkdownResource);
    return;
  }
  page_->setHtml(tr("<h2>No help page yet</h2><p>There is no page called <code>%1</code>. "
                    "<a href=\"%2\">The contents</a> list every page there is.</p>")
                     .arg(topic.toHtmlEscaped(), topicUrl(kIndexTopic).toString()));
}

QString HelpBrowser::currentTopic() const { return topicOf(page_->source()); }

void HelpBrowser::follow(const QUrl& link) {
  const QUrl target = page_->source().resolved(link);
  const QString topic = topicOf(target);
  if (!topic.isEmpty())
    showTopic(topic);
  else if (target.scheme() == "http" || target.scheme() == "https")
    QDesktopServices::openUrl(target);  // a paper or PyTorch's documentation
}

}  // namespace gradlab::ui::help
