#pragma once
// Theoretical receptive fields: for every node of a checked graph, which input pixels one of its
// units can depend on, as a size, a jump (the distance in input pixels between neighbouring
// units) and a start per spatial axis, composed layer by layer:
//
//   size_out  = size_in + (k - 1) * d * jump_in
//   jump_out  = jump_in * s
//   start_out = start_in - p * jump_in
//
// `start` is the input coordinate of the top (left) edge of unit 0's field, so unit i's field is
// the input pixels [start + i * jump, start + i * jump + size - 1] (negative or past the image:
// padding). With the top-left convention the dilation does not move the start; the centre
// convention's start_out = start_in + ((k - 1) / 2 * d - p) * jump_in is start + (size - 1) / 2.
//
// Each layer type states its rule in its registration (nn::SpatialRule): a window (Conv2d,
// MaxPool2d and AvgPool2d as above, pools with d = 1, padding included; a transposed window for
// ConvTranspose2d, a convolution with stride 1/s over its input: the jump divides by s, the size
// grows by (k - 1) * d / s * jump_in and the start moves by (p - (k - 1) * d) / s * jump_in; sizes
// may then be fractional, and the pixels a unit depends on are the whole input pixels inside its
// box), a union (Add: the hull of its inputs' fields when their jumps agree, else the widest
// input's field, noted), point-wise (activations, Dropout, BatchNorm with fixed statistics keep
// the field), or whole (GlobalAvgPool2d, Flatten, Linear, losses, the per-sample normalisations
// LayerNorm, InstanceNorm2d and GroupNorm whose statistics mix the whole image, and any type that
// states no rule).
#include "nn/graph.h"

#include <string>
#include <vector>

namespace gradlab::analysis {

struct AxisField {
  double size = 1;   // input pixels one unit's field spans (padding included)
  double jump = 1;   // input pixels between neighbouring units
  double start = 0;  // input coordinate of the top (left) edge of unit 0's field

  double first(uint32_t unit) const { return start + unit * jump; }
  double last(uint32_t unit) const { return first(unit) + size - 1; }
  double centre(uint32_t unit) const { return first(unit) + (size - 1) / 2; }
};

struct ReceptiveField {
  std::string node, type;  // the graph input has type "input"
  nn::Shape shape;         // the node's output shape
  bool whole = false;      // every unit sees the whole input; rows and cols are then meaningless
  AxisField rows, cols;
  std::string note;  // why the field is whole, or how a layer was treated
};

// The input rectangle a unit's field covers, clipped to the image: pixels [top, bottom] x
// [left, right], both ends included. Empty (top > bottom) when the field lies in the padding.
struct PixelBox {
  int top = 0, left = 0, bottom = -1, right = -1;
  bool empty() const { return top > bottom || left > right; }
  bool contains(int y, int x) const { return y >= top && y <= bottom && x >= left && x <= right; }
};
PixelBox inputBox(const ReceptiveField& field, uint32_t y, uint32_t x, const nn::Shape& inputShape);

// The graph input first, then every node in graph order. Throws std::invalid_argument with the
// graph's errors when it is not valid.
std::vector<ReceptiveField> receptiveFields(const nn::Graph& graph);

}  // namespace gradlab::analysis
