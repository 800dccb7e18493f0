#include "nn/layer.h"

#include <stdexcept>

namespace gradlab::nn {
namespace layers {
std::unique_ptr<Layer> createLinear(const NodeInfo& info);
std::unique_ptr<Layer> createActivation(const NodeInfo& info);
std::unique_ptr<Layer> createFlatten(const NodeInfo& info);
std::unique_ptr<Layer> createConv2d(const NodeInfo& info, const LayerOptions& options);
std::unique_ptr<Layer> createConvTranspose2d(const NodeInfo& info);
std::unique_ptr<Layer> createPool2d(const NodeInfo& info);
std::unique_ptr<Layer> createAdd(const NodeInfo& info);
std::unique_ptr<Layer> createCrossEntropyLoss(const NodeInfo& info);
std::unique_ptr<Layer> createBatchNorm(const NodeInfo& info);
std::unique_ptr<Layer> createLayerNorm(const NodeInfo& info);
std::unique_ptr<Layer> createInstanceNorm(const NodeInfo& info);
std::unique_ptr<Layer> createGroupNorm(const NodeInfo& info);
std::unique_ptr<Layer> createDropout(const NodeInfo& info);
std::unique_ptr<Layer> createPRelu(const NodeInfo& info);
std::unique_ptr<Layer> createMseLoss(const NodeInfo& info);
std::unique_ptr<Layer> createBceWithLogitsLoss(const NodeInfo& info);
std::unique_ptr<Layer> createMultiMarginLoss(const NodeInfo& info);
}  // namespace layers

std::unique_ptr<Layer> createLayer(const NodeInfo& info, const LayerOptions& options) {
  if (!info.valid || !info.def) throw std::invalid_argument("createLayer needs a checked node");
  const std::string& type = info.def->type;
  if (type == "Linear") return layers::createLinear(info);
  if (type == "Sigmoid" || type == "Tanh" || type == "ReLU" || type == "LeakyReLU" || type == "ELU")
    return layers::createActivation(info);
  if (type == "Flatten") return layers::createFlatten(info);
  if (type == "Conv2d") return layers::createConv2d(info, options);
  if (type == "ConvTranspose2d") return layers::createConvTranspose2d(info);
  if (type == "MaxPool2d" || type == "AvgPool2d" || type == "GlobalAvgPool2d") return layers::createPool2d(info);
  if (type == "Add") return layers::createAdd(info);
  if (type == "CrossEntropyLoss") return layers::createCrossEntropyLoss(info);
  if (type == "BatchNorm1d" || type == "BatchNorm2d") return layers::createBatchNorm(info);
  if (type == "LayerNorm") return layers::createLayerNorm(info);
  if (type == "InstanceNorm2d") return layers::createInstanceNorm(info);
  if (type == "GroupNorm") return layers::createGroupNorm(info);
  if (type == "Dropout") return layers::createDropout(info);
  if (type == "PReLU") return layers::createPRelu(info);
  if (type == "MSELoss") return layers::createMseLoss(info);
  if (type == "BCEWithLogitsLoss") return layers::createBceWithLogitsLoss(info);
  if (type == "MultiMarginLoss") return layers::createMultiMarginLoss(info);
  throw std::invalid_argument(type + " cannot be trained on the GPU yet");
}

}  // namespace gradlab::nn
