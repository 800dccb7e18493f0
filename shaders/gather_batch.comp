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
// Set by the host when a training batch is augmented: the augmentation is compiled out otherwise
// (a CPU device would run it for every value, masked, if it were a run-time branch).
layout(constant_id = 4) const uint AUGMENT = 0;
// Set by the host for byte images of a multiple of four values, not augmented: one invocation
// unpacks a whole 32-bit word into four values, with `norm` bound as a vec4 texel view.
layout(constant_id = 5) const uint WORDS = 0;

// Read as texel buffers: a branch-free gather on CPU devices (see engine/gpu/kernel.h).
layout(binding = 0) uniform usamplerBuffer words;      // bytes, or float bits
layout(binding = 1) uniform usamplerBuffer allLabels;
layout(binding = 2) uniform usamplerBuffer order;      // 2 epochs' permutations
layout(std430, binding = 3) readonly buffer Step { uint stepCounter[]; };
layout(binding = 4) uniform samplerBuffer norm;        // scale[n], offset[n]
layout(std430, binding = 5) writeonly buffer Out { float x[]; };
layout(std430, binding = 5) writeonly buffer Out4 { vec4 x4[]; };
layout(std430, binding = 6) writeonly buffer OutLabels { uint labels[]; };
layout(push_constant) uniform Push {
  uint sampleSize, samples, batch, stepsPerEpoch;
  uint training, first, seed, channels;
  uint height, width, flip, cropPadding;
  float rotation, brightness, contrast, pad_;
} p;

float fetch(uint sampleIndex, uint j) {
  uint i = sampleIndex * p.sampleSize + j;
  if (BYTES == 0) return uintBitsToFloat(texelFetch(words, int(i)).r);
  return float((texelFetch(words, int(i >> 2)).r >> ((i & 3u) * 8u)) & 255u) * (1.0 / 255.0);
}

float fetchPixel(uint sampleIndex, uint c, int y, int x) {
  const bool inside = y >= 0 && x >= 0 && y < int(p.height) && x < int(p.width);
  const float v = fetch(sampleIndex, (c * p.height + uint(clamp(y, 0, int(p.height) - 1))) * p.width +
                                         uint(clamp(x, 0, int(p.width) - 1)));
  return inside ? v : 0.0;
}

// The dataset index of batch row b.
uint sampleOf(uint b, uint step) {
  if (p.training == 0) return min(p.first + b, p.samples - 1);
  const uint epoch = quotient(step, p.stepsPerEpoch), slot = epoch & 1u;
  return texelFetch(order, int(slot * p.samples + (step - epoch * p.stepsPerEpoch) * p.batch + b)).r;
}

void main() {
  const uint step = stepCounter[0];
  if (WORDS != 0) {
    const uint wordsPerSample = p.sampleSize / 4u;
    FOR_EACH_ELEMENT(w, p.batch * wordsPerSample) {
      const uint b = quotient(w, wordsPerSample), j = w - b * wordsPerSample;
      const uint word = texelFetch(words, int(sampleOf(b, step) * wordsPerSample + j)).r;
      const vec4 raw = vec4((uvec4(word) >> uvec4(0u, 8u, 16u, 24u)) & 255u) * (1.0 / 255.0);
      x4[w] = raw * texelFetch(norm, int(j)) + texelFetch(norm, int(wordsPerSample + j));
    }
  } else FOR_EACH_ELEMENT(i, p.batch * p.sampleSize) {
    const uint b = quotient(i, p.sampleSize), j = i - b * p.sampleSize, sampleIndex = sampleOf(b, step);
    float v;
    if (AUGMENT != 0) {
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
    x[i] = v * texelFetch(norm, int(j)).r + texelFetch(norm, int(p.sampleSize + j)).r;
  }
  // The labels in a loop of their own: a store under a per-value condition would cost every value.
  FOR_EACH_ELEMENT(b, p.batch) labels[b] = texelFetch(allLabels, int(sampleOf(b, step))).r;
}
