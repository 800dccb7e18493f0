#version 450
// GEMM, GPU-style (the tiled family): a work group computes a TILE_ROWS x TILE_COLS tile of C, each
// invocation THREAD_ROWS x THREAD_COLS of it in registers, staging BK = 16 values of k of op(A) and
// op(B) at a time through shared memory. engine/ops/gemm_plan.cpp chooses the tile per shape and
// device (32x32, 64x64, 128x64, 128x128; 4x4 or 8x8 per invocation) and whether K is split.
//   * Global loads are vec4s along whichever dimension is contiguous in memory where the leading
//     dimension allows (VEC_A, VEC_B) and the vec4 lies inside the matrix; scalar at the edges.
//   * Shared tiles are k-major arrays of vec4s with one vec4 of padding per row of k: an invocation
//     reads its rows of op(A) and its columns of op(B) as vec4s (THREAD_ROWS / 4 + THREAD_COLS / 4
//     shared loads for THREAD_ROWS x THREAD_COLS FMAs per k), and the transposing writes (A not
//     transposed, B transposed: contiguous along k in memory) spread over the banks.
//   * An invocation's rows (columns) are groups of 4 spread a work group's span apart, so a
//     subgroup's shared reads of B are consecutive vec4s and those of A one broadcast address.
//   * With BUFFERS 2 the next tile is loaded from global memory into registers while the current
//     one is multiplied, then written to the other shared buffer: one barrier per tile (two with
//     one buffer, for tiles too large to double on the device).
// Bias, row sums of op(A), and the epilogues (activation, checked gradient, SGD step) are the
// registers kernel's (gemm_epilogue.glsl).
#extension GL_EXT_control_flow_attributes : enable
#include "gemm.glsl"

layout(constant_id = 5) const uint VEC_A = 0;  // lda % 4 == 0: a vec4 of A inside the matrix is one load
layout(constant_id = 6) const uint VEC_B = 0;
layout(constant_id = 7) const uint VEC_C = 0;  // C's rows are whole vec4s (ldc and N multiples of 4)
layout(constant_id = 11) const uint ROW_SUMS = 0;
layout(constant_id = 16) const uint TILE_ROWS = 64;
layout(constant_id = 17) const uint TILE_COLS = 64;
layout(constant_id = 18) const uint THREAD_ROWS = 4;  // 4 or 8
layout(constant_id = 19) const uint THREAD_COLS = 4;  // 4 or 8
layout(constant_id = 20) const uint BUFFERS = 2;      // 1 or 2
const uint BK = 16;
// The host's work group: GROUP_X x GROUP_Y invocations.
const uint GROUP_X = TILE_COLS / THREAD_COLS;
const uint GROUP_Y = TILE_ROWS / THREAD_ROWS;
const uint INVOCATIONS = GROUP_X * GROUP_Y;
const uint STRIDE_A = TILE_ROWS / 4 + 1;  // vec4s per row of k, one of them padding
const uint STRIDE_B = TILE_COLS / 4 + 1;
const uint UNITS_A = TILE_ROWS * BK / 4 / INVOCATIONS;  // vec4s of a tile of A each invocation loads
const uint UNITS_B = TILE_COLS * BK / 4 / INVOCATIONS;
const uint QUADS_Y = THREAD_ROWS / 4, QUADS_X = THREAD_COLS / 4;

shared vec4 tileA[BUFFERS * BK * STRIDE_A];
shared vec4 tileB[BUFFERS * BK * STRIDE_B];

layout(std430, binding = 4) buffer RowSums { float rowSum[]; };
layout(std430, binding = 2) buffer MatC4 { vec4 c4[]; };
#include "gemm_epilogue.glsl"

vec4 acc[THREAD_ROWS][QUADS_X];
float rsum[THREAD_ROWS];
vec4 stagedA[UNITS_A], stagedB[UNITS_B];

