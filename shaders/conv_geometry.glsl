// Shared by im2col.comp and col2im.comp: a batch chunk of images (samples x channels x height x
// width, the first value at `base` in the bound range) and the grid of kernel positions (colH x
// colW) of a square kernel k with stride, padding and dilation. The column matrix is
// col[r][bb * colH * colW + oh * colW + ow] with r = (c * k + ki) * k + kj: the GEMM layout
// (weight rows of C k k values times one column per output pixel of the chunk).
#include "divide.glsl"
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(push_constant) uniform Push {
  uint base, samples;
  uint channels, height, width;
  uint colH, colW;
  uint k, stride, pad, dilation;
} p;

#define GRID_STRIDE_LOOP(t, n) \
  for (uint t = gl_GlobalInvocationID.x; t < (n); t += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
