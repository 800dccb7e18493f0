#version 450
// Writes its push constants to a buffer, so a test sees what the shader received. std430 puts
// the vec2 at byte 8, after a float at 0: a C++ struct must pad there (alignas(8)) to match.
layout(local_size_x = 1) in;
layout(std430, binding = 0) writeonly buffer Out { float values[]; };
layout(push_constant) uniform Push {
  float alpha;
  vec2 scale;
  uint n;
  float beta;
} p;

void main() {
  values[0] = p.alpha;
  values[1] = p.scale.x;
  values[2] = p.scale.y;
  values[3] = float(p.n);
  values[4] = p.beta;
}
