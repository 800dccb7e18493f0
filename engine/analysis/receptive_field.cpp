#include "analysis/receptive_field.h"

#include "nn/layer_catalog.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace gradlab::analysis {
namespace {

// A window of k taps, d apart, every s units of the input, after p units of padding.
AxisField window(const AxisField& in, double k, double s, double p, double d) {
  return {in.size + (k - 1) * d * in.jump, in.jump * s, in.start - p * in.jump};
}

// Convolution with stride 1/s: output unit o depends on input units (o + p - t d) / s.
AxisField transposedWindow(const AxisField& in, double k, double s, double p, double d) {
  return {in.size + (k - 1) * d / s * in.jump, in.jump / s, in.start + (p - (k - 1) * d) / s * in.jump};
}

ReceptiveField whole(ReceptiveField field, std::string note) {
  field.whole = true;
  field.rows = field.cols = {};
  field.note = std::move(note);
  return field;
}

AxisField hull(const std::vector<AxisField>& fields) {
  AxisField out = fields[0];
  double last = out.last(0);
  for (const auto& f : fields) {
    out.start = std::min(out.start, f.start);
    last = std::max(last, f.last(0));
  }
  out.size = last - out.start + 1;
  return out;
}

ReceptiveField add(ReceptiveField field, const std::vector<const ReceptiveField*>& inputs) {
  std::vector<AxisField> rows, cols;
  for (const auto* in : inputs) {
    if (in->whole) return whole(std::move(field), "an input sees the whole input");
    rows.push_back(in->rows);
    cols.push_back(in->cols);
  }
  const bool sameJumps = std::all_of(inputs.begin(), inputs.end(), [&](const ReceptiveField* in) {
    return in->rows.jump == rows[0].jump && in->cols.jump == cols[0].jump;
  });
  if (sameJumps) {
    field.rows = hull(rows);
    field.cols = hull(cols);
    field.note = "union of its inputs' fields";
    return field;
  }
  const auto widest =
      std::max_element(inputs.begin(), inputs.end(), [](const ReceptiveField* a, const ReceptiveField* b) {
        return a->rows.size * a->cols.size < b->rows.size * b->cols.size;
      });
  field.rows = (*widest)->rows;
  field.cols = (*widest)->cols;
  field.note = "inputs' jumps differ: the field of the widest input, " + (*widest)->node;
  return field;
}

}  // namespace

PixelBox inputBox(const ReceptiveField& field, uint32_t y, uint32_t x, const nn::Shape& inputShape) {
  const int height = int(inputShape.height()), width = int(inputShape.width());
  if (field.whole) return {0, 0, height - 1, width - 1};
  // Only whole pixels inside the (possibly fractional) box: round inwards, then clip.
  return {std::max(0, int(std::ceil(field.rows.first(y) - 1e-9))),
          std::max(0, int(std::ceil(field.cols.first(x) - 1e-9))),
          std::min(height - 1, int(std::floor(field.rows.last(y) + 1e-9))),
          std::min(width - 1, int(std::floor(field.cols.last(x) + 1e-9)))};
}

std::vector<ReceptiveField> receptiveFields(const nn::Graph& graph) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  if (!analysis.ok()) throw std::invalid_argument("The network is not valid:\n" + analysis.errorText());
  const nn::GraphInput& input = graph.inputs[0];
  std::vector<ReceptiveField> out(graph.nodes.size() + 1);
  out[0] = {input.name, "input", input.shape, false, {}, {}, input.shape.isImage() ? "" : "no spatial axes"};
  std::map<std::string, const ReceptiveField*> byName{{input.name, &out[0]}};

  for (size_t i : analysis.order) {
    const nn::Node& node = graph.nodes[i];
    const nn::NodeInfo& info = analysis.nodes[i];
    std::vector<const ReceptiveField*> inputs;
    for (const auto& name : node.inputs) inputs.push_back(byName.at(name));
    ReceptiveField field{node.name, node.type, info.shape.output, false, inputs[0]->rows, inputs[0]->cols, {}};
    const nn::SpatialRule& rule = info.def->spatial;

    if (!input.shape.isImage())
      field = whole(std::move(field), "the input has no spatial axes");
    else if (rule.kind == nn::SpatialRule::Kind::Union)
      field = add(std::move(field), inputs);
    else if (inputs[0]->whole)
      field = whole(std::move(field), "its input sees the whole input");
    else if (rule.kind == nn::SpatialRule::Kind::Window) {
      const nn::KernelWindow w = rule.window(info.params);
      const auto slide = w.transposed ? transposedWindow : window;
      field.rows = slide(field.rows, w.kernel, w.stride, w.padding, w.dilation);
      field.cols = slide(field.cols, w.kernel, w.stride, w.padding, w.dilation);
      if (w.transposed) field.note = "stride 1/" + std::to_string(int(w.stride)) + " over its input";
    } else if (rule.kind == nn::SpatialRule::Kind::Whole)
      field = whole(std::move(field), rule.note.empty() ? "its layer type declares no spatial rule" : rule.note);

    out[i + 1] = std::move(field);
    byName[node.name] = &out[i + 1];
  }
  return out;
}

}  // namespace gradlab::analysis
