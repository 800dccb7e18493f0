#include "nn/initializer.h"

#include "nn/random_hash.h"
#include "util/checked_values.h"
#include "util/printable.h"

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace gradlab::nn {
namespace {

// A generator seeded from the run's seed and the tensor's name, so adding a node elsewhere does
// not change this tensor's values.
std::mt19937_64 generatorFor(uint32_t seed, const std::string& node, const std::string& tensor) {
  uint32_t h = pcgHash(seed);
  for (char c : node + "/" + tensor) h = pcgHash(h ^ uint8_t(c));
  return std::mt19937_64((uint64_t(h) << 32) | pcgHash(h + 1));
}

double uniform01(std::mt19937_64& g) { return double(g() >> 11) * (1.0 / 9007199254740992.0); }

// Box-Muller: the same numbers on every standard library.
double standardNormal(std::mt19937_64& g) {
  const double u1 = 1.0 - uniform01(g), u2 = uniform01(g);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::vector<float> fillUniform(uint64_t n, double bound, std::mt19937_64& g) {
  std::vector<float> v(n);
  for (float& x : v) x = float((2.0 * uniform01(g) - 1.0) * bound);
  return v;
}

std::vector<float> fillNormal(uint64_t n, double std, std::mt19937_64& g) {
  std::vector<float> v(n);
  for (float& x : v) x = float(standardNormal(g) * std);
  return v;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parseInitSpec(const std::string& text) {
  const LayerDef* linear = findLayer("Linear");  // Linear and the convolutions share these parameters
  auto paramDef = [&](const std::string& name) -> const ParamDef* {
    for (const auto& p : linear->params)
      if (p.name == name) return &p;
    return nullptr;
  };
  std::vector<std::string> keys;
  for (const auto& p : linear->params)
    if (p.name.rfind("init_", 0) == 0) keys.push_back(p.name.substr(5));
  const util::Spec spec = util::parseSpec(text, "", keys);
  std::string error;
  if (!ParamValue::parse(*paramDef("init"), spec.name, &error))
    throw std::invalid_argument("unknown initialisation '" + util::printable(spec.name, 40) +
                                "'; accepted: " + util::joinedNames(paramDef("init")->choices));
  std::vector<std::pair<std::string, std::string>> out{{"init", spec.name}};
  for (const auto& item : spec.items) {
    const ParamDef& def = *paramDef("init_" + item.key);
    const auto value = ParamValue::parse(def, item.value, &error);
    if (!value) throw std::invalid_argument(util::printable(error, 200));
    out.push_back({def.name, value->text()});
  }
  return out;
}

double nonlinearityGain(const std::string& nonlinearity) {
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + 0.01 * 0.01));
  return 1.0;  // linear, sigmoid
}

std::vector<float> initialValues(const NodeParams& params, const ParamTensor& tensor, const std::string& nodeName,
                                 uint32_t seed, bool isBuffer) {
  const uint64_t n = tensor.shape.elements();
  auto g = generatorFor(seed, nodeName, tensor.name);
  if (isBuffer)
    return std::vector<float>(n, tensor.role == ParamRole::NormScale ? 1.0f : 0.0f);  // running var 1, mean 0
  switch (tensor.role) {
    case ParamRole::NormScale: return std::vector<float>(n, 1.0f);
    case ParamRole::NormShift: return std::vector<float>(n, 0.0f);
    case ParamRole::Slope: return std::vector<float>(n, float(params.real("init")));
    case ParamRole::Bias: {
      const std::string& how = params.choice("bias_init");
      if (how == "default") return fillUniform(n, 1.0 / std::sqrt(double(std::max(tensor.fanIn, 1u))), g);
      if (how == "constant") return std::vector<float>(n, float(params.real("init_value")));
      return std::vector<float>(n, 0.0f);
    }
    case ParamRole::Weight: break;
  }
  const double fanIn = std::max(tensor.fanIn, 1u), fanOut = std::max(tensor.fanOut, 1u);
  const std::string& how = params.choice("init");
  if (how == "zeros") return std::vector<float>(n, 0.0f);
  if (how == "constant") return std::vector<float>(n, float(params.real("init_value")));
  if (how == "normal") return fillNormal(n, params.real("init_std"), g);
  if (how == "uniform") return fillUniform(n, params.real("init_a"), g);
  if (how == "xavier_normal") return fillNormal(n, params.real("init_gain") * std::sqrt(2.0 / (fanIn + fanOut)), g);
  if (how == "xavier_uniform") return fillUniform(n, params.real("init_gain") * std::sqrt(6.0 / (fanIn + fanOut)), g);
  const double fan = params.choice("init_mode") == "fan_out" ? fanOut : fanIn;
  const double gain = nonlinearityGain(params.choice("init_nonlinearity"));
  if (how == "kaiming_normal") return fillNormal(n, gain / std::sqrt(fan), g);
  if (how == "kaiming_uniform") return fillUniform(n, gain * std::sqrt(3.0 / fan), g);
  if (how == "scaled_variance") return fillNormal(n, std::sqrt(params.real("init_c") / fanIn), g);
  // PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. uniform within 1/sqrt(fan_in).
  return fillUniform(n, 1.0 / std::sqrt(fanIn), g);
}

}  // namespace gradlab::nn
