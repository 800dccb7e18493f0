#pragma once
// The effective receptive field of one unit: how strongly each input pixel moves it, measured as
// |d unit / d input| by the engine's backward pass seeded with a one-hot at that unit, averaged
// over a batch (real images or noise) and over the input channels. Beside the theoretical box it
// shows that a field's centre counts far more than its border (Luo et al., 2016).
//
// The pass runs in evaluation mode (Dropout off, BatchNorm with its running statistics), so each
// sample's unit depends on that sample alone.
#include "analysis/receptive_field.h"
#include "nn/network.h"

#include <string>
#include <vector>

namespace gradlab::analysis {

// A unit of a node's output: channel, row, column of an image; feature index (in `channel`) of a
// flat output.
struct Unit {
  std::string node;
  uint32_t channel = 0, y = 0, x = 0;
};

struct EffectiveReceptiveField {
  Unit unit;
  uint32_t height = 0, width = 0;  // the input image's (a flat input: 1 x features)
  std::vector<double> heat;        // height x width, row-major: mean |d unit / d pixel|
  ReceptiveField theoretical;      // of the unit's node
  PixelBox box;                    // the unit's theoretical field, clipped to the image

  double at(uint32_t y, uint32_t x) const { return heat[size_t(y) * width + x]; }
};

// Runs on the batch already in net.input(); afterwards net.inputGradient() holds each sample's
// d unit / d input. Throws std::invalid_argument naming what to change for a unit that does not
// exist, a loss node, or a node the loss does not depend on.
EffectiveReceptiveField effectiveReceptiveField(nn::Network& net, const Unit& unit);

}  // namespace gradlab::analysis
