#version 450
// Statistics of one tensor for the lab's probes, by one work group: every invocation folds a
// strided share (Welford for mean and variance, plus min, max and two counts), then the group
// combines them in shared memory. Record at `slot` (8 floats): count, mean, M2, min, max,
// exact zeros, saturated (values <= low or >= high), unused. Probes run every K steps, so one
// group per tensor is plenty.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(std430, binding = 0) readonly buffer T { float t[]; };
layout(std430, binding = 1) buffer Records { float records[]; };
layout(push_constant) uniform Push { uint n; uint slot; float low; float high; } p;

shared vec4 moments[gl_WorkGroupSize.x];  // count, mean, M2, unused
shared vec4 extras[gl_WorkGroupSize.x];   // min, max, zeros, saturated

vec4 mergeMoments(vec4 a, vec4 b) {
  float n = a.x + b.x;
  if (n == 0.0) return a;
  float delta = b.y - a.y;
  return vec4(n, a.y + delta * (b.x / n), a.z + b.z + delta * delta * (a.x * b.x / n), 0.0);
}

void main() {
  uint lane = gl_LocalInvocationID.x;
  vec4 m = vec4(0.0);
  vec4 e = vec4(uintBitsToFloat(0x7f800000u), uintBitsToFloat(0xff800000u), 0.0, 0.0);
  for (uint i = lane; i < p.n; i += gl_WorkGroupSize.x) {
    float v = t[i];
    m.x += 1.0;
    float delta = v - m.y;
    m.y += delta / m.x;
    m.z += delta * (v - m.y);
    e.x = min(e.x, v);
    e.y = max(e.y, v);
    e.z += v == 0.0 ? 1.0 : 0.0;
    e.w += (v <= p.low || v >= p.high) ? 1.0 : 0.0;
  }
  moments[lane] = m;
  extras[lane] = e;
  barrier();
  for (uint stride = gl_WorkGroupSize.x / 2; stride > 0; stride /= 2) {
    if (lane < stride) {
      moments[lane] = mergeMoments(moments[lane], moments[lane + stride]);
      vec4 a = extras[lane], b = extras[lane + stride];
      extras[lane] = vec4(min(a.x, b.x), max(a.y, b.y), a.z + b.z, a.w + b.w);
    }
    barrier();
  }
  if (lane == 0) {
    uint base = p.slot * 8u;
    records[base + 0] = moments[0].x;
    records[base + 1] = moments[0].y;
    records[base + 2] = moments[0].z;
    records[base + 3] = extras[0].x;
    records[base + 4] = extras[0].y;
    records[base + 5] = extras[0].z;
    records[base + 6] = extras[0].w;
    records[base + 7] = 0.0;
  }
}
