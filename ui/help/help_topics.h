#pragma once
// The lab's help pages: one Markdown file per view, layer type and optimizer under resources/help,
// compiled into the binary as Qt resources (:/help/NAME.md). A page's name says what it explains:
// "view-loss" (a dock's key), "layer-Conv2d" (a catalog type), "optimizer-adam" (a catalog name).
#include <QString>
#include <QStringList>
#include <QUrl>

#include <string>

namespace gradlab::ui::help {

QString viewTopic(const QString& dockKey);
QString layerTopic(const std::string& type);
QString optimizerTopic(const std::string& name);
inline const QString kIndexTopic = QStringLiteral("index");
inline const QString kGettingStartedTopic = QStringLiteral("getting-started");

QUrl topicUrl(const QString& topic);  // qrc:/help/TOPIC.md
QString topicOf(const QUrl& url);     // the topic a help page's address names; empty for others
bool hasTopic(const QString& topic);
QStringList allTopics();                      // every page, sorted by name
QString topicMarkdown(const QString& topic);  // empty when there is no such page
QString topicTitle(const QString& topic);     // its "# " heading, else the topic's name
QString topicSummary(const QString& topic);   // its first paragraph as plain text

}  // namespace gradlab::ui::help
