#include "editor/node_item.h"

#include "editor/edge_item.h"
#include "editor/layer_style.h"

#include <QApplication>
#include <QCursor>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QWidget>

namespace gradlab::ui {
namespace {

constexpr double kWidth = 200;
constexpr double kPadding = 7;
constexpr double kAccentBar = 5;   // the family colour along the box's left side
constexpr double kPortRadius = 6;  // a 12 px dot at 100% zoom
constexpr int kMaxParamLines = 2;

QFont titleFont() {
  QFont f = canvasFont();
  f.setBold(true);
  return f;
}

QFont smallFont() { return canvasFont(0.88); }

// The key hyper-parameters wrapped at their commas onto at most two lines, the last one elided.
QStringList paramLines(const QString& text) {
  if (text.isEmpty()) return {};
  const QFontMetricsF fm(smallFont());
  const double width = kWidth - 2 * kPadding - kAccentBar;
  QStringList lines{QString()};
  for (const QString& part : text.split(", ")) {
    const QString joined = lines.back().isEmpty() ? part : lines.back() + ", " + part;
    if (fm.horizontalAdvance(joined) <= width || lines.back().isEmpty())
      lines.back() = joined;
    else
      lines << part;
  }
  if (lines.size() > kMaxParamLines) {
    lines = lines.mid(0, kMaxParamLines);
    lines.back() += " …";
  }
  for (auto& line : lines) line = fm.elidedText(line, Qt::ElideRight, width);
  return lines;
}

double lineHeight(const QFont& font) { return QFontMetricsF(font).height(); }

// The colours of the view being painted (it follows the system palette), else the scene's.
QPalette paletteFor(const QGraphicsItem* item, const QWidget* widget) {
  if (widget) return widget->palette();
  return item->scene() ? item->scene()->palette() : QApplication::palette();
}

}  // namespace

PortItem::PortItem(Role role, int slot, QGraphicsItem* parent)
    : QGraphicsEllipseItem(-kPortRadius, -kPortRadius, 2 * kPortRadius, 2 * kPortRadius, parent), role_(role),
      slot_(slot) {
  setAcceptHoverEvents(true);
  setCursor(Qt::CrossCursor);
  setToolTip(role == Output ? QObject::tr("Drag to a layer's input to connect")
                            : QObject::tr("Drag to a layer's output to connect"));
}

QPainterPath PortItem::shape() const {
  QPainterPath path;
  path.addEllipse(rect().adjusted(-5, -5, 5, 5));
  return path;
}

void PortItem::hoverEnterEvent(QGraphicsSceneHoverEvent*) { setScale(1.5); }
void PortItem::hoverLeaveEvent(QGraphicsSceneHoverEvent*) { setScale(1.0); }

NodeItem::NodeItem(const NodeContent& content, LayoutDirection direction) {
  setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
  setContent(content, direction);
}

QFont NodeItem::detailFont() { return smallFont(); }

QSizeF NodeItem::sizeFor(const NodeContent& c) {
  double h = 2 * kPadding + lineHeight(titleFont());
  h += double(paramLines(c.params).size()) * lineHeight(smallFont());
  if (!c.count.isEmpty()) h += lineHeight(smallFont());
  return {kWidth, h};
}

void NodeItem::setContent(const NodeContent& content, LayoutDirection direction) {
  prepareGeometryChange();
  content_ = content;
  direction_ = direction;
  size_ = sizeFor(content);
  QString tip = "<b>" + content.name.toHtmlEscaped() + "</b> (" + content.type.toHtmlEscaped() + ")";
  if (!content.params.isEmpty()) tip += "<br>" + content.params.toHtmlEscaped();
  if (!content.count.isEmpty()) tip += "<br>" + content.count;
  if (!content.errors.isEmpty())
    tip += "<br><font color='#d62728'>" + content.errors.toHtmlEscaped().replace("\n", "<br>") + "</font>";
  if (!content.warnings.isEmpty()) tip += "<br><i>" + content.warnings.toHtmlEscaped().replace("\n", "<br>") + "</i>";
  setToolTip(tip);
  rebuildPorts();  // the box's size follows its text: keep the ports on its border
  update();
}

void NodeItem::rebuildPorts() {
  for (PortItem* p : inputs_) delete p;
  inputs_.clear();
  delete output_;
  output_ = nullptr;
  const QRectF b = box();
  const bool down = direction_ == LayoutDirection::TopToBottom;
  for (int i = 0; i < content_.inputSlots; ++i) {
    auto* port = new PortItem(PortItem::Input, i, this);
    const double t = double(i + 1) / (content_.inputSlots + 1);
    port->setPos(down ? QPointF(b.left() + t * b.width(), b.top()) : QPointF(b.left(), b.top() + t * b.height()));
    inputs_.push_back(port);
  }
  if (content_.hasOutput) {
    output_ = new PortItem(PortItem::Output, 0, this);
    output_->setPos(down ? QPointF(0, b.bottom()) : QPointF(b.right(), 0));
  }
  const QColor accent = familyAccent(content_.category);
  for (auto* port : inputs_) port->setBrush(accent.lighter(130));
  if (output_) output_->setBrush(accent);
  QPen pen(QColor(0, 0, 0, 90));
  pen.setWidthF(1);
  for (auto* port : inputs_) port->setPen(pen);
  if (output_) output_->setPen(pen);
}

QRectF NodeItem::box() const { return QRectF(-size_.width() / 2, -size_.height() / 2, size_.width(), size_.height()); }

QPointF NodeItem::inputPortPos(int slot) const {
  if (slot >= 0 && size_t(slot) < inputs_.size()) return inputs_[size_t(slot)]->scenePos();
  const QRectF b = box();
  return mapToScene(direction_ == LayoutDirection::TopToBottom ? QPointF(0, b.top()) : QPointF(b.left(), 0));
}

QPointF NodeItem::outputPortPos() const {
  const QRectF b = box();
  return output_
             ? output_->scenePos()
             : mapToScene(direction_ == LayoutDirection::TopToBottom ? QPointF(0, b.bottom()) : QPointF(b.right(), 0));
}

PortItem* NodeItem::inputPort(int slot) const {
  return slot >= 0 && size_t(slot) < inputs_.size() ? inputs_[size_t(slot)] : nullptr;
}

QRectF NodeItem::boundingRect() const { return box().adjusted(-4, -4, 4, 4); }

QPainterPath NodeItem::shape() const {
  QPainterPath path;
  path.addRoundedRect(box(), 6, 6);
  return path;
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget* widget) {
  const QPalette palette = paletteFor(this, widget);
  const QRectF b = box();
  const QColor accent = familyAccent(content_.category);
  painter->setRenderHint(QPainter::Antialiasing);

  if (isSelected()) {
    QPen glow(palette.color(QPalette::Highlight), 3);
    painter->setPen(glow);
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(b.adjusted(-3, -3, 3, 3), 8, 8);
  }
  QPen border(palette.color(QPalette::Mid), 1);
  if (!content_.errors.isEmpty())
    border = QPen(QColor(214, 39, 40), 2.5);
  else if (!content_.warnings.isEmpty())
    border = QPen(QColor(230, 145, 30), 2, Qt::DashLine);
  painter->setPen(border);
  painter->setBrush(palette.color(QPalette::Base));
  painter->drawRoundedRect(b, 6, 6);

  // The family's colour along the left side, clipped to the rounded box.
  painter->save();
  painter->setClipPath(shape());
  painter->fillRect(QRectF(b.left(), b.top(), kAccentBar, b.height()), accent);
  painter->restore();

  const double left = b.left() + kAccentBar + kPadding, width = b.width() - 2 * kPadding - kAccentBar;
  double y = b.top() + kPadding;
  const QFont title = titleFont(), small = smallFont();
  const QColor text = palette.color(QPalette::Text);
  QColor dim = text;
  dim.setAlphaF(0.7);

  painter->setFont(small);
  const double typeWidth = QFontMetricsF(small).horizontalAdvance(content_.type);
  const bool dark = palette.color(QPalette::Base).lightness() <= 128;
  painter->setPen(dark ? accent.lighter(140) : accent.darker(115));
  painter->drawText(QRectF(left, y, width, lineHeight(title)), Qt::AlignRight | Qt::AlignVCenter, content_.type);
  painter->setFont(title);
  painter->setPen(text);
  const QString name = QFontMetricsF(title).elidedText(content_.name, Qt::ElideRight, width - typeWidth - 8);
  painter->drawText(QRectF(left, y, width, lineHeight(title)), Qt::AlignLeft | Qt::AlignVCenter, name);
  y += lineHeight(title);

  painter->setFont(small);
  painter->setPen(dim);
  for (const QString& line : paramLines(content_.params)) {
    painter->drawText(QRectF(left, y, width, lineHeight(small)), Qt::AlignLeft | Qt::AlignVCenter, line);
    y += lineHeight(small);
  }
  if (!content_.count.isEmpty())
    painter->drawText(QRectF(left, y, width, lineHeight(small)), Qt::AlignRight | Qt::AlignVCenter, content_.count);
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
  if (change == ItemPositionHasChanged)
    for (EdgeItem* edge : edges_) edge->updatePath();
  return QGraphicsItem::itemChange(change, value);
}

}  // namespace gradlab::ui
