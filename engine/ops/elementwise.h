#pragma once
// Element-wise kernels over float buffers of any length: fill, copy, axpy, unary and binary maps.
#include "gpu/recording.h"

#include <cstdint>
#include <span>
#include <vector>

namespace gradlab::ops {

enum class UnaryOp : uint32_t { Affine = 0, Abs, Square, Sqrt, Exp, Log, Tanh, Sigmoid, Relu };
enum class BinaryOp : uint32_t { Add = 0, Sub, Mul, Div, Max, Min };

// y = value
void fill(gpu::Recording& rec, gpu::BufferRange y, uint32_t n, float value);
// y = x
void copy(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange y, uint32_t n);
// y = alpha * x + y
void axpy(gpu::Recording& rec, float alpha, gpu::BufferRange x, gpu::BufferRange y, uint32_t n);
// y = f(alpha * x + beta)
void unary(gpu::Recording& rec, UnaryOp op, gpu::BufferRange x, gpu::BufferRange y, uint32_t n, float alpha = 1,
           float beta = 0);
// z = (alpha * x) op y
void binary(gpu::Recording& rec, BinaryOp op, gpu::BufferRange x, gpu::BufferRange y, gpu::BufferRange z, uint32_t n,
            float alpha = 1);

// Plain CPU references in double precision.
namespace reference {
double unary(UnaryOp op, double v);
double binary(BinaryOp op, double a, double b);
std::vector<double> unary(UnaryOp op, std::span<const float> x, double alpha = 1, double beta = 0);
std::vector<double> binary(BinaryOp op, std::span<const float> x, std::span<const float> y, double alpha = 1);
std::vector<double> axpy(double alpha, std::span<const float> x, std::span<const float> y);
}  // namespace reference

}  // namespace gradlab::ops
