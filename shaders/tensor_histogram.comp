#version 450
// Histogram of one tensor over BINS equal bins between the min and max that tensor_stats.comp
// recorded at `slot`, counted in shared memory by one work group, written as floats at
// histograms[slot * BINS].
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint BINS = 32;

layout(std430, binding = 0) readonly buffer T { float t[]; };
layout(std430, binding = 1) readonly buffer Records { float records[]; };
layout(std430, binding = 2) writeonly buffer Histograms { float histograms[]; };
layout(push_constant) uniform Push { uint n; uint slot; } p;

shared uint counts[BINS];

void main() {
  uint lane = gl_LocalInvocationID.x;
  for (uint b = lane; b < BINS; b += gl_WorkGroupSize.x) counts[b] = 0u;
  barrier();
  float lo = records[p.slot * 8u + 3u], hi = records[p.slot * 8u + 4u];
  float scale = hi > lo ? float(BINS) / (hi - lo) : 0.0;
  for (uint i = lane; i < p.n; i += gl_WorkGroupSize.x) {
    float v = t[i];
    if (isnan(v) || isinf(v)) continue;
    uint bin = uint(clamp((v - lo) * scale, 0.0, float(BINS - 1)));
    atomicAdd(counts[bin], 1u);
  }
  barrier();
  for (uint b = lane; b < BINS; b += gl_WorkGroupSize.x) histograms[p.slot * BINS + b] = float(counts[b]);
}
