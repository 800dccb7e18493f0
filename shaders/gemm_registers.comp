#version 450
// GEMM, CPU-style (lavapipe): no shared memory, no barriers. Each invocation keeps a ROWS x COLS
// block of C in registers. The rows depend only on the work group, so every A element an
// invocation loads is the same across its subgroup (a scalar load and a broadcast on SIMD CPUs);
// neighbouring invocations read neighbouring columns of B.
#include "gemm.glsl"

layout(constant_id = 5) const uint ROWS = 8;
const uint COLS = 4;

void main() {
  uint lanes = gl_WorkGroupSize.x;
  uint colBase = gl_WorkGroupID.x * lanes * COLS + gl_LocalInvocationID.x;
  uint row0 = gl_WorkGroupID.y * ROWS;
  if (row0 >= p.M) return;

  // Columns lane, lane + lanes, ...: each load instruction of a subgroup touches contiguous memory.
  uint cols[COLS];
  for (uint j = 0; j < COLS; ++j) cols[j] = min(colBase + j * lanes, p.N - 1);  // clamped: loads stay in bounds
  uint rows[ROWS];
  for (uint r = 0; r < ROWS; ++r) rows[r] = min(row0 + r, p.M - 1);

  float acc[ROWS][COLS];
  for (uint r = 0; r < ROWS; ++r)
    for (uint j = 0; j < COLS; ++j) acc[r][j] = 0.0;

  for (uint k = 0; k < p.K; ++k) {
    float bk[COLS];
    for (uint j = 0; j < COLS; ++j) bk[j] = loadB(k, cols[j]);
    for (uint r = 0; r < ROWS; ++r) {
      float ak = loadA(rows[r], k);
      for (uint j = 0; j < COLS; ++j) acc[r][j] = fma(ak, bk[j], acc[r][j]);
    }
  }

  for (uint r = 0; r < ROWS; ++r)
    for (uint j = 0; j < COLS; ++j) {
      uint col = colBase + j * lanes;
      if (row0 + r < p.M && col < p.N) storeC(row0 + r, col, acc[r][j]);
    }
}
