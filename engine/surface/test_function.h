#pragma once
// The 2-D test surfaces optimizers roll down in the lab: classic functions with analytic gradients,
// a sensible view window, a default start point, and their known minima.
#include <array>
#include <string>
#include <vector>

namespace gradlab::surface {

enum class FunctionId : uint32_t {
  Rosenbrock = 0,
  Beale,
  Himmelblau,
  Saddle,        // x^2 - y^2
  MonkeySaddle,  // x^3 - 3 x y^2
  Rastrigin,
  Plateau,    // almost flat far from a single well: vanishing gradients
  Quadratic,  // 1/2 p^T A p with eigenvalues 1 and kappa, axes rotated by `angle`
};

struct FunctionParams {
  double kappa = 10;  // condition number of Quadratic
  double angle = 0;   // rotation of Quadratic's axes, radians
};

struct TestFunction {
  FunctionId id;
  std::string name;              // as on the command line: "rosenbrock"
  std::string title;             // "Rosenbrock"
  std::string formula;           // for legends and tooltips
  std::array<double, 4> window;  // xmin, xmax, ymin, ymax
  std::array<double, 2> start;
  std::vector<std::array<double, 2>> minima;  // global minima (or the saddle point)
};

const std::vector<TestFunction>& testFunctions();
const TestFunction* findTestFunction(const std::string& name);

// Double-precision value and gradient (the CPU reference of shaders/surface_gradient.comp).
double evaluate(FunctionId id, double x, double y, const FunctionParams& params = {});
std::array<double, 2> gradient(FunctionId id, double x, double y, const FunctionParams& params = {});

// The Quadratic's matrix A = R diag(1, kappa) R^T.
std::array<double, 4> quadraticMatrix(const FunctionParams& params);

}  // namespace gradlab::surface
