#version 450
// After a forward pass: the batch's summed loss and number of correct predictions (arg-max of
// the class scores equals the label), written to a ring of per-step records the host reads when it
// wants them: (step, loss sum, correct, samples). A loss that is not finite raises the flag.
// Samples from `valid` on are padding of a last partial batch and do not count. One work group of
// 256 invocations (batch_metrics.glsl).
#define CONTROL_BINDING 4
#include "training_control.glsl"
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Losses { float losses[]; };
layout(std430, binding = 1) readonly buffer Scores { float scores[]; };
layout(std430, binding = 2) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 3) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 5) buffer Ring { vec4 ring[]; };
#include "step_metrics.h"
layout(push_constant) uniform Push { StepMetricsPush p; };
#include "batch_metrics.glsl"

void main() {
  const vec2 metrics = batchLossAndCorrect(p.valid, p.classes);
  if (gl_LocalInvocationID.x != 0) return;
  const float sum = metrics.x, correct = metrics.y;
  uint step = stepCounter[0];
  // Training writes one record per step; evaluation (accumulate) adds its batches into one slot.
  uint slot = p.accumulate != 0 ? p.slot : step % p.ringSize;
  vec4 previous = p.accumulate != 0 ? ring[slot] : vec4(0.0);
  ring[slot] = vec4(float(step), previous.y + sum, previous.z + correct, previous.w + float(p.valid));
  if (p.accumulate == 0 && notFinite(vec4(sum))) flagNotFinite(step, kLossTensor);
}
