#include "gpu/kernel.h"

#include "gpu/context.h"
#include "gpu/error.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace gradlab::gpu {

WorkGroup foldGroups(uint64_t groups, const std::array<uint32_t, 3>& maxCount) {
  auto ceilDiv = [](uint64_t a, uint64_t b) { return (a + b - 1) / b; };
  groups = std::max<uint64_t>(groups, 1);
  const uint64_t y = std::min<uint64_t>(ceilDiv(groups, maxCount[0]), maxCount[1]);
  const uint64_t z = ceilDiv(groups, uint64_t(maxCount[0]) * y);
  if (z > maxCount[2])
    throw Error(ErrorKind::Unsupported, std::to_string(groups) + " work groups exceed the device's grid of " +
                                            std::to_string(maxCount[0]) + " x " + std::to_string(maxCount[1]) + " x " +
                                            std::to_string(maxCount[2]) + ". Use a smaller batch or layer.");
  return {uint32_t(ceilDiv(groups, y * z)), uint32_t(y), uint32_t(z)};
}

namespace {

// SPIR-V: a 5-word header, then instructions whose first word is (word count << 16) | opcode.
enum Op : uint32_t {
  Decorate = 71,
  MemberDecorate = 72,
  TypeInt = 21,
  TypeFloat = 22,
  TypeVector = 23,
  TypeMatrix = 24,
  TypeArray = 28,
  TypeStruct = 30,
  TypePointer = 32,
  Constant = 43,
  Variable = 59
};
constexpr uint32_t kOffset = 35, kArrayStride = 6, kMatrixStride = 7, kPushConstant = 9;

// The instructions pushBlock needs, by result id.
struct Module {
  std::map<uint32_t, std::span<const uint32_t>> types;       // id -> the type instruction's words
  std::map<uint32_t, std::map<uint32_t, uint32_t>> offsets;  // struct id -> member -> byte offset
  std::map<uint32_t, uint32_t> constants, pointees, arrayStrides, matrixStrides;
  uint32_t pushType = 0;
};

Module readModule(std::span<const uint32_t> spirv) {
  if (spirv.size() < 5 || spirv[0] != 0x07230203u) throw std::invalid_argument("not a SPIR-V module");
  Module m;
  for (size_t i = 5; i < spirv.size();) {
    const uint32_t op = spirv[i] & 0xffff, count = spirv[i] >> 16;
    if (count == 0 || i + count > spirv.size()) throw std::invalid_argument("truncated SPIR-V module");
    const std::span<const uint32_t> a = spirv.subspan(i + 1, count - 1);
    if (op == MemberDecorate && a.size() >= 4 && a[2] == kOffset)
      m.offsets[a[0]][a[1]] = a[3];
    else if (op == MemberDecorate && a.size() >= 4 && a[2] == kMatrixStride)
      m.matrixStrides[a[0]] = a[3];
    else if (op == Decorate && a.size() >= 3 && a[1] == kArrayStride)
      m.arrayStrides[a[0]] = a[2];
    else if ((op == TypeInt || op == TypeFloat || op == TypeVector || op == TypeMatrix || op == TypeArray ||
              op == TypeStruct) &&
             !a.empty())
      m.types[a[0]] = spirv.subspan(i, count);
    else if (op == Constant && a.size() >= 3)
      m.constants[a[1]] = a[2];
    else if (op == TypePointer && a.size() >= 3)
      m.pointees[a[0]] = a[2];
    else if (op == Variable && a.size() >= 3 && a[2] == kPushConstant)
      m.pushType = m.pointees[a[0]];
    i += count;
  }
  return m;
}

// Appends the scalars of type `id` placed at byte `base` (std430 strides and offsets as the
// module decorates them); returns the type's size. Matrices are column vectors at `columnStride`.
uint32_t appendLeaves(const Module& m, uint32_t id, uint32_t base, std::vector<PushLeaf>& out,
                      uint32_t columnStride = 0) {
  const auto found = m.types.find(id);
  if (found == m.types.end()) throw std::invalid_argument("SPIR-V push-constant type it cannot read");
  const std::span<const uint32_t> t = found->second;
  switch (t[0] & 0xffff) {
    case TypeInt:
    case TypeFloat: out.push_back({base, t[2] / 8, (t[0] & 0xffff) == TypeFloat}); return t[2] / 8;
    case TypeVector: {
      uint32_t size = 0;
      for (uint32_t c = 0; c < t[3]; ++c) size += appendLeaves(m, t[2], base + size, out);
      return size;
    }
    case TypeMatrix:
    case TypeArray: {
      const bool matrix = (t[0] & 0xffff) == TypeMatrix;
      const uint32_t count = matrix ? t[3] : m.constants.at(t[3]);
      const uint32_t stride = matrix ? columnStride : m.arrayStrides.count(id) ? m.arrayStrides.at(id) : 0;
      uint32_t elementSize = 0;
      for (uint32_t e = 0; e < count; ++e) elementSize = appendLeaves(m, t[2], base + e * stride, out);
      return count ? (count - 1) * stride + elementSize : 0;
    }
    default: {  // a struct: its members at their offsets; its size is the end of its last member
      uint32_t end = 0;
      for (uint32_t k = 0; k + 2 < t.size(); ++k) {
        const auto offsets = m.offsets.find(id);
        const uint32_t offset = offsets == m.offsets.end() ? 0 : offsets->second.count(k) ? offsets->second.at(k) : 0;
        const auto stride = m.matrixStrides.find(id);
        end = std::max(end, offset + appendLeaves(m, t[k + 2], base + offset, out,
                                                  stride == m.matrixStrides.end() ? 0 : stride->second));
      }
      return end;
    }
  }
}

const char* kindOf(const PushLeaf& leaf) { return leaf.isFloat ? "float" : "integer"; }

}  // namespace

