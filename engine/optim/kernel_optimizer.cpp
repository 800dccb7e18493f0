#include "optim/kernel_optimizer.h"

#include "train/control_block.h"

#include <algorithm>
#include <cstring>

namespace gradlab::optim {

KernelOptimizer::KernelOptimizer(gpu::Context& context, std::string title, Settings settings,
                                 std::vector<StateSpec> states)
    : context_(context), settings_(std::move(settings)), title_(std::move(title)), specs_(std::move(states)),
      last_(context, 8, /*hostMapped=*/true) {
  clearLast();
}

void KernelOptimizer::clearLast() {
  const uint32_t none[2] = {0xffffffffu, 0};
  last_.upload(none, 8);
}

void KernelOptimizer::fill(Tensor& tensor) const {
  for (size_t s = 0; s < specs_.size(); ++s) {
    gpu::Buffer& b = *tensor.buffers[s];
    const std::vector<float> values(b.bytes() / 4, specs_[s].used ? specs_[s].initial : 0.0f);
    b.upload(values.data(), values.size() * 4);
  }
}

void KernelOptimizer::recordUpdate(gpu::Recording& rec, const std::vector<ParamRef>& params, const UpdateContext& ctx) {
  bool same = tensors_.size() == params.size();
  for (size_t i = 0; same && i < params.size(); ++i) same = tensors_[i].count == params[i].count;
  if (!same) {  // first use, or other tensors: fresh state
    tensors_.clear();
    for (const auto& p : params) {
      Tensor t;
      t.count = p.count;
      for (uint64_t floats : stateFloats(p.count))
        t.buffers.push_back(std::make_unique<gpu::Buffer>(context_, floats * 4));
      fill(t);
      tensors_.push_back(std::move(t));
    }
  }
  recordBefore(rec, ctx);
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].count > 0) recordTensor(rec, i, params[i], ctx);
  rec.copy(gpu::BufferRange(*ctx.step.buffer, ctx.step.offset, 4), gpu::BufferRange(last_, 0, 4));
  rec.copy(
      gpu::BufferRange(*ctx.control.buffer, ctx.control.offset + offsetof(train::ControlBlock, learningRateBits), 4),
      gpu::BufferRange(last_, 4, 4));
}

void KernelOptimizer::reset() {
  for (auto& t : tensors_) fill(t);
  clearLast();
  resetShared();
}

std::vector<uint64_t> KernelOptimizer::stateFloats(uint64_t count) const {
  std::vector<uint64_t> floats;
  for (const auto& spec : specs_)
    floats.push_back(!spec.used ? 1 : spec.floats ? spec.floats : std::max<uint64_t>(count, 1));
  return floats;
}

std::vector<std::string> KernelOptimizer::stateNames() const {
  std::vector<std::string> names;
  for (const auto& spec : specs_)
    if (spec.used) names.push_back(spec.name);
  for (auto& v : viewNames()) names.push_back(v);
  return names;
}

const gpu::Buffer& KernelOptimizer::state(size_t tensor, const std::string& name) const {
  for (size_t s = 0; s < specs_.size(); ++s)
    if (specs_[s].name == name) return *tensors_.at(tensor).buffers[s];
  throw std::logic_error(title_ + " has no state " + name);
}

const gpu::Buffer* KernelOptimizer::elementState(size_t tensor, const std::string& name) const {
  if (tensor >= tensors_.size()) return nullptr;
  for (size_t s = 0; s < specs_.size(); ++s)
    if (specs_[s].name == name)
      return specs_[s].used && specs_[s].floats == 0 ? tensors_[tensor].buffers[s].get() : nullptr;
  return nullptr;
}

std::vector<float> KernelOptimizer::download(size_t tensor, const std::string& name) const {
  const gpu::Buffer& b = state(tensor, name);
  for (const auto& spec : specs_)
    if (spec.name == name) return b.read<float>(spec.floats ? spec.floats : tensors_[tensor].count);
  return {};
}

std::vector<float> KernelOptimizer::readState(size_t tensor, const std::string& name) const {
  if (tensor >= tensors_.size()) return {};
  for (const auto& spec : specs_)
    if (spec.name == name) return spec.used ? download(tensor, name) : std::vector<float>{};
  return view(tensor, name);
}

// Block names: "T.NAME" per tensor T and used state NAME, the shared blocks by name, and "last"
// (the step counter and rate of the last update, as float bit patterns, for the views).
OptimizerState KernelOptimizer::saveState() const {
  OptimizerState saved{name(), {}};
  for (size_t t = 0; t < tensors_.size(); ++t)
    for (const auto& spec : specs_)
      if (spec.used) saved.blocks[std::to_string(t) + "." + spec.name] = download(t, spec.name);
  for (const auto& [block, buffer] : shared_) saved.blocks[block] = buffer->read<float>(buffer->bytes() / 4);
  saved.blocks["last"] = last_.read<float>(2);
  return saved;
}

void KernelOptimizer::loadState(const OptimizerState& saved) {
  struct Target {
    const gpu::Buffer* buffer;
    size_t floats;
  };
  std::map<std::string, Target> targets;
  for (size_t t = 0; t < tensors_.size(); ++t)
    for (size_t s = 0; s < specs_.size(); ++s)
      if (specs_[s].used)
        targets[std::to_string(t) + "." + specs_[s].name] = {tensors_[t].buffers[s].get(),
                                                             specs_[s].floats ? specs_[s].floats : tensors_[t].count};
  for (const auto& [block, buffer] : shared_) targets[block] = {buffer, buffer->bytes() / 4};
  targets["last"] = {&last_, 2};
  const auto unfit = [&](const std::string& why) {
    return std::invalid_argument("The saved " + saved.optimizer + " state does not fit this run's " + name() + " (" +
                                 why + "): it was saved for another network or optimizer; reset to start over.");
  };
  if (saved.optimizer != name()) throw unfit("another optimizer");
  for (const auto& [block, target] : targets) {
    const auto it = saved.blocks.find(block);
    if (it == saved.blocks.end()) throw unfit("no " + block);
    if (it->second.size() != target.floats)
      throw unfit(block + " has " + std::to_string(it->second.size()) + " values, not " +
                  std::to_string(target.floats));
  }
  if (saved.blocks.size() != targets.size())
    throw unfit(std::to_string(saved.blocks.size()) + " blocks, not " + std::to_string(targets.size()));
  for (const auto& [block, target] : targets) target.buffer->upload(saved.blocks.at(block).data(), target.floats * 4);
}

uint32_t KernelOptimizer::stepsTaken() const {
  uint32_t counter = 0;
  last_.download(&counter, 4);
  return counter == 0xffffffffu ? 0 : counter + 1;
}

double KernelOptimizer::currentLearningRate() const {
  float lr = 0;
  last_.download(&lr, 4, 4);
  return lr;
}

std::vector<float> KernelOptimizer::adamEffectiveStep(size_t tensor, const std::string& second) const {
  const uint32_t t = stepsTaken();
  if (t == 0 || tensor >= tensors_.size()) return {};
  const double lr = currentLearningRate(), eps = settings_["eps"];
  const double correction2 = -std::expm1(t * std::log(settings_["beta2"]));
  auto v = download(tensor, second);
  for (float& x : v) x = float(lr / (std::sqrt(std::max(double(x), 0.0) / correction2) + eps));
  return v;
}

}  // namespace gradlab::optim
