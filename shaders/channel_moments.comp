#version 450
// A BatchNorm input's statistics per channel, as the layer normalises with them: the mean and the
// biased variance of x[(b * channels + c) * inner + t] over b < outer, t < inner. One work group
// per channel folds strided shares (Welford) and merges them in shared memory; writes
// moments[2 (first + c)] = mean, moments[2 (first + c) + 1] = variance, so several layers share
// one buffer. The internals probes read only these back.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Moments { float moments[]; };
layout(push_constant) uniform Push { uint channels; uint inner; uint outer; uint first; } p;

shared vec3 partial[gl_WorkGroupSize.x];  // count, mean, M2

vec3 merge(vec3 a, vec3 b) {
  float n = a.x + b.x;
  if (n == 0.0) return a;
  float delta = b.y - a.y;
  return vec3(n, a.y + delta * (b.x / n), a.z + b.z + delta * delta * (a.x * b.x / n));
}

void main() {
  uint lane = gl_LocalInvocationID.x;
  uint values = p.outer * p.inner;
  for (uint channel = gl_WorkGroupID.x; channel < p.channels; channel += gl_NumWorkGroups.x) {
    vec3 w = vec3(0.0);
    for (uint i = lane; i < values; i += gl_WorkGroupSize.x) {
      uint b = i / p.inner, t = i - b * p.inner;
      float value = x[(b * p.channels + channel) * p.inner + t];
      w.x += 1.0;
      float delta = value - w.y;
      w.y += delta / w.x;
      w.z += delta * (value - w.y);
    }
    partial[lane] = w;
    barrier();
    for (uint stride = gl_WorkGroupSize.x / 2; stride > 0; stride /= 2) {
      if (lane < stride) partial[lane] = merge(partial[lane], partial[lane + stride]);
      barrier();
    }
    if (lane == 0) {
      moments[2 * (p.first + channel)] = partial[0].y;
      moments[2 * (p.first + channel) + 1] = partial[0].x > 0.0 ? partial[0].z / partial[0].x : 0.0;
    }
    barrier();
  }
}
