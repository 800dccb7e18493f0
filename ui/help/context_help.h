#pragma once
// How the window leads to its help pages: a "?" button in each dock's title bar, What's This text
// (Shift+F1) on each dock with a link to its page, F1 for the page of whatever has the focus, and
// the Help menu's entries.
#include "help/help_topics.h"

#include <QString>

class QDockWidget;
class QMenu;
class QWidget;

namespace gradlab::ui::help {

// Gives `dock` its "?" button (object name "help-button") and What's This text, both leading to
// `topic`; F1 inside the dock opens it too. Items of its lists that name a layer type (the
// palette's) lead to that layer's page instead.
void attachHelp(QDockWidget* dock, const QString& topic);

// Marks `widget` as showing a layer of `type` (empty: none, again): F1 inside it opens that layer's
// page, and What's This on it says what the layer is, with a link to the page.
void showsLayer(QWidget* widget, const QString& type);

// The page F1 opens for `focus`: a layer type's when it is a list on one (the palette), else the
// topic of the nearest widget around it that has one (a layer's inspector, a dock), else the
// contents.
QString contextTopic(const QWidget* focus);

// Getting started, Help contents (F1, context-sensitive) and What's This (Shift+F1), for `window`.
void addHelpActions(QMenu* help, QWidget* window);

}  // namespace gradlab::ui::help
