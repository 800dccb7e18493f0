#include "editor/layer_palette.h"

#include "editor/layer_style.h"
#include "nn/layer_catalog.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace gradlab::ui {
namespace {

constexpr int kTypeRole = Qt::UserRole;
constexpr int kSearchRole = Qt::UserRole + 1;  // the words the filter looks in

// The tree whose drags carry a layer type.
class PaletteTree : public QTreeWidget {
 public:
  using QTreeWidget::QTreeWidget;

 protected:
  QStringList mimeTypes() const override { return {kLayerMimeType}; }
  QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override {
    if (items.isEmpty() || items.front()->data(0, kTypeRole).toString().isEmpty()) return nullptr;
    auto* mime = new QMimeData;
    mime->setData(kLayerMimeType, items.front()->data(0, kTypeRole).toString().toUtf8());
    return mime;
  }
};

// A small rounded swatch in the layer family's colour.
QIcon swatch(const QColor& color) {
  QPixmap pixmap(12, 12);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(color);
  painter.drawRoundedRect(QRectF(1, 1, 10, 10), 3, 3);
  return QIcon(pixmap);
}

QString tooltipFor(const nn::LayerDef& def) {
  QString tip =
      "<b>" + QString::fromStdString(def.type) + "</b>: " + QString::fromStdString(def.summary).toHtmlEscaped();
  QStringList required;
  for (const auto& p : def.params)
    if (p.required()) required << QString::fromStdString(p.name);
  if (!required.isEmpty()) tip += "<br>" + QObject::tr("set: %1").arg(required.join(", "));
  if (def.maxInputs > 1) tip += "<br>" + QObject::tr("takes %1 to %2 inputs").arg(def.minInputs).arg(def.maxInputs);
  return tip;
}

}  // namespace

LayerPalette::LayerPalette(QWidget* parent) : QWidget(parent) {
  search_ = new QLineEdit(this);
  search_->setPlaceholderText(tr("Search layers"));
  search_->setClearButtonEnabled(true);
  tree_ = new PaletteTree(this);
  tree_->setHeaderHidden(true);
  tree_->setRootIsDecorated(false);
  tree_->setIndentation(10);
  tree_->setDragEnabled(true);
  tree_->setDragDropMode(QAbstractItemView::DragOnly);
  tree_->setSelectionMode(QAbstractItemView::SingleSelection);

  for (const auto& group : paletteGroups()) {
    auto* header = new QTreeWidgetItem(tree_, {group.title});
    QFont bold = header->font(0);
    bold.setBold(true);
    header->setFont(0, bold);
    header->setFlags(Qt::ItemIsEnabled);
    auto addEntry = [&](const QString& type, const QString& category, const QString& tip, const QString& words) {
      auto* item = new QTreeWidgetItem(header, {type});
      item->setData(0, kTypeRole, type);
      item->setData(0, kSearchRole, type + " " + words + " " + group.title);
      item->setIcon(0, swatch(familyAccent(category)));
      item->setToolTip(0, tip);
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    };
    if (group.categories.contains(kInputType))
      addEntry(kInputType, kInputType, tr("<b>Input</b>: the data the network reads; set its shape in the inspector"),
               tr("data"));
    for (const auto& def : nn::layerCatalog())
      if (group.categories.contains(QString::fromStdString(def.category)))
        addEntry(QString::fromStdString(def.type), QString::fromStdString(def.category), tooltipFor(def),
                 QString::fromStdString(def.summary));
  }
  tree_->expandAll();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(search_);
  layout->addWidget(tree_, 1);
  connect(search_, &QLineEdit::textChanged, this, &LayerPalette::setFilter);
  connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    const QString type = item->data(0, kTypeRole).toString();
    if (!type.isEmpty()) emit layerActivated(type);
  });
}

void LayerPalette::setFilter(const QString& text) {
  if (search_->text() != text) search_->setText(text);
  for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
    QTreeWidgetItem* group = tree_->topLevelItem(g);
    bool any = false;
    for (int i = 0; i < group->childCount(); ++i) {
      QTreeWidgetItem* item = group->child(i);
      const bool match = item->data(0, kSearchRole).toString().contains(text.trimmed(), Qt::CaseInsensitive);
      item->setHidden(!match);
      any |= match;
    }
    group->setHidden(!any);
  }
}

QStringList LayerPalette::visibleTypes() const {
  QStringList types;
  for (int g = 0; g < tree_->topLevelItemCount(); ++g)
    for (int i = 0; i < tree_->topLevelItem(g)->childCount(); ++i) {
      QTreeWidgetItem* item = tree_->topLevelItem(g)->child(i);
      if (!item->isHidden() && !item->parent()->isHidden()) types << item->data(0, kTypeRole).toString();
    }
  return types;
}

QTreeWidgetItem* LayerPalette::itemFor(const QString& type) const {
  for (int g = 0; g < tree_->topLevelItemCount(); ++g)
    for (int i = 0; i < tree_->topLevelItem(g)->childCount(); ++i)
      if (tree_->topLevelItem(g)->child(i)->data(0, kTypeRole).toString() == type)
        return tree_->topLevelItem(g)->child(i);
  return nullptr;
}

}  // namespace gradlab::ui
