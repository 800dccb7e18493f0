#version 450
// out[c] = sum over b and s of x(b, c, s) (+ out[c] when ACCUMULATE), one invocation per channel,
// in order: for channels with few values (a Linear layer's bias gradient: one per sample), where
// channel_sum.comp's work group per channel spends more on its barriers than on adding.
layout(local_size_x = 64) in;
layout(constant_id = 3) const uint ACCUMULATE = 0;

layout(binding = 0) uniform samplerBuffer xTexels;
float x(uint i) { return texelFetch(xTexels, int(i)).r; }
layout(std430, binding = 1) buffer Out { float outSum[]; };
layout(push_constant) uniform Push { uint batch; uint channels; uint spatial; } p;

void main() {
  const uint c = gl_GlobalInvocationID.x;
  if (c >= p.channels) return;
  float sum = 0.0;
  for (uint b = 0; b < p.batch; ++b) {
    const uint first = (b * p.channels + c) * p.spatial;
    for (uint s = 0; s < p.spatial; ++s) sum += x(first + s);
  }
  outSum[c] = ACCUMULATE != 0 ? outSum[c] + sum : sum;
}
