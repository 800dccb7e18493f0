#version 450
// After a forward pass at a landscape point: the batch's summed loss and number of correct
// predictions (arg-max of the class scores equals the label), added into the record of the point
// the device counter names: (loss sum, correct, samples, 0). The point's first batch starts it.
// Samples from `valid` on are padding of a last partial batch and do not count. One work group of
// 256 invocations (batch_metrics.glsl).
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Losses { float losses[]; };
layout(std430, binding = 1) readonly buffer Scores { float scores[]; };
layout(std430, binding = 2) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 3) readonly buffer Counter { uint counter[]; };
layout(std430, binding = 4) buffer Records { vec4 records[]; };
layout(push_constant) uniform Push { uint classes, valid, first; } p;
#include "batch_metrics.glsl"

void main() {
  const vec2 metrics = batchLossAndCorrect(p.valid, p.classes);
  if (gl_LocalInvocationID.x != 0) return;
  const float sum = metrics.x, correct = metrics.y;
  const uint point = counter[0];
  const vec4 previous = p.first != 0 ? vec4(0.0) : records[point];
  records[point] = previous + vec4(sum, correct, float(p.valid), 0.0);
}
