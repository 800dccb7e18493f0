#version 450
// GEMM, CPU-style: no shared memory, no barriers, a large block of C per invocation in registers.
//
// Why this layout is fast on CPU devices (llvmpipe/lavapipe, which runs one invocation per SIMD
// lane): a buffer load there is a loop over the lanes, and every component a lane loads costs a
// scalar load plus a bounds check and a lane insert, several instructions. The FMAs are plain
// SIMD instructions. So the kernel is built to do many FMAs per loaded component:
//   * each invocation computes ROWS x (4 * COLS4) outputs, so per step of k it loads ROWS values of
//     op(A) and 4 * COLS4 values of op(B) and does ROWS * 4 * COLS4 FMAs;
//   * loads are vec4s where the layout allows it (one lane-loop fetches four floats), with k
//     unrolled by 4 so that A, stored along k, is also read as vec4s;
//   * neighbouring work groups take neighbouring row blocks of C, so consecutive work groups (run
//     one after the other by a CPU thread) reuse the same panel of B from cache.
// The rows of a work group are shared by all its invocations; the columns differ per invocation.
// Tiles that stick out of C, and leading dimensions that are not multiples of 4, take a scalar path
// with clamped indices (slower, same results). Nothing depends on the subgroup size.
#extension GL_EXT_control_flow_attributes : enable
#include "gemm.glsl"

// Alignment of lda / ldb to 4 floats (set by the host): vec4 views of A and B may be used.
layout(constant_id = 5) const uint VEC_A = 0;
layout(constant_id = 6) const uint VEC_B = 0;
layout(constant_id = 7) const uint VEC_C = 0;  // ldc a multiple of 4: whole vec4s of C are stored

// Tile of C per invocation; engine/ops/gemm.cpp mirrors these (kRegisterRows, kRegisterCols).
// Per 4 steps of k: ROWS + 4 * COLS4 vec4 loads for 4 * ROWS * COLS4 vec4 FMAs. Larger tiles
// load less per FMA but the fully unrolled shader takes much longer to compile, and a user waits
// for that the first time a network trains: 16 x 8 compiles in about 2 s on lavapipe and runs
// at ~22 GFLOP/s at 1024^3; 16 x 16 in about 6 s for ~24 GFLOP/s (docs/BENCHMARKS.md).
const uint ROWS = 16;  // multiple of 4
const uint COLS4 = 2;  // vec4s of columns: 4 * COLS4 columns

// The same buffers as vec4 arrays (an alias on the same binding, no extra descriptor).
layout(std430, binding = 0) readonly buffer MatA4 { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer MatB4 { vec4 b4[]; };
layout(std430, binding = 2) buffer MatC4 { vec4 c4[]; };

vec4 acc[ROWS][COLS4];

// Column j (0..3) of vec4 number c of this invocation: vec4s are spread over the invocations of the
// group (c * lanes + lane), so one load instruction of a subgroup reads a contiguous stretch of B.
uint firstCol(uint c) { return (gl_WorkGroupID.y * gl_WorkGroupSize.x * COLS4 + c * gl_WorkGroupSize.x +
                                 gl_LocalInvocationID.x) * 4; }

// One step of k with scalar loads; indices are clamped so that every load stays in bounds (the
// results of clamped rows and columns are never stored).
void stepScalar(uint row0, uint k) {
  vec4 bk[COLS4];
  [[unroll]] for (uint c = 0; c < COLS4; ++c)
    [[unroll]] for (uint j = 0; j < 4; ++j) bk[c][j] = loadB(k, min(firstCol(c) + j, p.N - 1));
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    float ak = loadA(min(row0 + r, p.M - 1), k);
    [[unroll]] for (uint c = 0; c < COLS4; ++c) acc[r][c] = fma(vec4(ak), bk[c], acc[r][c]);
  }
}

