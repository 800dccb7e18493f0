#include "help/help_topics.h"

#include <QDir>
#include <QFile>
#include <QTextDocument>

namespace gradlab::ui::help {
namespace {

const QString kFolder = QStringLiteral(":/help/");

}  // namespace

QString viewTopic(const QString& dockKey) { return "view-" + dockKey; }
QString layerTopic(const std::string& type) { return "layer-" + QString::fromStdString(type); }
QString optimizerTopic(const std::string& name) { return "optimizer-" + QString::fromStdString(name); }

QUrl topicUrl(const QString& topic) { return QUrl("qrc" + kFolder + topic + ".md"); }

QString topicOf(const QUrl& url) {
  if (url.scheme() == "help") return url.path();  // What's This links: help:TOPIC
  const QString path = url.path();
  if (url.scheme() != "qrc" || !path.startsWith("/help/") || !path.endsWith(".md")) return {};
  return path.mid(6, path.size() - 9);
}

bool hasTopic(const QString& topic) { return !topic.isEmpty() && QFile::exists(kFolder + topic + ".md"); }

QStringList allTopics() {
  QStringList topics;
  for (const QString& file : QDir(kFolder).entryList({"*.md"}, QDir::Files, QDir::Name)) topics << file.chopped(3);
  return topics;
}

QString topicMarkdown(const QString& topic) {
  QFile file(kFolder + topic + ".md");
  if (topic.isEmpty() || !file.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(file.readAll());
}

QString topicTitle(const QString& topic) {
  for (const QString& line : topicMarkdown(topic).split('\n'))
    if (line.startsWith("# ")) return line.mid(2).trimmed();
  return topic;
}

QString topicSummary(const QString& topic) {
  QStringList paragraph;
  for (const QString& line : topicMarkdown(topic).split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trimmed().isEmpty()) {
      if (!paragraph.isEmpty()) break;
      continue;
    }
    paragraph << line;
  }
  QTextDocument plain;  // Markdown's emphasis and code marks read as text
  plain.setMarkdown(paragraph.join('\n'));
  return plain.toPlainText().simplified();
}

}  // namespace gradlab::ui::help
