#pragma once
// What a network trained on a 2-D dataset predicts everywhere around the data: its class and
// confidence on a G x G grid of points, evaluated on the device in evaluation mode. The network
// has a fixed batch, so one recorded pass copies the grid into its input a batch at a time and
// copies the class scores out.
#include "data/dataset.h"
#include "data/device_dataset.h"
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "nn/network.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace gradlab::train {

// The rectangle of the input plane a boundary covers (in the dataset's raw coordinates).
struct GridExtent {
  double xMin = -1, xMax = 1, yMin = -1, yMax = 1;
};
// The data's bounding box, widened by `margin` of its size on every side.
GridExtent extentOf(const data::Dataset& dataset, double margin = 0.1);

struct DecisionBoundary {
  uint64_t step = 0;  // steps completed when evaluated
  GridExtent extent;
  uint32_t grid = 0;                // G: cells per side; cell (i, j) is centred at x_j, y_i
  uint32_t classes = 0;             // 2 for a single-score (sigmoid) output
  std::vector<uint32_t> cellClass;  // G x G, row 0 at yMin, column 0 at xMin
  std::vector<float> confidence;    // the predicted class's probability, same layout
  double cellX(uint32_t j) const { return extent.xMin + (j + 0.5) * (extent.xMax - extent.xMin) / grid; }
  double cellY(uint32_t i) const { return extent.yMin + (i + 0.5) * (extent.yMax - extent.yMin) / grid; }
};

// Class and confidence from one point's scores: softmax over several, sigmoid of a single one.
void classify(const double* scores, uint32_t count, uint32_t& cls, double& confidence);

class DecisionBoundaryProbe {
 public:
  // `network` must take 2 inputs; `norm` is the normalisation the training data goes through.
  // Throws std::invalid_argument with what to change otherwise.
  DecisionBoundaryProbe(nn::Network& network, const GridExtent& extent, uint32_t grid,
                        const data::NormalizationTable& norm);

  // Evaluates the network as its parameters are now (call between training steps).
  DecisionBoundary measure(uint64_t step);
  // The network's input for every grid point (after normalisation), 2 floats each, row-major.
  const std::vector<float>& points() const { return points_; }

 private:
  nn::Network& network_;
  GridExtent extent_;
  uint32_t grid_, scores_;
  std::vector<float> points_;
  std::unique_ptr<gpu::Buffer> pointBuffer_, scoreBuffer_;
  std::unique_ptr<gpu::Recording> recording_;
};

}  // namespace gradlab::train
