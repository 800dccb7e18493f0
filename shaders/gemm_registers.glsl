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
// Tiles that stick out of C load with indices clamped into the matrix (their extra results are
// never stored), so edge tiles run the same vec4 code as inner ones; only operands that cannot be
// read as whole vec4s (VEC_A / VEC_B off) are read one float at a time. Nothing depends on the
// subgroup size.
//
// Compiled twice: gemm_registers.comp reads A and B from storage buffers, gemm_registers_texel.comp
// (TEXEL_OPERANDS) from vec4 texel buffers. On lavapipe a texel fetch is a branch-free gather
// while a storage-buffer load is a loop over the lanes with two branches per lane and component.
#extension GL_EXT_control_flow_attributes : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#include "gemm.glsl"

// Set by the host when every vec4 this kernel reads or writes lies wholly inside or wholly outside
// the matrix (leading dimension a multiple of 4, and the dimension the vec4 runs along too):
// vec4 views of A and B may be used, and C may be stored as whole vec4s.
layout(constant_id = 5) const uint VEC_A = 0;
layout(constant_id = 6) const uint VEC_B = 0;
layout(constant_id = 7) const uint VEC_C = 0;
// Set by the host on CPU devices whose subgroups have 8 lanes or more and can shuffle: the rows of A
// a work group shares are loaded once per subgroup and handed round by subgroupShuffle. On a CPU
// device every lane's load is its own memory access even when all lanes read the same address,
// and these loads were most of the kernel's time (docs/BENCHMARK_DIARY.md: rows of A loaded once
// per subgroup).
layout(constant_id = 8) const uint SHARE_A = 0;

// Tile of C per invocation, chosen per shape by engine/ops/gemm.cpp (registerTile): 16 x 8 unless
// C is too thin to fill it (the convolutions' 6- and 16-row products and their weight gradients).
// Per 4 steps of k: ROWS + 4 * COLS4 vec4 loads for 4 * ROWS * COLS4 vec4 FMAs. Larger tiles
// load less per FMA but the fully unrolled shader takes much longer to compile, and a user waits
// for that the first time a network trains: 16 x 8 compiles in about 2 s on lavapipe and runs
// at ~22 GFLOP/s at 1024^3; 16 x 16 in about 6 s for ~24 GFLOP/s (docs/BENCHMARKS.md).
layout(constant_id = 9) const uint ROWS = 16;  // 4, 8 or 16
layout(constant_id = 10) const uint COLS4 = 2;  // vec4s of columns: 4 * COLS4 columns
const uint QUADS = ROWS / 4;                    // groups of four rows
// Set by the host: also write rowSum[i] = alpha * sum over k of op(A)[i][k] (binding 4), from the
// values of A the kernel loads anyway. A Linear layer's bias gradient is the row sums of dy^T,
// the A of its weight-gradient GEMM: one dispatch fewer per layer.
layout(constant_id = 11) const uint ROW_SUMS = 0;
layout(std430, binding = 4) buffer RowSums { float rowSum[]; };
float rsum[ROWS];
// With SHARE_A each lane sums only the units it loads (a row's sum would otherwise be computed by
// every lane, and by every column block: 10-40% of the weight-gradient GEMM's time on lavapipe);
// main() hands the sums round once at the end.
vec4 unitSum0 = vec4(0), unitSum1 = vec4(0);

// C as a vec4 array (an alias on the same binding, no extra descriptor).
layout(std430, binding = 2) buffer MatC4 { vec4 c4[]; };

#include "gemm_epilogue.glsl"

vec4 acc[ROWS][COLS4];

// Column j (0..3) of vec4 number c of this invocation: vec4s are spread over the invocations of the
// group (c * lanes + lane), so one load instruction of a subgroup reads a contiguous stretch of B.
uint firstCol(uint c) { return (gl_WorkGroupID.y * gl_WorkGroupSize.x * COLS4 + c * gl_WorkGroupSize.x +
                                 gl_LocalInvocationID.x) * 4; }

