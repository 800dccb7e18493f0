#include "nn/layer.h"

#include <stdexcept>

namespace gradlab::nn {
namespace layers {
std::unique_ptr<Layer> createLinear(const NodeInfo& info);
std::unique_ptr<Layer> createActivation(const NodeInfo& info);
std::unique_ptr<Layer> createFlatten(const NodeInfo& info);
std::unique_ptr<Layer> createCrossEntropyLoss(const NodeInfo& info);
}  // namespace layers

std::unique_ptr<Layer> createLayer(const NodeInfo& info) {
  if (!info.valid || !info.def) throw std::invalid_argument("createLayer needs a checked node");
  const std::string& type = info.def->type;
  if (type == "Linear") return layers::createLinear(info);
  if (type == "Sigmoid" || type == "Tanh" || type == "ReLU" || type == "LeakyReLU" || type == "ELU")
    return layers::createActivation(info);
  if (type == "Flatten") return layers::createFlatten(info);
  if (type == "CrossEntropyLoss") return layers::createCrossEntropyLoss(info);
  throw std::invalid_argument(type + " cannot be trained on the GPU yet");
}

}  // namespace gradlab::nn
