#version 450
// Normalisation statistics, one invocation per group k of values. Group k holds the values
// x[(j * groups + k) * inner + t] for j < outer, t < inner (BatchNorm: groups = channels, outer =
// batch; per-sample norms: outer = 1). Writes stats[2k] = mean, stats[2k + 1] = 1 / sqrt(var + eps)
// with the biased variance, and stats[2 groups] = 1 when batch statistics were used (0: running).
// MODE 0: batch statistics. 1: also running = (1 - momentum) running + momentum batch, with the
// unbiased variance (PyTorch's BatchNorm). 2: the running statistics themselves (BatchNorm eval).
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint MODE = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer RunningMean { float runningMean[]; };  // MODE 1, 2 only
layout(std430, binding = 2) buffer RunningVar { float runningVar[]; };    // MODE 1, 2 only
layout(std430, binding = 3) writeonly buffer Stats { float stats[]; };
layout(push_constant) uniform Push { uint groups; uint inner; uint outer; float eps; float momentum; } p;

void main() {
  uint k = gl_GlobalInvocationID.x;
  if (k >= p.groups) return;
  if (k == 0) stats[2 * p.groups] = MODE == 2 ? 0.0 : 1.0;
  if (MODE == 2) {
    stats[2 * k] = runningMean[k];
    stats[2 * k + 1] = inversesqrt(runningVar[k] + p.eps);
    return;
  }
  float count = float(p.outer) * float(p.inner);
  float sum = 0.0;
  for (uint j = 0; j < p.outer; ++j) {
    uint base = (j * p.groups + k) * p.inner;
    for (uint t = 0; t < p.inner; ++t) sum += x[base + t];
  }
  float mean = sum / count;
  float squares = 0.0;
  for (uint j = 0; j < p.outer; ++j) {
    uint base = (j * p.groups + k) * p.inner;
    for (uint t = 0; t < p.inner; ++t) squares += (x[base + t] - mean) * (x[base + t] - mean);
  }
  float variance = squares / count;
  stats[2 * k] = mean;
  stats[2 * k + 1] = inversesqrt(variance + p.eps);
  if (MODE == 1) {
    float unbiased = squares / max(count - 1.0, 1.0);
    runningMean[k] = (1.0 - p.momentum) * runningMean[k] + p.momentum * mean;
    runningVar[k] = (1.0 - p.momentum) * runningVar[k] + p.momentum * unbiased;
  }
}
