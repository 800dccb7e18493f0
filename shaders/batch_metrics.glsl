// Shared by step_metrics.comp and landscape_metrics.comp (one work group of 256 invocations): the
// batch's summed loss and number of correct predictions (arg-max of the class scores equals the
// label) over the first `valid` samples. Each invocation takes every 256th sample, then the work
// group adds the partial results, so a batch is never walked by one invocation alone.
// Needs buffers `losses`, `scores` (batch x classes) and `labels` declared before it.
#include "group_sum.glsl"

vec2 batchLossAndCorrect(uint valid, uint classes) {
  float sum = 0.0, correct = 0.0;
  for (uint b = gl_LocalInvocationID.x; b < valid; b += gl_WorkGroupSize.x) {
    sum += losses[b];
    uint best = 0;
    for (uint k = 1; k < classes; ++k)
      if (scores[b * classes + k] > scores[b * classes + best]) best = k;
    if (best == labels[b]) correct += 1.0;
  }
  const float totalLoss = groupSum(sum);
  barrier();  // every invocation has read the first total before groupSum overwrites its slots
  return vec2(totalLoss, groupSum(correct));
}
