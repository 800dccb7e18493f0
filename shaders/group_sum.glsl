// Shared by the regularisation kernels (256 invocations per work group): the sum of one value per
// invocation over the work group, by halving in shared memory; every invocation must call it.
shared float groupPartial[256];

float groupSum(float value) {
  const uint id = gl_LocalInvocationID.x;
  groupPartial[id] = value;
  barrier();
  for (uint stride = 128u; stride > 0u; stride >>= 1) {
    if (id < stride) groupPartial[id] += groupPartial[id + stride];
    barrier();
  }
  return groupPartial[0];
}
