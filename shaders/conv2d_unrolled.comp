#version 450
// A stride-1 convolution of a small layer with every tap unrolled, for CPU devices:
//   y[b, o, oh, ow] (+)= bias[o] + sum over c, ki, kj of weight(o, c, ki, kj) x[b, c, oh + ki - pad, ow + kj - pad]
// (0 outside the image). One invocation computes four neighbouring pixels of one output row for
// every output channel: per input channel and kernel row it fetches the 4 + K - 1 input values
// once and reuses them for all K taps and all COUT channels, from registers.
//
// Why on CPU devices: every load on llvmpipe costs per lane, even when all lanes read the same
// address (Mesa 22.3; a uniform buffer at constant offsets measured no faster). With CIN, COUT and
// K specialization constants every loop unrolls, the weights are fetched once per subgroup and
// shuffled round (below), and the remaining per-lane traffic is the input row fetches and the
// output stores. It replaces im2col + GEMM + the channel-major move (three passes over a
// K^2-times larger column matrix).
//
// ADJOINT computes the input gradient of the same convolution instead: x is then dy (CIN = the
// layer's output channels), y is dx (COUT = its input channels), the weights are read transposed
// and flipped, and the host passes pad' = K - 1 - pad.
#extension GL_EXT_control_flow_attributes : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#include "divide.glsl"
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(constant_id = 3) const uint CIN = 1;   // channels read
layout(constant_id = 4) const uint COUT = 1;  // channels written
layout(constant_id = 5) const uint K = 1;
layout(constant_id = 6) const uint ADJOINT = 0;
layout(constant_id = 7) const uint ACCUMULATE = 0;
layout(constant_id = 8) const uint BIAS = 0;
layout(constant_id = 9) const uint VEC4 = 0;   // outW is a multiple of 4: whole vec4 stores
layout(constant_id = 10) const uint LANES = 8;  // the subgroup size (the host checks it is fixed)

layout(binding = 0) uniform samplerBuffer xTexels;                   // samples x CIN x inH x inW
layout(binding = 1) uniform samplerBuffer weightTexels;             // PyTorch's out x in x K x K
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };  // COUT (BIAS only)
layout(std430, binding = 3) buffer Y { float y[]; };                 // samples x COUT x outH x outW
layout(std430, binding = 3) buffer Y4 { vec4 y4[]; };
layout(push_constant) uniform Push {
  uint samples, inH, inW, outH, outW, pad;
} p;

// The COUT x K weights one (c, ki) step uses, u = o K + kj, spread over the lanes: lane l fetches
// units l, l + LANES, ... and every lane takes unit u from lane u % LANES with a shuffle. All
// lanes use the same weights; a fetch per lane per weight was most of the kernel's time.
const uint UNITS = COUT * K, SLOTS = (UNITS + LANES - 1u) / LANES;
uint weightIndex(uint o, uint c, uint ki, uint kj) {
  return ADJOINT == 0 ? ((o * CIN + c) * K + ki) * K + kj : ((c * COUT + o) * K + (K - 1 - ki)) * K + (K - 1 - kj);
}

void main() {
  // Invocations past the end redo the last segment and store nothing.
  const uint segments = (p.outW + 3u) / 4u, total = p.samples * p.outH * segments;
  const uint id = min(gl_GlobalInvocationID.x, total - 1u);
  const uint row = quotient(id, segments), segment = id - row * segments;
  const uint b = quotient(row, p.outH), oh = row - b * p.outH, x0 = segment * 4u;

  vec4 acc[COUT];
  [[unroll]] for (uint o = 0; o < COUT; ++o) acc[o] = vec4(BIAS != 0 ? bias[o] : 0.0);
  [[unroll]] for (uint c = 0; c < CIN; ++c)
    [[unroll]] for (uint ki = 0; ki < K; ++ki) {
      const int ih = int(oh + ki) - int(p.pad);
      const bool rowInside = ih >= 0 && ih < int(p.inH);
      const uint rowStart = ((b * CIN + c) * p.inH + uint(clamp(ih, 0, int(p.inH) - 1))) * p.inW;
      float v[4 + K - 1];
      [[unroll]] for (uint t = 0; t < 4 + K - 1; ++t) {
        const int ix = int(x0 + t) - int(p.pad);
        const bool inside = rowInside && ix >= 0 && ix < int(p.inW);
        const float value = texelFetch(xTexels, int(rowStart + uint(clamp(ix, 0, int(p.inW) - 1)))).r;
        v[t] = inside ? value : 0.0;
      }
      float own[SLOTS];
      [[unroll]] for (uint s = 0; s < SLOTS; ++s) {
        const uint u = min(s * LANES + gl_SubgroupInvocationID, UNITS - 1u), o = u / K, kj = u - o * K;
        own[s] = texelFetch(weightTexels, int(weightIndex(o, c, ki, kj))).r;
      }
      [[unroll]] for (uint kj = 0; kj < K; ++kj) {
        const vec4 xs = vec4(v[kj], v[kj + 1], v[kj + 2], v[kj + 3]);
        [[unroll]] for (uint o = 0; o < COUT; ++o) {
          const uint u = o * K + kj;
          acc[o] = fma(vec4(subgroupShuffle(own[u / LANES], u % LANES)), xs, acc[o]);
        }
      }
    }

  if (gl_GlobalInvocationID.x >= total) return;
  const uint plane = p.outH * p.outW;
  [[unroll]] for (uint o = 0; o < COUT; ++o) {
    const uint at = (b * COUT + o) * plane + oh * p.outW + x0;
    if (VEC4 != 0) {
      y4[at / 4u] = ACCUMULATE != 0 ? y4[at / 4u] + acc[o] : acc[o];
      continue;
    }
    [[unroll]] for (uint j = 0; j < 4; ++j)
      if (x0 + j < p.outW) y[at + j] = ACCUMULATE != 0 ? y[at + j] + acc[o][j] : acc[o][j];
  }
}