// Four steps of k (k..k+3 < K) for a tile lying inside C. With `vec` the vec4 views are used,
// along whichever dimension is contiguous in memory; every vec4 read lies inside the matrix.
void step4(uint row0, uint k, bool vec) {
  // bk[kk][c] = op(B)[k + kk][firstCol(c) .. + 3]
  vec4 bk[4][COLS4];
  [[unroll]] for (uint c = 0; c < COLS4; ++c) {
    uint col = firstCol(c);
    if (vec && VEC_B != 0 && TRANS_B == 0) {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk) bk[kk][c] = b4[((k + kk) * p.ldb + col) / 4];
    } else if (vec && VEC_B != 0) {
      [[unroll]] for (uint j = 0; j < 4; ++j) {
        vec4 alongK = b4[((col + j) * p.ldb + k) / 4];
        [[unroll]] for (uint kk = 0; kk < 4; ++kk) bk[kk][c][j] = alongK[kk];
      }
    } else {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk)
        [[unroll]] for (uint j = 0; j < 4; ++j) bk[kk][c][j] = loadB(k + kk, col + j);
    }
  }
  // One row at a time: ar = op(A)[row0 + r][k .. k + 3]
  [[unroll]] for (uint r4 = 0; r4 < ROWS; r4 += 4) {
    vec4 ar[4];
    if (vec && VEC_A != 0 && TRANS_A == 0) {
      [[unroll]] for (uint i = 0; i < 4; ++i) ar[i] = a4[((row0 + r4 + i) * p.lda + k) / 4];
    } else if (vec && VEC_A != 0) {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
        vec4 alongRows = a4[((k + kk) * p.lda + row0 + r4) / 4];
        [[unroll]] for (uint i = 0; i < 4; ++i) ar[i][kk] = alongRows[i];
      }
    } else {
      [[unroll]] for (uint i = 0; i < 4; ++i)
        [[unroll]] for (uint kk = 0; kk < 4; ++kk) ar[i][kk] = loadA(row0 + r4 + i, k + kk);
    }
    [[unroll]] for (uint i = 0; i < 4; ++i)
      [[unroll]] for (uint c = 0; c < COLS4; ++c) {
        acc[r4 + i][c] = fma(vec4(ar[i].x), bk[0][c], acc[r4 + i][c]);
        acc[r4 + i][c] = fma(vec4(ar[i].y), bk[1][c], acc[r4 + i][c]);
        acc[r4 + i][c] = fma(vec4(ar[i].z), bk[2][c], acc[r4 + i][c]);
        acc[r4 + i][c] = fma(vec4(ar[i].w), bk[3][c], acc[r4 + i][c]);
      }
  }
}

void main() {
  uint row0 = gl_WorkGroupID.x * ROWS;
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS4; ++c) acc[r][c] = vec4(0);

  // Whole work group inside C: no clamping needed, vec4 loads allowed. The test is uniform over
  // the work group, and each branch is a separate loop, so no load is done twice.
  uint groupCols = gl_WorkGroupSize.x * COLS4 * 4;
  bool inside = row0 + ROWS <= p.M && (gl_WorkGroupID.y + 1) * groupCols <= p.N;
  uint k4 = p.K & ~3u;
  uint k = 0;
  if (inside) {
    for (; k < k4; k += 4) step4(row0, k, true);
  } else {
    for (; k < p.K; ++k) stepScalar(row0, k);
  }
  for (; k < p.K; ++k) stepScalar(row0, k);  // the last K % 4 steps of inside tiles

  if (inside && VEC_C != 0) {
    // Stores cost a lane loop each, like loads: a vec4 store writes four outputs at once, which
    // matters when K is short (the weight gradients, where K is the batch size).
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      [[unroll]] for (uint c = 0; c < COLS4; ++c) {
        uint i = ((row0 + r) * p.ldc + firstCol(c)) / 4;
        c4[i] = p.beta == 0.0 ? p.alpha * acc[r][c] : p.alpha * acc[r][c] + p.beta * c4[i];
      }
    return;
  }
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS4; ++c)
      [[unroll]] for (uint j = 0; j < 4; ++j) {
        uint col = firstCol(c) + j;
        if (row0 + r < p.M && col < p.N) storeC(row0 + r, col, acc[r][c][j]);
      }
}