// Unit u of the tile of op(A) at k0: 4 values along the dimension contiguous in memory.
vec4 loadUnitA(uint u, uint k0, uint end) {
  const uint row0 = gl_WorkGroupID.y * TILE_ROWS;
  vec4 v = vec4(0);
  if (TRANS_A == 0) {
    const uint row = row0 + u / (BK / 4), k = k0 + (u % (BK / 4)) * 4;
    if (VEC_A != 0 && row < p.M && k + 4 <= end) return vec4A((row * p.lda + k) / 4);
    [[unroll]] for (uint j = 0; j < 4; ++j)
      if (row < p.M && k + j < end) v[j] = loadA(row, k + j);
    return v;
  }
  const uint k = k0 + u / (TILE_ROWS / 4), row = row0 + (u % (TILE_ROWS / 4)) * 4;
  if (VEC_A != 0 && k < end && row + 4 <= p.M) return vec4A((k * p.lda + row) / 4);
  [[unroll]] for (uint j = 0; j < 4; ++j)
    if (k < end && row + j < p.M) v[j] = loadA(row + j, k);
  return v;
}

vec4 loadUnitB(uint u, uint k0, uint end) {
  const uint col0 = gl_WorkGroupID.x * TILE_COLS;
  vec4 v = vec4(0);
  if (TRANS_B == 0) {
    const uint k = k0 + u / (TILE_COLS / 4), col = col0 + (u % (TILE_COLS / 4)) * 4;
    if (VEC_B != 0 && k < end && col + 4 <= p.N) return vec4B((k * p.ldb + col) / 4);
    [[unroll]] for (uint j = 0; j < 4; ++j)
      if (k < end && col + j < p.N) v[j] = loadB(k, col + j);
    return v;
  }
  const uint col = col0 + u / (BK / 4), k = k0 + (u % (BK / 4)) * 4;
  if (VEC_B != 0 && col < p.N && k + 4 <= end) return vec4B((col * p.ldb + k) / 4);
  [[unroll]] for (uint j = 0; j < 4; ++j)
    if (col < p.N && k + j < end) v[j] = loadB(k + j, col);
  return v;
}

// Global memory -> registers: this invocation's units of the tiles at k0.
void stage(uint k0, uint end) {
  [[unroll]] for (uint e = 0; e < UNITS_A; ++e) stagedA[e] = loadUnitA(e * INVOCATIONS + gl_LocalInvocationIndex, k0, end);
  [[unroll]] for (uint e = 0; e < UNITS_B; ++e) stagedB[e] = loadUnitB(e * INVOCATIONS + gl_LocalInvocationIndex, k0, end);
}

// Registers -> shared buffer `buf`, k-major: tileA[kk][row], tileB[kk][col].
void put(uint buf) {
  [[unroll]] for (uint e = 0; e < UNITS_A; ++e) {
    const uint u = e * INVOCATIONS + gl_LocalInvocationIndex;
    if (TRANS_A == 0) {
      const uint r = u / (BK / 4), kk = (u % (BK / 4)) * 4;
      [[unroll]] for (uint j = 0; j < 4; ++j) tileA[(buf * BK + kk + j) * STRIDE_A + r / 4][r % 4] = stagedA[e][j];
    } else {
      tileA[(buf * BK + u / (TILE_ROWS / 4)) * STRIDE_A + u % (TILE_ROWS / 4)] = stagedA[e];
    }
  }
  [[unroll]] for (uint e = 0; e < UNITS_B; ++e) {
    const uint u = e * INVOCATIONS + gl_LocalInvocationIndex;
    if (TRANS_B == 0) {
      tileB[(buf * BK + u / (TILE_COLS / 4)) * STRIDE_B + u % (TILE_COLS / 4)] = stagedB[e];
    } else {
      const uint c = u / (BK / 4), kk = (u % (BK / 4)) * 4;
      [[unroll]] for (uint j = 0; j < 4; ++j) tileB[(buf * BK + kk + j) * STRIDE_B + c / 4][c % 4] = stagedB[e][j];
    }
  }
}

