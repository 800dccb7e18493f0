#version 450
// Softmax cross-entropy, one invocation per sample. Forward: loss[b] = logsumexp(z_b) - z_b[label]
// with the maximum subtracted first (no overflow for any logits). Backward: dz = (softmax(z) -
// onehot(label)) / batch, the gradient of the batch mean.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint BACKWARD = 0;
layout(constant_id = 4) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 2) buffer Out { float result[]; };  // loss[b] (forward) or dz (backward)
layout(push_constant) uniform Push { uint batch; uint classes; } p;

void main() {
  uint b = gl_GlobalInvocationID.x;
  if (b >= p.batch) return;
  uint base = b * p.classes;
  float top = z[base];
  for (uint k = 1; k < p.classes; ++k) top = max(top, z[base + k]);
  float sum = 0.0;
  for (uint k = 0; k < p.classes; ++k) sum += exp(z[base + k] - top);
  uint label = min(labels[b], p.classes - 1);
  if (BACKWARD == 0) {
    result[b] = log(sum) + top - z[base + label];
  } else {
    float scale = 1.0 / float(p.batch);
    for (uint k = 0; k < p.classes; ++k) {
      float g = (exp(z[base + k] - top) / sum - (k == label ? 1.0 : 0.0)) * scale;
      result[base + k] = ACCUMULATE != 0 ? result[base + k] + g : g;
    }
  }
}
