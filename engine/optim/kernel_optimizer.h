#pragma once
// What the device optimizers share (internal to engine/optim): state buffers per parameter tensor,
// created on the first recordUpdate and zeroed (or set to their initial value) by reset(), read back
// by name for the "optimizer internals" views, plus views computed on the host from them.
#include "optim/optimizer.h"
#include "optim/reference.h"
#include "optim/settings.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::optim {

class KernelOptimizer : public Optimizer {
 public:
  std::string name() const override { return title_; }
  double learningRate() const override { return settings_["lr"]; }
  void recordUpdate(gpu::Recording& rec, const std::vector<ParamRef>& params, const UpdateContext& ctx) override;
  void reset() override;
  std::vector<std::string> stateNames() const override;
  std::vector<uint64_t> stateFloats(uint64_t count) const override;
  std::vector<float> readState(size_t tensor, const std::string& name) const override;
  OptimizerState saveState() const override;
  void loadState(const OptimizerState& state) override;
  const Settings& settings() const { return settings_; }
  // The device buffer of tensor `tensor`'s state `name` where it holds one float per element (not
  // a placeholder, not a view): the internals probes reduce it where it lies. nullptr otherwise.
  const gpu::Buffer* elementState(size_t tensor, const std::string& name) const;
  // The step t of the last update that ran (0: none since creation or reset) and its learning rate;
  // copied on the device at each update, so they stay readable whatever happens to the buffers.
  uint32_t stepsTaken() const;
  double currentLearningRate() const;

 protected:
  struct StateSpec {
    std::string name;     // PyTorch's state name: "exp_avg", "momentum_buffer", ...
    bool used = true;     // false: a 4-byte placeholder bound where the kernel expects it
    float initial = 0;    // value after creation and reset
    uint32_t floats = 0;  // 0: one per parameter element
  };
  KernelOptimizer(gpu::Context& context, std::string title, Settings settings, std::vector<StateSpec> states);

  // Before the per-tensor updates (NAdam's momentum product).
  virtual void recordBefore(gpu::Recording& /*rec*/, const UpdateContext& /*ctx*/) {}
  // The update of tensor `index`; its state buffers exist.
  virtual void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) = 0;
  virtual void resetShared() {}
  // Declares state shared by all tensors (NAdam's momentum product), for saveState and loadState.
  void addSharedState(const std::string& name, gpu::Buffer& buffer) { shared_[name] = &buffer; }
  // Host-computed views listed after the state: names and values.
  virtual std::vector<std::string> viewNames() const { return {}; }
  virtual std::vector<float> view(size_t /*tensor*/, const std::string& /*name*/) const { return {}; }

  const gpu::Buffer& state(size_t tensor, const std::string& name) const;
  std::vector<float> download(size_t tensor, const std::string& name) const;
  size_t tensorCount() const { return tensors_.size(); }
  // Weight decay for a tensor: the setting where it decays (ParamRef::decays or decay_all), else 0.
  float weightDecay(const ParamRef& p) const {
    return settings_.decays(p.decays) ? float(settings_["weight_decay"]) : 0.0f;
  }
  // lr / (sqrt(v / (1 - beta2^t)) + eps) with v the named state: Adam-style effective step sizes.
  std::vector<float> adamEffectiveStep(size_t tensor, const std::string& second) const;

  // The push constants the Adam-style kernels begin with: n, beta1, 1 - beta1, beta2, 1 - beta2,
  // ln beta1, ln beta2, weight decay, eps.
  struct AdamPush {
    uint32_t n;
    float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, weightDecay, eps;
  };
  AdamPush adamPush(const ParamRef& p) const {
    const double b1 = settings_["beta1"], b2 = settings_["beta2"];
    return {p.count,    float(b1),      float(1 - b1),          float(b2), float(1 - b2), lnBeta(b1),
            lnBeta(b2), weightDecay(p), float(settings_["eps"])};
  }

  static gpu::WorkGroup groups(uint32_t n) { return {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1}; }
  static float lnBeta(double beta) { return beta > 0 ? float(std::log(beta)) : -80.0f; }

  gpu::Context& context_;
  Settings settings_;

 private:
  struct Tensor {
    uint32_t count = 0;
    std::vector<std::unique_ptr<gpu::Buffer>> buffers;  // one per StateSpec
  };
  void fill(Tensor& tensor) const;
  void clearLast();

  std::string title_;
  std::vector<StateSpec> specs_;
  std::vector<Tensor> tensors_;
  std::map<std::string, gpu::Buffer*> shared_;  // owned by the subclass
  gpu::Buffer last_;  // [0] the device step counter at the last update (0xffffffff: none), [1] its lr bits
};

// One optimizer as its file registers it (optim/catalog.cpp lists the registration functions):
// its catalog entry, its device factory and the double-precision reference of its update rule.
struct OptimizerEntry {
  OptimizerDef def;
  std::unique_ptr<Optimizer> (*make)(gpu::Context& context, const Settings& s) = nullptr;
  // One step on plain vectors (reference::step calls it): `grad` has the L2 weight decay added
  // (or the parameter was decayed, decoupled), state named as the device state.
  void (*reference)(const Settings& s, std::vector<double>& param, const std::vector<double>& grad,
                    reference::TensorState& state, uint64_t t, double lr) = nullptr;
};

// The registered entry of a catalog name, or nullptr.
const OptimizerEntry* findEntry(const std::string& name);

template <typename T>
std::unique_ptr<Optimizer> makeKernelOptimizer(gpu::Context& context, const Settings& s) {
  return std::make_unique<T>(context, s);
}

// What a registration function declares hyper-parameters with (PyTorch's names and defaults;
// the valid ranges are the catalog's, by name).
namespace schema {
nn::ParamDef real(const std::string& name, const std::string& value, const std::string& help);
nn::ParamDef flag(const std::string& name, const std::string& help);
extern const char* const kDecayAll;
// lr, beta1, beta2, eps, weight_decay, decay_all.
std::vector<nn::ParamDef> adamLike(const std::string& lr, const std::string& weightDecay);
// `defs` with `more` inserted before decay_all, which stays last.
std::vector<nn::ParamDef> with(std::vector<nn::ParamDef> defs, std::initializer_list<nn::ParamDef> more);
}  // namespace schema

}  // namespace gradlab::optim
