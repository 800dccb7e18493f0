#version 450
// y[i] = value
#include "elementwise.glsl"

layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint n; float value; } p;

void main() {
  FOR_EACH_ELEMENT(i, p.n) y[i] = p.value;
}