// acc += the shared tiles of buffer `buf`. Row 4 g + i of acc is row 4 (g GROUP_Y + y) + i of the
// work group's tile; column vec4 h is columns 4 (h GROUP_X + x) .. + 3.
void multiply(uint buf) {
  const uint x = gl_LocalInvocationID.x, y = gl_LocalInvocationID.y;
  [[unroll]] for (uint kk = 0; kk < BK; ++kk) {
    vec4 a[QUADS_Y], b[QUADS_X];
    [[unroll]] for (uint g = 0; g < QUADS_Y; ++g) a[g] = tileA[(buf * BK + kk) * STRIDE_A + g * GROUP_Y + y];
    [[unroll]] for (uint h = 0; h < QUADS_X; ++h) b[h] = tileB[(buf * BK + kk) * STRIDE_B + h * GROUP_X + x];
    [[unroll]] for (uint g = 0; g < QUADS_Y; ++g)
      [[unroll]] for (uint i = 0; i < 4; ++i) {
        if (ROW_SUMS != 0) rsum[4 * g + i] += a[g][i];
        [[unroll]] for (uint h = 0; h < QUADS_X; ++h) acc[4 * g + i][h] = fma(vec4(a[g][i]), b[h], acc[4 * g + i][h]);
      }
  }
}

void main() {
  // Read once; every invocation still takes part in the barriers below.
  const bool skip = epilogueSkips();
  [[unroll]] for (uint r = 0; r < THREAD_ROWS; ++r) {
    rsum[r] = 0.0;
    [[unroll]] for (uint h = 0; h < QUADS_X; ++h) acc[r][h] = vec4(0);
  }
  const uint begin = sliceBegin(), end = sliceEnd();
  const uint tiles = begin < end ? (end - begin + BK - 1) / BK : 0;  // the same in the whole work group
  if (tiles > 0) {
    stage(begin, end);
    put(0);
    barrier();
  }
  for (uint t = 0; t < tiles; ++t) {
    const uint buf = BUFFERS == 2 ? t % 2 : 0;
    const bool more = t + 1 < tiles;
    if (more) stage(begin + (t + 1) * BK, end);
    multiply(buf);
    if (BUFFERS == 1) barrier();  // every read of the one buffer done before it is overwritten
    if (more) put(BUFFERS == 2 ? 1 - buf : 0);
    barrier();
  }
  if (skip) return;

  beginEpilogue();
  const uint x = gl_LocalInvocationID.x, y = gl_LocalInvocationID.y;
  const uint row0 = gl_WorkGroupID.y * TILE_ROWS, col0 = gl_WorkGroupID.x * TILE_COLS;
  // Every invocation of a row of the work group has the same sums; the first of the first column
  // tile stores them.
  if (ROW_SUMS != 0 && gl_WorkGroupID.x == 0 && x == 0)
    [[unroll]] for (uint g = 0; g < QUADS_Y; ++g)
      [[unroll]] for (uint i = 0; i < 4; ++i) {
        const uint row = row0 + 4 * (g * GROUP_Y + y) + i;
        if (row < p.M) storeRowSum(row, p.alpha * rsum[4 * g + i]);
      }
  [[unroll]] for (uint h = 0; h < QUADS_X; ++h) {
    const uint col = col0 + 4 * (h * GROUP_X + x);
    vec4 bias;
    [[unroll]] for (uint j = 0; j < 4; ++j) bias[j] = biasOf(min(col + j, p.N - 1));
    [[unroll]] for (uint g = 0; g < QUADS_Y; ++g)
      [[unroll]] for (uint i = 0; i < 4; ++i) storeQuad(row0 + 4 * (g * GROUP_Y + y) + i, col, acc[4 * g + i][h], bias);
  }
  endEpilogue();
}
