#version 450
// GEMM, GPU-style: a 16x16 work group computes a 64x64 tile of C, 4x4 outputs per invocation,
// staging 64x16 panels of op(A) and op(B) through shared memory (9 KiB).
#include "gemm.glsl"

const uint TILE = 64;
const uint DEPTH = 16;
const uint PER = 4;  // outputs per invocation along each axis

shared float tileA[DEPTH][TILE + 1];  // +1: no bank conflicts when written transposed
shared float tileB[DEPTH][TILE];

void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint id = ty * 16 + tx;
  uint rowTile = gl_WorkGroupID.y * TILE, colTile = gl_WorkGroupID.x * TILE;

  float acc[PER][PER];
  for (uint i = 0; i < PER; ++i)
    for (uint j = 0; j < PER; ++j) acc[i][j] = 0.0;

  uint end = sliceEnd();
  for (uint k0 = sliceBegin(); k0 < end; k0 += DEPTH) {
    // 1024 elements of each panel, 4 per invocation; zeros outside the matrices.
    for (uint e = 0; e < 4; ++e) {
      uint slot = id + e * 256;
      uint r, kk;
      if (TRANS_A == 0) { r = slot / DEPTH; kk = slot % DEPTH; }   // contiguous along k in memory
      else { kk = slot / TILE; r = slot % TILE; }                   // contiguous along rows
      uint row = rowTile + r, k = k0 + kk;
      tileA[kk][r] = (row < p.M && k < end) ? loadA(row, k) : 0.0;
      uint cc, kb;
      if (TRANS_B == 0) { kb = slot / TILE; cc = slot % TILE; }
      else { cc = slot / DEPTH; kb = slot % DEPTH; }
      uint col = colTile + cc, kB = k0 + kb;
      tileB[kb][cc] = (col < p.N && kB < end) ? loadB(kB, col) : 0.0;
    }
    barrier();
    for (uint kk = 0; kk < DEPTH; ++kk) {
      float av[PER], bv[PER];
      for (uint i = 0; i < PER; ++i) av[i] = tileA[kk][ty + 16 * i];
      for (uint j = 0; j < PER; ++j) bv[j] = tileB[kk][tx + 16 * j];
      for (uint i = 0; i < PER; ++i)
        for (uint j = 0; j < PER; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }
    barrier();
  }

  for (uint i = 0; i < PER; ++i)
    for (uint j = 0; j < PER; ++j) {
      uint row = rowTile + ty + 16 * i, col = colTile + tx + 16 * j;
      if (row < p.M && col < p.N) storeC(row, col, acc[i][j]);
    }
}
