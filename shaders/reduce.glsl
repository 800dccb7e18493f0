// Partial results of a reduction, one vec4 each, and how to combine them.
//   sum:      (sum, Kahan compensation, 0, 0)
//   min, max: (value, 0, 0, 0)
//   moments:  (count, mean, M2, 0)   Welford per element, Chan et al. to merge
// OP: 0 sum, 1 min, 2 max, 3 mean, 4 variance (3 and 4 share the moments partial).
layout(constant_id = 3) const uint OP = 0;

#define INF uintBitsToFloat(0x7f800000u)

vec4 identity() {
  if (OP == 1) return vec4(INF, 0, 0, 0);
  if (OP == 2) return vec4(-INF, 0, 0, 0);
  return vec4(0);
}

vec4 accumulate(vec4 acc, float x) {
  if (OP == 0) {  // Kahan summation
    precise float y = x - acc.y;  // precise: compilers must not simplify the compensation away
    precise float t = acc.x + y;
    precise float c = (t - acc.x) - y;
    acc.y = c;
    acc.x = t;
  } else if (OP == 1) {
    acc.x = min(acc.x, x);
  } else if (OP == 2) {
    acc.x = max(acc.x, x);
  } else {
    acc.x += 1.0;
    float delta = x - acc.y;
    acc.y += delta / acc.x;
    acc.z += delta * (x - acc.y);
  }
  return acc;
}

vec4 merge(vec4 a, vec4 b) {
  if (OP == 0) return accumulate(a, b.x - b.y);
  if (OP == 1) return vec4(min(a.x, b.x), 0, 0, 0);
  if (OP == 2) return vec4(max(a.x, b.x), 0, 0, 0);
  float n = a.x + b.x;
  if (n == 0.0) return a;
  float delta = b.y - a.y;
  return vec4(n, a.y + delta * (b.x / n), a.z + b.z + delta * delta * (a.x * b.x / n), 0);
}

float finalValue(vec4 acc) {
  if (OP == 0) return acc.x - acc.y;
  if (OP <= 2) return acc.x;
  if (acc.x == 0.0) return uintBitsToFloat(0x7fc00000u);  // NaN: mean or variance of nothing
  return OP == 3 ? acc.y : acc.z / acc.x;
}