// Indices clamped into the matrix: rows and columns past its edge repeat the last one (loads stay
// in bounds; those results are never stored). For vec4 reads along rows or columns the clamp
// keeps the 4-aligned start (the host guarantees M or N is then a multiple of 4).
uint rowA(uint row) { return min(row, p.M - 1); }
uint colB(uint col) { return min(col, p.N - 1); }
uint rowA4(uint row) { return min(row, p.M - 4); }
uint colB4(uint col) { return min(col, p.N - 4); }

// One step of k with scalar loads.
void stepScalar(uint row0, uint k) {
  vec4 bk[COLS4];
  [[unroll]] for (uint c = 0; c < COLS4; ++c)
    [[unroll]] for (uint j = 0; j < 4; ++j) bk[c][j] = loadB(k, colB(firstCol(c) + j));
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    float ak = loadA(rowA(row0 + r), k);
    if (ROW_SUMS != 0) rsum[r] += ak;
    [[unroll]] for (uint c = 0; c < COLS4; ++c) acc[r][c] = fma(vec4(ak), bk[c], acc[r][c]);
  }
}

// The ROWS vec4s of A one step4 reads ("units"): without TRANS_A unit r is op(A)[row0 + r][k .. k + 3];
// with it, unit QUADS kk + q is op(A)[row0 + 4 q .. + 3][k + kk] (four rows, contiguous in memory).
vec4 unitA(uint u, uint row0, uint k) {
  if (VEC_A != 0 && TRANS_A == 0) return vec4A((rowA(row0 + u) * p.lda + k) / 4);
  if (VEC_A != 0) return vec4A(((k + u / QUADS) * p.lda + rowA4(row0 + 4 * (u % QUADS))) / 4);
  vec4 v;
  [[unroll]] for (uint j = 0; j < 4; ++j)
    v[j] = TRANS_A == 0 ? loadA(rowA(row0 + u), k + j) : loadA(rowA(row0 + 4 * (u % QUADS) + j), k + u / QUADS);
  return v;
}

// Unit u from the lane that loaded it: lane l holds units l (own0) and l + subgroup size (own1).
vec4 sharedA(uint u, vec4 own0, vec4 own1) {
  return subgroupShuffle(u < gl_SubgroupSize ? own0 : own1, u % gl_SubgroupSize);
}