PushBlock pushBlock(std::span<const uint32_t> spirv) {
  const Module m = readModule(spirv);
  PushBlock block;
  if (!m.pushType) return block;
  const std::span<const uint32_t> t = m.types.at(m.pushType);
  for (uint32_t k = 0; k + 2 < t.size(); ++k) {
    const uint32_t offset =
        m.offsets.count(m.pushType) && m.offsets.at(m.pushType).count(k) ? m.offsets.at(m.pushType).at(k) : 0;
    block.bytes = std::max(block.bytes, offset + appendLeaves(m, t[k + 2], offset, block.leaves));
    block.memberOf.resize(block.leaves.size(), k);
  }
  return block;
}

uint32_t pushConstantBytes(std::span<const uint32_t> spirv) { return pushBlock(spirv).bytes; }

std::string pushLayoutMismatch(const std::string& name, const PushBlock& block, const std::vector<PushLeaf>& pushed) {
  const std::string head = "Kernel " + name + ": push-constant ";
  const size_t common = std::min(block.leaves.size(), pushed.size());
  for (size_t i = 0; i < common; ++i) {
    const PushLeaf& s = block.leaves[i];
    const PushLeaf& c = pushed[i];
    const std::string member = "member " + std::to_string(block.memberOf[i]) + " (" + kindOf(s) + ")";
    if (s.offset != c.offset)
      return head + member + " is at byte " + std::to_string(s.offset) + " in the shader, at byte " +
             std::to_string(c.offset) + " in the C++ struct pushed";
    if (s.size != c.size || s.isFloat != c.isFloat)
      return head + member + " at byte " + std::to_string(s.offset) + " is a " + std::to_string(s.size) + "-byte " +
             kindOf(s) + " in the shader, a " + std::to_string(c.size) + "-byte " + kindOf(c) +
             " in the C++ struct pushed";
  }
  if (block.leaves.size() != pushed.size())
    return head + "block holds " + std::to_string(block.leaves.size()) + " scalars in the shader, " +
           std::to_string(pushed.size()) + " in the C++ struct pushed";
  return {};
}

