// A 1-D range of work groups folded into x, y and z when it exceeds the device's
// maxComputeWorkGroupCount[0] (65535 on many GPUs): the host's gpu::foldGroups gives the grid, and
// the grid may hold a few more groups than asked for, so callers check the index they get.
uint foldedGroup() {
  return (gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y) * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}
uint foldedInvocation() { return foldedGroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x; }
