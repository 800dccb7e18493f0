#version 450
// The registers GEMM reading A and B from storage buffers (see gemm_registers.glsl).
#include "gemm_registers.glsl"
