#version 450
// The registers GEMM reading A and B as vec4 texel buffers (see gemm_registers.glsl).
#define TEXEL_OPERANDS
#include "gemm_registers.glsl"
