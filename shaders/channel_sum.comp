#version 450
// out[c] = sum over b and s of x[b, c, s] (+ out[c] when ACCUMULATE): bias gradients. One work
// group per channel, so a channel with many values (a convolution's, batch x pixels) is summed by
// 256 invocations instead of one: each folds a fixed stride of the channel's values in order, then
// the group adds the partial sums by halving. Results do not depend on scheduling.
layout(local_size_x = 256) in;
layout(constant_id = 3) const uint ACCUMULATE = 0;
layout(constant_id = 4) const uint VEC4 = 0;  // set by the host when spatial is a multiple of 4
#include "divide.glsl"
#include "group_sum.glsl"

layout(binding = 0) uniform samplerBuffer x4;  // vec4 texels (a branch-free gather on CPU devices)
layout(std430, binding = 1) buffer Out { float outSum[]; };
layout(push_constant) uniform Push { uint batch; uint channels; uint spatial; } p;

void main() {
  // A run is one image's values of a channel: `run` vec4s or floats, contiguous.
  const uint run = VEC4 != 0 ? p.spatial / 4 : p.spatial;
  // More channels than work groups (a very wide Linear): each group takes every n-th channel.
  for (uint c = gl_WorkGroupID.x; c < p.channels; c += gl_NumWorkGroups.x) {
    float sum = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.batch * run; j += 256u) {
      const uint b = quotient(j, run), i = (b * p.channels + c) * run + (j - b * run);
      if (VEC4 != 0) {
        const vec4 v = texelFetch(x4, int(i));
        sum += (v.x + v.y) + (v.z + v.w);
      } else {
        sum += texelFetch(x4, int(i / 4u))[i % 4u];
      }
    }
    const float total = groupSum(sum);
    if (gl_LocalInvocationID.x == 0u) outSum[c] = ACCUMULATE != 0 ? outSum[c] + total : total;
    barrier();  // groupPartial is reused by the next channel
  }
}
