#include "ops/elementwise.h"

#include <algorithm>
#include <cmath>

namespace gradlab::ops::reference {

double unary(UnaryOp op, double v) {
  switch (op) {
    case UnaryOp::Affine: return v;
    case UnaryOp::Abs: return std::abs(v);
    case UnaryOp::Square: return v * v;
    case UnaryOp::Sqrt: return std::sqrt(v);
    case UnaryOp::Exp: return std::exp(v);
    case UnaryOp::Log: return std::log(v);
    case UnaryOp::Tanh: return std::tanh(v);
    case UnaryOp::Sigmoid: return 1.0 / (1.0 + std::exp(-v));
    case UnaryOp::Relu: return std::max(v, 0.0);
  }
  return v;
}

double binary(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Max: return std::max(a, b);
    case BinaryOp::Min: return std::min(a, b);
  }
  return a;
}

std::vector<double> unary(UnaryOp op, std::span<const float> x, double alpha, double beta) {
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = unary(op, alpha * x[i] + beta);
  return y;
}

std::vector<double> binary(BinaryOp op, std::span<const float> x, std::span<const float> y, double alpha) {
  std::vector<double> z(x.size());
  for (size_t i = 0; i < x.size(); ++i) z[i] = binary(op, alpha * x[i], y[i]);
  return z;
}

std::vector<double> axpy(double alpha, std::span<const float> x, std::span<const float> y) {
  return binary(BinaryOp::Add, x, y, alpha);
}

}  // namespace gradlab::ops::reference
