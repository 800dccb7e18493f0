#pragma once
// The help window: the pages of help_topics.h listed by group (start, views, layers, optimizers)
// beside a QTextBrowser that follows the links between them. One per lab window.
#include <QWidget>

class QListWidget;
class QTextBrowser;

namespace gradlab::ui::help {

class HelpBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit HelpBrowser(QWidget* parent = nullptr);

  // The help window of `anyWidget`'s window (made on first use), raised and showing `topic`.
  static HelpBrowser* open(QWidget* anyWidget, const QString& topic);

  void showTopic(const QString& topic);
  QString currentTopic() const;
  QTextBrowser* page() const { return page_; }

 private:
  void follow(const QUrl& link);
  void listTopics();

  QListWidget* topics_ = nullptr;
  QTextBrowser* page_ = nullptr;
};

}  // namespace gradlab::ui::help
