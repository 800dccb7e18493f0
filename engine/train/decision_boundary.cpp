#include "train/decision_boundary.h"

#include "train/step_builder.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gradlab::train {

GridExtent extentOf(const data::Dataset& dataset, double margin) {
  if (dataset.sampleSize() != 2 || dataset.size() == 0)
    throw std::invalid_argument("A decision boundary needs a dataset of 2-D points; " + dataset.name + " has " +
                                std::to_string(dataset.sampleSize()) +
                                " values per sample: turn the boundary view off.");
  GridExtent e{INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (uint32_t s = 0; s < dataset.size(); ++s) {
    e.xMin = std::min<double>(e.xMin, dataset.raw(s, 0)), e.xMax = std::max<double>(e.xMax, dataset.raw(s, 0));
    e.yMin = std::min<double>(e.yMin, dataset.raw(s, 1)), e.yMax = std::max<double>(e.yMax, dataset.raw(s, 1));
  }
  // A degenerate axis (all points on a line) still gets a visible width.
  const double w = std::max(e.xMax - e.xMin, 1e-3), h = std::max(e.yMax - e.yMin, 1e-3);
  return {e.xMin - margin * w, e.xMin + (1 + margin) * w, e.yMin - margin * h, e.yMin + (1 + margin) * h};
}

void classify(const double* scores, uint32_t count, uint32_t& cls, double& confidence) {
  if (count == 1) {  // one logit: P(class 1) = sigmoid
    const double p = 1 / (1 + std::exp(-scores[0]));
    cls = p >= 0.5 ? 1 : 0;
    confidence = cls ? p : 1 - p;
    return;
  }
  cls = uint32_t(std::max_element(scores, scores + count) - scores);
  double sum = 0;
  for (uint32_t c = 0; c < count; ++c) sum += std::exp(scores[c] - scores[cls]);
  confidence = 1 / sum;
}

DecisionBoundaryProbe::DecisionBoundaryProbe(nn::Network& network, const GridExtent& extent, uint32_t grid,
                                             const data::NormalizationTable& norm)
    : network_(network), extent_(extent), grid_(grid), scores_(network.classes()) {
  if (network.inputShape().elements() != 2)
    throw std::invalid_argument("A decision boundary needs a network with 2 inputs (a 2-D toy dataset); this one has " +
                                std::to_string(network.inputShape().elements()) + ": turn the boundary view off.");
  if (grid < 2 || grid > 512)
    throw std::invalid_argument("The decision-boundary grid must have 2 to 512 cells per side.");
  if (!(extent.xMax > extent.xMin) || !(extent.yMax > extent.yMin))
    throw std::invalid_argument("The decision-boundary extent must have xMax > xMin and yMax > yMin.");
  const uint32_t batch = network.batch(), cells = grid * grid;
  const uint32_t chunks = (cells + batch - 1) / batch;
  // Padded to whole batches with copies of the last point; their scores are never read.
  points_.resize(size_t(chunks) * batch * 2);
  DecisionBoundary cellsOf;
  cellsOf.extent = extent;
  cellsOf.grid = grid;
  for (uint32_t k = 0; k < chunks * batch; ++k) {
    const uint32_t c = std::min(k, cells - 1);
    points_[2 * k] = float(cellsOf.cellX(c % grid) * norm.scale[0] + norm.offset[0]);
    points_[2 * k + 1] = float(cellsOf.cellY(c / grid) * norm.scale[1] + norm.offset[1]);
  }
  gpu::Context& context = network.context();
  pointBuffer_ = std::make_unique<gpu::Buffer>(context, points_.size() * 4);
  pointBuffer_->upload(std::span<const float>(points_));
  scoreBuffer_ = std::make_unique<gpu::Buffer>(context, uint64_t(chunks) * batch * scores_ * 4);

  recording_ = std::make_unique<gpu::Recording>(context, 0);
  gpu::Recording& rec = *recording_;
  rec.fill(network.labels(), 0);  // the loss layer reads labels: any valid class will do
  const gpu::Buffer& logits = network.activation(network.logitsNode());
  for (uint32_t chunk = 0; chunk < chunks; ++chunk) {
    rec.copy(gpu::floats(*pointBuffer_, uint64_t(chunk) * batch * 2, batch * 2),
             gpu::floats(network.input(), 0, batch * 2));
    train::recordForward(rec, network, false);
    rec.copy(gpu::floats(logits, 0, uint64_t(batch) * scores_),
             gpu::floats(*scoreBuffer_, uint64_t(chunk) * batch * scores_, uint64_t(batch) * scores_));
  }
  rec.finish();
}

DecisionBoundary DecisionBoundaryProbe::measure(uint64_t step) {
  network_.context().run(*recording_);
  const uint32_t cells = grid_ * grid_;
  const auto scores = scoreBuffer_->read<float>(uint64_t(cells) * scores_);
  DecisionBoundary b;
  b.step = step;
  b.extent = extent_;
  b.grid = grid_;
  b.classes = std::max(scores_, 2u);
  b.cellClass.resize(cells);
  b.confidence.resize(cells);
  std::vector<double> s(scores_);
  for (uint32_t c = 0; c < cells; ++c) {
    std::copy_n(scores.begin() + size_t(c) * scores_, scores_, s.begin());
    uint32_t cls;
    double p;
    classify(s.data(), scores_, cls, p);
    b.cellClass[c] = cls;
    b.confidence[c] = float(p);
  }
  return b;
}

}  // namespace gradlab::train