Kernel::Kernel(Context& context, const KernelSpec& spec, WorkGroup localSize, const std::vector<uint32_t>& constants)
    : device_(context.handle()), spec_(spec), localSize_(localSize), push_(pushBlock(spec.spirv)) {
  const DeviceInfo& info = context.device();
  const uint64_t invocations = uint64_t(localSize[0]) * localSize[1] * localSize[2];
  if (invocations == 0 || invocations > info.maxComputeWorkGroupInvocations ||
      localSize[0] > info.maxComputeWorkGroupSize[0] || localSize[1] > info.maxComputeWorkGroupSize[1] ||
      localSize[2] > info.maxComputeWorkGroupSize[2])
    throw Error(ErrorKind::Unsupported, "Kernel " + spec.name + ": work-group size " + std::to_string(localSize[0]) +
                                            "x" + std::to_string(localSize[1]) + "x" + std::to_string(localSize[2]) +
                                            " exceeds the device's limits.");
  if (push_.bytes > info.maxPushConstantsSize)
    throw Error(ErrorKind::Unsupported, "Kernel " + spec.name + " needs more push-constant space than the device has.");

  std::vector<VkDescriptorSetLayoutBinding> bindings(spec.bindings.size());
  for (uint32_t i = 0; i < bindings.size(); ++i)
    bindings[i] = {
        i, texels(spec.bindings[i]) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
        VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo setInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  setInfo.bindingCount = static_cast<uint32_t>(bindings.size());
  setInfo.pBindings = bindings.data();
  check(vkCreateDescriptorSetLayout(device_, &setInfo, nullptr, &setLayout_), "vkCreateDescriptorSetLayout");

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_.bytes};
  VkPipelineLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &setLayout_;
  layoutInfo.pushConstantRangeCount = push_.bytes ? 1 : 0;
  layoutInfo.pPushConstantRanges = &range;
  check(vkCreatePipelineLayout(device_, &layoutInfo, nullptr, &layout_), "vkCreatePipelineLayout");

  VkShaderModuleCreateInfo moduleInfo{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  moduleInfo.codeSize = spec.spirv.size_bytes();
  moduleInfo.pCode = spec.spirv.data();
  VkShaderModule module = VK_NULL_HANDLE;
  check(vkCreateShaderModule(device_, &moduleInfo, nullptr, &module), "vkCreateShaderModule");

  std::vector<uint32_t> values(localSize.begin(), localSize.end());
  values.insert(values.end(), constants.begin(), constants.end());
  std::vector<VkSpecializationMapEntry> entries(values.size());
  for (uint32_t i = 0; i < entries.size(); ++i) entries[i] = {i, i * 4u, 4};
  VkSpecializationInfo specialization{static_cast<uint32_t>(entries.size()), entries.data(), values.size() * 4,
                                      values.data()};

  VkComputePipelineCreateInfo pipelineInfo{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pipelineInfo.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  pipelineInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipelineInfo.stage.module = module;
  pipelineInfo.stage.pName = "main";
  pipelineInfo.stage.pSpecializationInfo = &specialization;
  pipelineInfo.layout = layout_;
  const VkResult result =
      vkCreateComputePipelines(device_, context.pipelineCacheHandle(), 1, &pipelineInfo, nullptr, &pipeline_);
  vkDestroyShaderModule(device_, module, nullptr);
  if (result != VK_SUCCESS) {
    vkDestroyPipelineLayout(device_, layout_, nullptr);
    vkDestroyDescriptorSetLayout(device_, setLayout_, nullptr);
    check(result, ("vkCreateComputePipelines(" + spec.name + ")").c_str());
  }
}

void Kernel::checkPushLayout(const std::vector<PushLeaf>& pushed) const {
  if (pushed == push_.leaves) return;
  if (std::string line = pushLayoutMismatch(spec_.name, push_, pushed); !line.empty()) throw std::logic_error(line);
}

Kernel::~Kernel() {
  vkDestroyPipeline(device_, pipeline_, nullptr);
  vkDestroyPipelineLayout(device_, layout_, nullptr);
  vkDestroyDescriptorSetLayout(device_, setLayout_, nullptr);
}

}  // namespace gradlab::gpu
