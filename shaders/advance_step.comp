#version 450
// The last dispatch of a training step: the device's step counter moves on.
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer Step { uint stepCounter[]; };
void main() { stepCounter[0] += 1u; }