// Four steps of k (k..k+3 < K, k a multiple of 4). The vec4 views are used where allowed, along
// whichever dimension is contiguous in memory.
void step4(uint row0, uint k) {
  // bk[kk][c] = op(B)[k + kk][firstCol(c) .. + 3]
  vec4 bk[4][COLS4];
  [[unroll]] for (uint c = 0; c < COLS4; ++c) {
    uint col = firstCol(c);
    if (VEC_B != 0 && TRANS_B == 0) {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk) bk[kk][c] = vec4B(((k + kk) * p.ldb + colB4(col)) / 4);
    } else if (VEC_B != 0) {
      [[unroll]] for (uint j = 0; j < 4; ++j) {
        vec4 alongK = vec4B((colB(col + j) * p.ldb + k) / 4);
        [[unroll]] for (uint kk = 0; kk < 4; ++kk) bk[kk][c][j] = alongK[kk];
      }
    } else {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk)
        [[unroll]] for (uint j = 0; j < 4; ++j) bk[kk][c][j] = loadB(k + kk, colB(col + j));
    }
  }
  // With SHARE_A each lane loads ROWS / (subgroup size) units (the host guarantees >= 8 lanes).
  vec4 own0 = vec4(0), own1 = vec4(0);
  if (SHARE_A != 0) {
    own0 = unitA(gl_SubgroupInvocationID % ROWS, row0, k);
    if (gl_SubgroupSize < ROWS) own1 = unitA((gl_SubgroupInvocationID + gl_SubgroupSize) % ROWS, row0, k);
    if (ROW_SUMS != 0) {
      unitSum0 += own0;
      unitSum1 += own1;
    }
  }
  // One row at a time: ar = op(A)[row0 + r][k .. k + 3]
  [[unroll]] for (uint r4 = 0; r4 < ROWS; r4 += 4) {
    vec4 ar[4];
    if (SHARE_A != 0 && TRANS_A == 0) {
      [[unroll]] for (uint i = 0; i < 4; ++i) ar[i] = sharedA(r4 + i, own0, own1);
    } else if (SHARE_A != 0) {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
        vec4 alongRows = sharedA(QUADS * kk + r4 / 4, own0, own1);
        [[unroll]] for (uint i = 0; i < 4; ++i) ar[i][kk] = alongRows[i];
      }
    } else if (VEC_A != 0 && TRANS_A == 0) {
      [[unroll]] for (uint i = 0; i < 4; ++i) ar[i] = vec4A((rowA(row0 + r4 + i) * p.lda + k) / 4);
    } else if (VEC_A != 0) {
      [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
        vec4 alongRows = vec4A(((k + kk) * p.lda + rowA4(row0 + r4)) / 4);
        [[unroll]] for (uint i = 0; i < 4; ++i) ar[i][kk] = alongRows[i];
      }
    } else {
      [[unroll]] for (uint i = 0; i < 4; ++i)
        [[unroll]] for (uint kk = 0; kk < 4; ++kk) ar[i][kk] = loadA(rowA(row0 + r4 + i), k + kk);
    }
    if (ROW_SUMS != 0 && SHARE_A == 0)
      [[unroll]] for (uint i = 0; i < 4; ++i) rsum[r4 + i] += (ar[i].x + ar[i].y) + (ar[i].z + ar[i].w);
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
  if (epilogueSkips()) return;
  uint row0 = gl_WorkGroupID.x * ROWS;
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    rsum[r] = 0.0;
    [[unroll]] for (uint c = 0; c < COLS4; ++c) acc[r][c] = vec4(0);
  }

  // This work group's slice of k (all of it without a split); slices start at multiples of 4.
  uint k = sliceBegin(), end = sliceEnd();
  for (; k + 4 <= end; k += 4) step4(row0, k);
  for (; k < end; ++k) stepScalar(row0, k);

  if (ROW_SUMS != 0 && SHARE_A != 0)
    [[unroll]] for (uint u = 0; u < ROWS; ++u) {
      vec4 v = sharedA(u, unitSum0, unitSum1);
      if (TRANS_A == 0) rsum[u] += (v.x + v.y) + (v.z + v.w);
      else [[unroll]] for (uint i = 0; i < 4; ++i) rsum[4 * (u % QUADS) + i] += v[i];
    }
  beginEpilogue();
  // Every invocation of a row block has the same sums; the first of the first column block stores.
  if (ROW_SUMS != 0 && gl_WorkGroupID.y == 0 && gl_LocalInvocationID.x == 0)
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      if (row0 + r < p.M) storeRowSum(row0 + r, p.alpha * rsum[r]);

  if (VEC_C != 0) {
    // Stores cost a lane loop each, like loads: a vec4 store writes four outputs at once, which
    // matters when K is short (the weight gradients, where K is the batch size).
    vec4 bias[COLS4];
    [[unroll]] for (uint c = 0; c < COLS4; ++c)
      [[unroll]] for (uint j = 0; j < 4; ++j) bias[c][j] = biasOf(colB(firstCol(c) + j));
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      [[unroll]] for (uint c = 0; c < COLS4; ++c) {
        uint col = firstCol(c);
        if (row0 + r >= p.M || col >= p.N) continue;
        storeC4((gl_WorkGroupID.z * p.cSlice + (row0 + r) * p.ldc + col) / 4, p.alpha * acc[r][c], bias[c]);
      }
    endEpilogue();
    return;
  }
  // C's rows not whole vec4s (never with the SGD epilogue): one element at a time.
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS4; ++c) {
      // The activation works on vec4s: of a vec4 that reaches past C only the part inside is stored.
      vec4 v;
      [[unroll]] for (uint j = 0; j < 4; ++j) {
        uint col = firstCol(c) + j;
        if (row0 + r < p.M && col < p.N) {
          v[j] = storeC(row0 + r, col, acc[r][c][j]);
          if (checksGradient()) checkGradient(vec4(v[j]));
        }
      }
      if (EPILOGUE == EPILOGUE_ACTIVATION) {
        const uint first = (row0 + r) * p.N + firstCol(c);  // not a multiple of 4 when N is not
        [[unroll]] for (uint j = 0; j < 4; ++j) {
          uint col = firstCol(c) + j;
          if (row0 + r < p.M && col < p.N) act[first + j] = activationEpilogueAt(first + j, v[j]);
        }
      }
    }
  endEpilogue();
}
