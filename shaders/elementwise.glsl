// Shared by the element-wise kernels: a 1-D grid-stride loop, so any length runs with a capped
// number of work groups.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

#define FOR_EACH_ELEMENT(i, n) \
  for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
