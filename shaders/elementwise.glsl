// Shared by the element-wise kernels: a 1-D grid-stride loop, so any length runs with a capped
// number of work groups.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

#define FOR_EACH_ELEMENT(i, n) \
  for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// Four floats per step: i counts vec4s of an n-float tensor, inputs are vec4 texel buffers (their
// views end on a whole vec4) and outputs are stored as vec4s, but for a last partial vec4 whose
// floats past n are left alone. `result` and `result4` alias one binding as floats and vec4s.
#define FOR_EACH_VEC4(i, n) FOR_EACH_ELEMENT(i, ((n) + 3u) / 4u)
#define STORE_VEC4(result, result4, i, n, value)                           \
  if (4u * (i) + 4u <= (n)) {                                               \
    result4[i] = (value);                                                   \
  } else {                                                                  \
    const vec4 partial_ = (value);                                          \
    for (uint c_ = 0u; 4u * (i) + c_ < (n); ++c_) result[4u * (i) + c_] = partial_[c_]; \
  }
