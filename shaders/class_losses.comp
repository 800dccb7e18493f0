#version 450
// Per-sample losses of class scores z against label y, one invocation per sample (K classes).
// LOSS 0 MSE: mean over k of (z_k - onehot_k)^2. LOSS 1 BCE with logits, stable form
// max(z, 0) - z t + log(1 + exp(-|z|)), mean over k; t = onehot, or t = label for K = 1.
// LOSS 2 multi-margin: sum over k != y of max(0, margin - z_y + z_k)^power / K.
// Backward: dz (+)= gradient of the batch mean (the per-sample gradient / batch).
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint LOSS = 0;
layout(constant_id = 4) const uint BACKWARD = 0;
layout(constant_id = 5) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 2) buffer Out { float result[]; };  // loss[b] or dz
layout(push_constant) uniform Push { uint batch; uint classes; float margin; uint power; } p;

void main() {
  uint b = gl_GlobalInvocationID.x;
  if (b >= p.batch) return;
  uint base = b * p.classes;
  uint label = min(labels[b], p.classes - 1);
  float invK = 1.0 / float(p.classes), scale = invK / float(p.batch);
  float loss = 0.0, gy = 0.0;  // gy: multi-margin's gradient for z_y
  for (uint k = 0; k < p.classes; ++k) {
    float v = z[base + k], l = 0.0, g = 0.0;
    float t = p.classes == 1 ? float(min(labels[b], 1u)) : (k == label ? 1.0 : 0.0);
    if (LOSS == 0) {
      l = (v - t) * (v - t);
      g = 2.0 * (v - t);
    } else if (LOSS == 1) {
      l = max(v, 0.0) - v * t + log(1.0 + exp(-abs(v)));
      g = 1.0 / (1.0 + exp(-v)) - t;
    } else if (k != label) {
      float h = max(p.margin - z[base + label] + v, 0.0);
      l = p.power == 1 ? h : h * h;
      g = h > 0.0 ? (p.power == 1 ? 1.0 : 2.0 * h) : 0.0;
      gy -= g;
    }
    loss += l;
    if (BACKWARD != 0 && (LOSS != 2 || k != label))
      result[base + k] = ACCUMULATE != 0 ? result[base + k] + g * scale : g * scale;
  }
  if (BACKWARD == 0) result[b] = loss * invK;
  else if (LOSS == 2) result[base + label] = ACCUMULATE != 0 ? result[base + label] + gy * scale : gy * scale;
}
