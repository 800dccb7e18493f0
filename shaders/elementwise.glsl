// Shared by the element-wise kernels: a 1-D grid-stride loop, so any length runs with a capped
// number of work groups.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

#define FOR_EACH_ELEMENT(i, n) \
  for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// Four floats per step: i counts the whole vec4s of an n-float tensor; inputs are vec4 texel
// buffers (their views end on a whole vec4) and outputs are stored as vec4s (`result` and
// `result4` alias one binding as floats and vec4s). The last n % 4 floats are stored by one
// invocation after the loop (STORE_TAIL), not by a branch inside it: CPU devices run both sides of
// a branch whose condition varies per lane, and a float store costs a branchy loop over the lanes.
// ADD_TAIL adds the tail to what `result` holds instead (kernels that accumulate).
#define FOR_EACH_VEC4(i, n) FOR_EACH_ELEMENT(i, (n) / 4u)
#define STORE_TAIL(result, n, value) TAIL_(result, n, value, =)
#define ADD_TAIL(result, n, value) TAIL_(result, n, value, +=)
#define TAIL_(result, n, value, assign)                                                     \
  if (gl_GlobalInvocationID.x == 0u && ((n) & 3u) != 0u) {                                  \
    const vec4 tail_ = (value);                                                             \
    for (uint c_ = 0u; c_ < ((n) & 3u); ++c_) result[((n) & ~3u) + c_] assign tail_[c_];   \
  }

// For outputs filling floats [lo, hi) of their binding, a window that may start inside a vec4:
// s counts the vec4s that overlap it; floats outside it are left alone.
#define FOR_EACH_VEC4_IN(s, lo, hi) \
  for (uint s = (lo) / 4u + gl_GlobalInvocationID.x; s < ((hi) + 3u) / 4u; s += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
#define STORE_VEC4_RANGE(result, result4, s, lo, hi, value)                           \
  if (4u * (s) >= (lo) && 4u * (s) + 4u <= (hi)) {                                     \
    result4[s] = (value);                                                              \
  } else {                                                                             \
    const vec4 partial_ = (value);                                                     \
    for (uint c_ = 0u; c_ < 4u; ++c_)                                                  \
      if (4u * (s) + c_ >= (lo) && 4u * (s) + c_ < (hi)) result[4u * (s) + c_] = partial_[c_]; \
  }
