#version 450
// After a forward pass at a landscape point: the batch's summed loss and number of correct
// predictions (arg-max of the class scores equals the label), added into the record of the point
// the device counter names: (loss sum, correct, samples, 0). The point's first batch starts it.
// Samples from `valid` on are padding of a last partial batch and do not count.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(std430, binding = 0) readonly buffer Losses { float losses[]; };
layout(std430, binding = 1) readonly buffer Scores { float scores[]; };
layout(std430, binding = 2) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 3) readonly buffer Counter { uint counter[]; };
layout(std430, binding = 4) buffer Records { vec4 records[]; };
layout(push_constant) uniform Push { uint classes, valid, first; } p;

void main() {
  if (gl_GlobalInvocationID.x != 0) return;
  float sum = 0.0, correct = 0.0;
  for (uint b = 0; b < p.valid; ++b) {
    sum += losses[b];
    uint best = 0;
    for (uint k = 1; k < p.classes; ++k)
      if (scores[b * p.classes + k] > scores[b * p.classes + best]) best = k;
    if (best == labels[b]) correct += 1.0;
  }
  const uint point = counter[0];
  const vec4 previous = p.first != 0 ? vec4(0.0) : records[point];
  records[point] = previous + vec4(sum, correct, float(p.valid), 0.0);
}
