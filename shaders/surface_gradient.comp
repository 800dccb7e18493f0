#version 450
// The gradient of a 2-D test surface at the point being optimised (the CPU twin is
// engine/surface/test_function.cpp), written where an optimizer expects a parameter's gradient;
// the point and its value are also appended to the trajectory at the current step.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint FUNCTION = 0;

layout(std430, binding = 0) readonly buffer Point { float xy[]; };
layout(std430, binding = 1) writeonly buffer Grad { float g[]; };
layout(std430, binding = 2) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 3) buffer Trajectory { vec4 trajectory[]; };  // x, y, f(x, y), step
layout(push_constant) uniform Push { float a00, a01, a11; uint capacity; } p;

const float PI = 3.14159265358979;

void main() {
  float x = xy[0], y = xy[1], f = 0.0;
  vec2 grad = vec2(0.0);
  if (FUNCTION == 0) {         // Rosenbrock
    f = (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
    grad = vec2(-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x));
  } else if (FUNCTION == 1) {  // Beale
    float a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
    f = a * a + b * b + c * c;
    grad = vec2(2.0 * a * (y - 1.0) + 2.0 * b * (y * y - 1.0) + 2.0 * c * (y * y * y - 1.0),
                2.0 * a * x + 4.0 * b * x * y + 6.0 * c * x * y * y);
  } else if (FUNCTION == 2) {  // Himmelblau
    float a = x * x + y - 11.0, b = x + y * y - 7.0;
    f = a * a + b * b;
    grad = vec2(4.0 * a * x + 2.0 * b, 2.0 * a + 4.0 * b * y);
  } else if (FUNCTION == 3) {  // saddle
    f = x * x - y * y;
    grad = vec2(2.0 * x, -2.0 * y);
  } else if (FUNCTION == 4) {  // monkey saddle
    f = x * x * x - 3.0 * x * y * y;
    grad = vec2(3.0 * x * x - 3.0 * y * y, -6.0 * x * y);
  } else if (FUNCTION == 5) {  // Rastrigin
    f = 20.0 + x * x + y * y - 10.0 * cos(2.0 * PI * x) - 10.0 * cos(2.0 * PI * y);
    grad = vec2(2.0 * x + 20.0 * PI * sin(2.0 * PI * x), 2.0 * y + 20.0 * PI * sin(2.0 * PI * y));
  } else if (FUNCTION == 6) {  // plateau
    float e = exp(-(x * x + y * y) * 0.5);
    f = 1.0 - e;
    grad = vec2(x * e, y * e);
  } else {                     // quadratic 1/2 p^T A p
    f = 0.5 * (p.a00 * x * x + 2.0 * p.a01 * x * y + p.a11 * y * y);
    grad = vec2(p.a00 * x + p.a01 * y, p.a01 * x + p.a11 * y);
  }
  g[0] = grad.x;
  g[1] = grad.y;
  uint step = stepCounter[0];
  if (step < p.capacity) trajectory[step] = vec4(x, y, f, float(step));
}
