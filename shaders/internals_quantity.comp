#version 450
// One optimizer-internals quantity per parameter element (train/optimizer_internals.cpp), written
// to `result` for tensor_stats.comp and tensor_histogram.comp to summarise, so that only the
// summaries leave the device. Every state of a tensor starts at float `first` of its buffer.
// MODE 0: m. 1: sqrt(max(v, 0)). 2: a step size or step,
//   scale * (m if WITH_M) * (xi if WITH_XI) / (vScale * sqrt(max(v - (c^2 if WITH_C), 0)) + eps)
// (Adam's lr m^ / (sqrt(v^) + eps), diffGrad's friction xi, centred RMSprop's grad_avg c).
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

const uint WITH_M = 4u, WITH_XI = 8u, WITH_C = 16u;

layout(std430, binding = 0) readonly buffer M { float m[]; };
layout(std430, binding = 1) readonly buffer V { float v[]; };
layout(std430, binding = 2) readonly buffer Xi { float xi[]; };
layout(std430, binding = 3) readonly buffer C { float c[]; };
layout(std430, binding = 4) writeonly buffer Result { float result[]; };
layout(push_constant) uniform Push { uint n; uint first; uint mode; float scale; float vScale; float eps; } p;

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    uint k = p.first + i;
    uint kind = p.mode & 3u;
    if (kind == 0u) {
      result[i] = m[k];
    } else if (kind == 1u) {
      result[i] = sqrt(max(v[k], 0.0));
    } else {
      float centred = (p.mode & WITH_C) != 0u ? c[k] * c[k] : 0.0;
      float numerator = p.scale * ((p.mode & WITH_M) != 0u ? m[k] : 1.0) * ((p.mode & WITH_XI) != 0u ? xi[k] : 1.0);
      result[i] = numerator / (p.vScale * sqrt(max(v[k] - centred, 0.0)) + p.eps);
    }
  }
}
