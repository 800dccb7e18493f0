#pragma once
// Double-precision references of every update rule GradLab's optimizers run on the device: one step
// applied to plain vectors with the same hyper-parameters (Settings) and the same state, named as
// the device state (exp_avg, exp_avg_sq, sum, momentum_buffer, ...). For tests and for explaining.
// Each rule lives beside its kernel in its optimizer's file (optim/sgd.cpp, optim/adam.cpp, ...);
// step() applies the weight decay they share and calls it.
#include "optim/settings.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gradlab::optim::reference {

// State of one parameter tensor. Vectors are created (zero, or Adagrad's initial_accumulator_value)
// on the first step; scalars: "grad_norm" and "exp_grad_norm" (AdamNorm), "mu_product" (NAdam).
struct TensorState {
  std::map<std::string, std::vector<double>> vectors;
  std::map<std::string, double> scalars;
};

// The vector `key` of `state`, created with n elements of `initial` on first use.
std::vector<double>& stateVector(TensorState& state, const std::string& key, size_t n, double initial = 0);

// Applies step t (1-based) to `param` with gradient `grad` and learning rate `lr`; `decays` says
// whether weight decay applies to this tensor (ParamRef::decays; decay_all overrides).
void step(const Settings& s, std::vector<double>& param, const std::vector<double>& grad, TensorState& state,
          uint64_t t, double lr, bool decays);

// RAdam's rectification (optim/radam.cpp) r_t for step t: sqrt((rho_t-4)(rho_t-2)rho_inf /
// ((rho_inf-4)(rho_inf-2)rho_t)) with rho_inf = 2/(1-beta2) - 1 and rho_t = rho_inf - 2 t beta2^t / (1-beta2^t); 0
// while rho_t <= 5 (the update is then un-adapted momentum).
double radamRectification(double beta2, uint64_t t);
// NAdam's momentum coefficient (optim/nadam.cpp) mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)).
double nadamMu(double beta1, double momentumDecay, uint64_t t);

}  // namespace gradlab::optim::reference
