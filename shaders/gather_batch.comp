#version 450
// Builds one mini-batch on the device from a dataset kept there: picks samples (from the epoch's
// shuffled order and the step counter while training, or consecutively from `first` when
// evaluating), augments images while training (flip, shifted crop with zero padding, rotation,
// brightness and contrast, all from the counter-based RNG), then normalises with per-value
// scale and offset: x = raw * scale[j] + offset[j]. Bytes (MNIST-style images) are unpacked here,
// four to a 32-bit word, so the dataset stays compact on the device.
#include "divide.glsl"
#include "elementwise.glsl"
#include "random.glsl"

layout(constant_id = 3) const uint BYTES = 1;

layout(std430, binding = 0) readonly buffer Data { uint words[]; };         // bytes, or float bits
layout(std430, binding = 1) readonly buffer AllLabels { uint allLabels[]; };
layout(std430, binding = 2) readonly buffer Order { uint order[]; };        // 2 epochs' permutations
layout(std430, binding = 3) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 4) readonly buffer Norm { float norm[]; };         // scale[n], offset[n]
layout(std430, binding = 5) writeonly buffer Out { float x[]; };
layout(std430, binding = 6) writeonly buffer OutLabels { uint labels[]; };
layout(push_constant) uniform Push {
  uint sampleSize, samples, batch, stepsPerEpoch;
  uint training, first, seed, channels;
  uint height, width, flip, cropPadding;
  float rotation, brightness, contrast, pad_;
} p;

float fetch(uint sampleIndex, uint j) {
  uint i = sampleIndex * p.sampleSize + j;
  if (BYTES == 0) return uintBitsToFloat(words[i]);
  return float((words[i >> 2] >> ((i & 3u) * 8u)) & 255u) * (1.0 / 255.0);
}

float fetchPixel(uint sampleIndex, uint c, int y, int x) {
  if (y < 0 || x < 0 || y >= int(p.height) || x >= int(p.width)) return 0.0;
  return fetch(sampleIndex, (c * p.height + uint(y)) * p.width + uint(x));
}

void main() {
  uint step = stepCounter[0];
  FOR_EACH_ELEMENT(i, p.batch * p.sampleSize) {
    uint b = quotient(i, p.sampleSize), j = i - b * p.sampleSize;
    uint sampleIndex;
    if (p.training != 0) {
      uint epoch = quotient(step, p.stepsPerEpoch), slot = epoch & 1u;
      sampleIndex = order[slot * p.samples + (step - epoch * p.stepsPerEpoch) * p.batch + b];
    } else {
      sampleIndex = min(p.first + b, p.samples - 1);
    }
    float v;
    bool augment = p.training != 0 && p.height > 1 &&
                   (p.flip != 0 || p.cropPadding != 0 || p.rotation != 0.0 || p.brightness != 0.0 || p.contrast != 0.0);
    if (augment) {
      uint key = step * p.batch + b;  // one set of random draws per sampleIndex and step
      uint c = quotient(j, p.height * p.width), row = quotient(j, p.width), y = row - c * p.height, xx = j - row * p.width;
      float fx = float(xx), fy = float(y);
      if (p.flip != 0 && uniformRandom(p.seed, key, 0u) < 0.5) fx = float(p.width - 1) - fx;
      float pad = float(p.cropPadding);
      fx += floor(uniformRandom(p.seed, key, 1u) * (2.0 * pad + 1.0)) - pad;
      fy += floor(uniformRandom(p.seed, key, 2u) * (2.0 * pad + 1.0)) - pad;
      float angle = (2.0 * uniformRandom(p.seed, key, 3u) - 1.0) * p.rotation;
      float cx = 0.5 * float(p.width - 1), cy = 0.5 * float(p.height - 1);
      float sx = cos(angle) * (fx - cx) - sin(angle) * (fy - cy) + cx;
      float sy = sin(angle) * (fx - cx) + cos(angle) * (fy - cy) + cy;
      int x0 = int(floor(sx)), y0 = int(floor(sy));
      float ax = sx - float(x0), ay = sy - float(y0);
      v = mix(mix(fetchPixel(sampleIndex, c, y0, x0), fetchPixel(sampleIndex, c, y0, x0 + 1), ax),
              mix(fetchPixel(sampleIndex, c, y0 + 1, x0), fetchPixel(sampleIndex, c, y0 + 1, x0 + 1), ax), ay);
      float brightness = (2.0 * uniformRandom(p.seed, key, 4u) - 1.0) * p.brightness;
      float contrast = 1.0 + (2.0 * uniformRandom(p.seed, key, 5u) - 1.0) * p.contrast;
      v = (v - 0.5) * contrast + 0.5 + brightness;
    } else {
      v = fetch(sampleIndex, j);
    }
    x[i] = v * norm[j] + norm[p.sampleSize + j];
    if (j == 0) labels[b] = allLabels[sampleIndex];
  }
}
