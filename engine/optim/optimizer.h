#pragma once
// The update stage of a training step, recorded once into the step's command buffer. Optimizers
// read the learning rate and the "not finite" flag from the training control block, so a schedule
// can change the rate and a NaN can stop updates without re-recording anything.
#include "gpu/recording.h"
#include "nn/network.h"

#include <memory>
#include <string>
#include <vector>

namespace gradlab::optim {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // Records p <- update(p, grad, state) for every parameter.
  virtual void recordUpdate(gpu::Recording& rec, std::vector<nn::Parameter>& params, gpu::BufferRange control) = 0;
  // Clears moments and step counts (a reset run).
  virtual void reset() {}
};

// Plain stochastic gradient descent: p -= lr * g.
class Sgd final : public Optimizer {
 public:
  std::string name() const override { return "SGD"; }
  void recordUpdate(gpu::Recording& rec, std::vector<nn::Parameter>& params, gpu::BufferRange control) override;
};

}  // namespace gradlab::optim
