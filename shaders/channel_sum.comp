#version 450
// out[c] = sum over b and s of x[b, c, s] (+ out[c] when ACCUMULATE): bias gradients. One
// invocation per channel, folding the batch in order, so results do not depend on scheduling.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Out { float outSum[]; };
layout(push_constant) uniform Push { uint batch; uint channels; uint spatial; } p;

void main() {
  uint c = gl_GlobalInvocationID.x;
  if (c >= p.channels) return;
  float sum = 0.0;
  for (uint b = 0; b < p.batch; ++b) {
    uint base = (b * p.channels + c) * p.spatial;
    for (uint s = 0; s < p.spatial; ++s) sum += x[base + s];
  }
  outSum[c] = ACCUMULATE != 0 ? outSum[c] + sum : sum;
}
