// gradlab-cli surface: optimizers racing down a 2-D test surface, computed on the device by the
// same update kernels that train networks, written as a CSV trajectory.
#include "analysis/quadratic_contraction.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "gpu/context.h"
#include "nn/hyper_params.h"
#include "optim/optimizer.h"
#include "optim/optimizer_spec.h"
#include "surface/test_function.h"
#include "surface/trajectory.h"
#include "util/option_ranges.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <numbers>
#include <optional>
#include <sstream>

namespace gradlab::cli {
namespace {

// "--start X,Y": each coordinate a finite number in util::ranges::kSurfaceCoordinate.
std::array<double, 2> parsePoint(const std::string& text) {
  const size_t comma = text.find(',');
  if (comma == std::string::npos || text.find(',', comma + 1) != std::string::npos)
    throw UsageError("--start must be X,Y (two numbers in " + util::ranges::kSurfaceCoordinate.text() + "), got '" +
                     text + "'");
  try {
    return {util::parseNumber("--start x", text.substr(0, comma), util::ranges::kSurfaceCoordinate),
            util::parseNumber("--start y", text.substr(comma + 1), util::ranges::kSurfaceCoordinate)};
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

void listEverything() {
  std::cout << "Test functions (--function):\n";
  for (const auto& f : surface::testFunctions()) {
    std::printf("  %-14s %s\n", f.name.c_str(), f.formula.c_str());
    const bool saddle = f.id == surface::FunctionId::Saddle || f.id == surface::FunctionId::MonkeySaddle;
    std::printf("  %-14s window [%g, %g] x [%g, %g], start %g,%g, %s", "", f.window[0], f.window[1], f.window[2],
                f.window[3], f.start[0], f.start[1],
                saddle                ? "saddle point"
                : f.minima.size() > 1 ? "minima"
                                      : "minimum");
    for (const auto& m : f.minima) std::printf(" (%g, %g)", m[0], m[1]);
    std::printf("\n");
  }
  std::cout << "  (quadratic takes --kappa and --angle)\n\nOptimizers (--optimizer NAME[:key=value,...]):\n";
  for (const auto& o : optim::optimizerCatalog()) {
    std::printf("  %-12s %s\n", o.name.c_str(), o.summary.c_str());
    std::string defaults;
    for (const auto& p : o.params) defaults += (defaults.empty() ? "" : ", ") + p.name + "=" + p.defaultValue;
    std::printf("  %-12s %s\n", "", defaults.c_str());
  }
}

// The option that sets a shared hyper-parameter: lr -> --lr, weight_decay -> --weight-decay.
std::string optionOf(const std::string& key) {
  if (key == "beta1" || key == "beta2") return "--betas";
  std::string option = "--" + key;
  std::replace(option.begin(), option.end(), '_', '-');
  return option;
}

}  // namespace

int surfaceCommand(const std::vector<std::string>& args) {
  Arguments o("surface",
              {{"function", "NAME", "the test function (see --list)"},
               {"start", "X,Y", "start point (default: the function's)"},
               {"optimizer", "NAME[:k=v,...]", "an optimizer and its hyper-parameters; repeat to race several"},
               {"lr", "RATE", "learning rate for every optimizer"},
               {"momentum", "M", "momentum (SGD, RMSprop)"},
               {"nesterov", "", "Nesterov momentum (SGD)"},
               {"betas", "B1,B2", "moment decays (Adam family)"},
               {"eps", "E", "term added for numerical stability"},
               {"weight-decay", "W", "weight decay"},
               {"alpha", "A", "smoothing constant (RMSprop)"},
               {"steps", "N", "number of updates (default 100)"},
               {"kappa", "K", "condition number of the quadratic (default 10)"},
               {"angle", "DEGREES", "rotation of the quadratic's axes (default 0)"},
               {"device", "INDEX|NAME", "Vulkan device"},
               {"out", "FILE.csv", "where to write the trajectory (default: standard output)"},
               {"list", "", "list the functions and optimizers with their defaults"},
               {"help", "", "show this help"}},
              args);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli surface --function NAME --optimizer NAME[:k=v,...] [options]\n\n"
                 "Runs optimizers on a 2-D test surface and writes step,x,y,loss (with an optimizer column when\n"
                 "there are several). On the quadratic also distance (to the minimum) and predicted_distance:\n"
                 "what theory predicts for SGD (exact without momentum, the rate^t envelope with it).\n\n"
              << o.usage();
    return 0;
  }
  if (o.has("list")) {
    listEverything();
    return 0;
  }
  std::string functions;
  for (const auto& f : surface::testFunctions()) functions += (functions.empty() ? "" : ", ") + f.name;
  if (!o.has("function")) throw UsageError("--function is required (" + functions + ")");
  const surface::TestFunction* function = surface::findTestFunction(o.text("function"));
  if (!function) throw UsageError("--function must be one of " + functions + ", got '" + o.text("function") + "'");
  const auto start = o.has("start") ? parsePoint(o.text("start")) : function->start;
  const uint32_t steps = uint32_t(o.integer("steps", 100, util::ranges::kSurfaceSteps));
  surface::FunctionParams params;
  params.kappa = o.number("kappa", 10.0, util::ranges::kQuadraticKappa);
  params.angle = o.number("angle", 0.0, util::ranges::kQuadraticAngle) * std::numbers::pi / 180.0;

  // Flags given once apply to every optimizer that has the hyper-parameter.
  std::map<std::string, std::string> shared;
  if (o.has("lr")) shared["lr"] = nn::formatNumber(o.number("lr", 0.0, util::ranges::kLearningRate));
  if (o.has("momentum")) shared["momentum"] = o.text("momentum");
  if (o.has("nesterov")) shared["nesterov"] = "true";
  if (o.has("eps")) shared["eps"] = o.text("eps");
  if (o.has("weight-decay")) shared["weight_decay"] = o.text("weight-decay");
  if (o.has("alpha")) shared["alpha"] = o.text("alpha");
  if (o.has("betas")) {
    const std::string betas = o.text("betas");
    const size_t comma = betas.find(',');
    if (comma == std::string::npos) throw UsageError("--betas must be B1,B2, got '" + betas + "'");
    shared["beta1"] = betas.substr(0, comma);
    shared["beta2"] = betas.substr(comma + 1);
  }
  std::vector<std::string> specs = o.all("optimizer");
  if (specs.empty()) throw UsageError("--optimizer is required (see --list)");

  struct Racer {
    std::string label;
    std::unique_ptr<optim::Optimizer> optimizer;
    std::optional<analysis::QuadraticContraction> theory;  // on the quadratic, for SGD
  };
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  std::vector<Racer> racers;
  std::map<std::string, bool> sharedUsed;
  for (const auto& spec : specs) {
    optim::OptimizerSpec parsed;
    try {
      parsed = optim::parseOptimizerSpec(spec);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--optimizer: ") + e.what());
    }
    auto& [name, values, text] = parsed;
    const optim::OptimizerDef* def = optim::findOptimizer(name);
    for (const auto& [key, value] : shared) {
      bool accepted = false;
      for (const auto& p : def->params) accepted = accepted || p.name == key;
      if (accepted && values.count(key))
        throw UsageError("--optimizer " + spec + " and " + optionOf(key) + " both set " + key + ": give it once");
      if (accepted) values[key] = value;
      sharedUsed[key] = sharedUsed[key] || accepted;
    }
    racers.push_back({specs.size() > 1 ? spec : name, optim::createOptimizer(context, name, values),
                      function->id == surface::FunctionId::Quadratic
                          ? analysis::quadraticContraction(params, name, values)
                          : std::nullopt});
  }
  for (const auto& [key, used] : sharedUsed)
    if (!used) throw UsageError("no chosen optimizer takes " + key + " (see --list)");

  std::ofstream file;
  if (o.has("out")) {
    file.open(o.text("out"));
    if (!file) throw UsageError("--out: cannot write " + o.text("out"));
  }
  std::ostream& out = o.has("out") ? file : std::cout;
  // On the quadratic: the distance to the minimum and, for SGD, the distance theory predicts
  // (analysis::predictedDistances: exact for plain SGD, the rate^t envelope with momentum).
  const bool quadratic = function->id == surface::FunctionId::Quadratic;
  out << (racers.size() > 1 ? "optimizer," : "") << "step,x,y,loss" << (quadratic ? ",distance,predicted_distance" : "")
      << "\n";
  out.precision(9);
  for (auto& racer : racers) {
    const auto t = surface::runTrajectory(context, *racer.optimizer, function->id, params, start, steps);
    const std::vector<double> predicted =
        racer.theory ? analysis::predictedDistances(params, *racer.theory, {t.points[0].x, t.points[0].y}, steps)
                     : std::vector<double>{};
    for (const auto& p : t.points) {
      out << (racers.size() > 1 ? "\"" + racer.label + "\"," : "") << p.step << "," << p.x << "," << p.y << ","
          << p.loss;
      if (quadratic) out << "," << std::hypot(p.x, p.y) << ",";
      if (quadratic && p.step < predicted.size()) out << predicted[p.step];
      out << "\n";
    }
    const auto& last = t.points.back();
    std::fprintf(stderr, "%s: %s after %u steps at (%.6g, %.6g), loss %.6g\n", racer.label.c_str(),
                 t.diverged ? "diverged (NaN or infinity)" : "stopped", last.step, last.x, last.y, last.loss);
  }
  return 0;
}

}  // namespace gradlab::cli
