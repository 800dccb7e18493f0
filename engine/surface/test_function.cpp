#include "surface/test_function.h"

#include <cmath>
#include <numbers>

namespace gradlab::surface {

const std::vector<TestFunction>& testFunctions() {
  static const std::vector<TestFunction> all{
      {FunctionId::Rosenbrock,
       "rosenbrock",
       "Rosenbrock",
       "(1 - x)^2 + 100 (y - x^2)^2",
       {-2, 2, -1, 3},
       {-1.5, 2.5},
       {{1, 1}}},
      {FunctionId::Beale,
       "beale",
       "Beale",
       "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
       {-4.5, 4.5, -4.5, 4.5},
       {1, 1.5},
       {{3, 0.5}}},
      {FunctionId::Himmelblau,
       "himmelblau",
       "Himmelblau",
       "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
       {-5, 5, -5, 5},
       {0, 0},
       {{3, 2}, {-2.805118, 3.131312}, {-3.779310, -3.283186}, {3.584428, -1.848126}}},
      {FunctionId::Saddle, "saddle", "Saddle", "x^2 - y^2", {-2, 2, -2, 2}, {-1.5, 0.001}, {{0, 0}}},
      {FunctionId::MonkeySaddle,
       "monkey-saddle",
       "Monkey saddle",
       "x^3 - 3 x y^2",
       {-2, 2, -2, 2},
       {-1.5, 0.2},
       {{0, 0}}},
      {FunctionId::Rastrigin,
       "rastrigin",
       "Rastrigin",
       "20 + x^2 + y^2 - 10 cos(2 pi x) - 10 cos(2 pi y)",
       {-5.12, 5.12, -5.12, 5.12},
       {3.2, 2.7},
       {{0, 0}}},
      {FunctionId::Plateau, "plateau", "Plateau", "1 - exp(-(x^2 + y^2) / 2)", {-6, 6, -6, 6}, {4.5, 3.5}, {{0, 0}}},
      {FunctionId::Quadratic,
       "quadratic",
       "Ill-conditioned quadratic",
       "1/2 p^T A p, eigenvalues 1 and kappa",
       {-3, 3, -3, 3},
       {2.5, 1.5},
       {{0, 0}}},
  };
  return all;
}

const TestFunction* findTestFunction(const std::string& name) {
  for (const auto& f : testFunctions())
    if (f.name == name) return &f;
  return nullptr;
}

std::array<double, 4> quadraticMatrix(const FunctionParams& p) {
  const double c = std::cos(p.angle), s = std::sin(p.angle);
  // R diag(1, kappa) R^T with R = [[c, -s], [s, c]]
  return {c * c + p.kappa * s * s, (1 - p.kappa) * c * s, (1 - p.kappa) * c * s, s * s + p.kappa * c * c};
}

double evaluate(FunctionId id, double x, double y, const FunctionParams& p) {
  switch (id) {
    case FunctionId::Rosenbrock: return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
    case FunctionId::Beale: {
      const double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
      return a * a + b * b + c * c;
    }
    case FunctionId::Himmelblau: {
      const double a = x * x + y - 11, b = x + y * y - 7;
      return a * a + b * b;
    }
    case FunctionId::Saddle: return x * x - y * y;
    case FunctionId::MonkeySaddle: return x * x * x - 3 * x * y * y;
    case FunctionId::Rastrigin:
      return 20 + x * x + y * y - 10 * std::cos(2 * std::numbers::pi * x) - 10 * std::cos(2 * std::numbers::pi * y);
    case FunctionId::Plateau: return 1 - std::exp(-(x * x + y * y) / 2);
    case FunctionId::Quadratic: {
      const auto a = quadraticMatrix(p);
      return 0.5 * (a[0] * x * x + 2 * a[1] * x * y + a[3] * y * y);
    }
  }
  return 0;
}

std::array<double, 2> gradient(FunctionId id, double x, double y, const FunctionParams& p) {
  switch (id) {
    case FunctionId::Rosenbrock: return {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)};
    case FunctionId::Beale: {
      const double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
      return {2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1),
              2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y};
    }
    case FunctionId::Himmelblau: {
      const double a = x * x + y - 11, b = x + y * y - 7;
      return {4 * a * x + 2 * b, 2 * a + 4 * b * y};
    }
    case FunctionId::Saddle: return {2 * x, -2 * y};
    case FunctionId::MonkeySaddle: return {3 * x * x - 3 * y * y, -6 * x * y};
    case FunctionId::Rastrigin: {
      const double w = 2 * std::numbers::pi;
      return {2 * x + 10 * w * std::sin(w * x), 2 * y + 10 * w * std::sin(w * y)};
    }
    case FunctionId::Plateau: {
      const double e = std::exp(-(x * x + y * y) / 2);
      return {x * e, y * e};
    }
    case FunctionId::Quadratic: {
      const auto a = quadraticMatrix(p);
      return {a[0] * x + a[1] * y, a[2] * x + a[3] * y};
    }
  }
  return {0, 0};
}

}  // namespace gradlab::surface
