#include "gpu/kernel.h"

#include "gpu/context.h"
#include "gpu/error.h"

#include <algorithm>
#include <functional>
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

uint32_t pushConstantBytes(std::span<const uint32_t> spirv) {
  // SPIR-V: a 5-word header, then instructions whose first word is (word count << 16) | opcode.
  enum : uint32_t {
    Constant = 43,
    MemberDecorate = 72,
    TypeInt = 21,
    TypeFloat = 22,
    TypeVector = 23,
    TypeArray = 28,
    TypeStruct = 30,
    TypePointer = 32,
    Variable = 59
  };
  constexpr uint32_t kOffset = 35, kPushConstant = 9;
  if (spirv.size() < 5 || spirv[0] != 0x07230203u) throw std::invalid_argument("not a SPIR-V module");
  std::map<uint32_t, std::span<const uint32_t>> types;       // id -> the type instruction's words
  std::map<uint32_t, std::map<uint32_t, uint32_t>> offsets;  // struct id -> member -> byte offset
  std::map<uint32_t, uint32_t> constants, pointees;
  uint32_t pushType = 0;
  for (size_t i = 5; i < spirv.size();) {
    const uint32_t op = spirv[i] & 0xffff, count = spirv[i] >> 16;
    if (count == 0 || i + count > spirv.size()) throw std::invalid_argument("truncated SPIR-V module");
    const std::span<const uint32_t> a = spirv.subspan(i + 1, count - 1);
    if (op == MemberDecorate && a.size() >= 4 && a[2] == kOffset)
      offsets[a[0]][a[1]] = a[3];
    else if ((op == TypeInt || op == TypeFloat || op == TypeVector || op == TypeArray || op == TypeStruct) &&
             !a.empty())
      types[a[0]] = spirv.subspan(i, count);
    else if (op == Constant && a.size() >= 3)
      constants[a[1]] = a[2];
    else if (op == TypePointer && a.size() >= 3)
      pointees[a[0]] = a[2];
    else if (op == Variable && a.size() >= 3 && a[2] == kPushConstant)
      pushType = pointees[a[0]];
    i += count;
  }
  if (!pushType) return 0;
  std::function<uint32_t(uint32_t)> size = [&](uint32_t id) -> uint32_t {
    const auto& t = types.at(id);
    switch (t[0] & 0xffff) {
      case TypeInt:
      case TypeFloat: return t[2] / 8;
      case TypeVector: return size(t[2]) * t[3];
      case TypeArray: return size(t[2]) * constants.at(t[3]);
      default: {  // a struct: the end of its last member
        uint32_t end = 0;
        for (size_t m = 2; m < t.size(); ++m) end = std::max(end, offsets[id][uint32_t(m - 2)] + size(t[m]));
        return end;
      }
    }
  };
  return size(pushType);
}

Kernel::Kernel(Context& context, const KernelSpec& spec, WorkGroup localSize, const std::vector<uint32_t>& constants)
    : device_(context.handle()), spec_(spec), localSize_(localSize) {
  const DeviceInfo& info = context.device();
  const uint64_t invocations = uint64_t(localSize[0]) * localSize[1] * localSize[2];
  if (invocations == 0 || invocations > info.maxComputeWorkGroupInvocations ||
      localSize[0] > info.maxComputeWorkGroupSize[0] || localSize[1] > info.maxComputeWorkGroupSize[1] ||
      localSize[2] > info.maxComputeWorkGroupSize[2])
    throw Error(ErrorKind::Unsupported, "Kernel " + spec.name + ": work-group size " + std::to_string(localSize[0]) +
                                            "x" + std::to_string(localSize[1]) + "x" + std::to_string(localSize[2]) +
                                            " exceeds the device's limits.");
  if (const uint32_t declared = pushConstantBytes(spec.spirv); declared != 0 && declared != spec.pushConstantBytes)
    throw std::logic_error("Kernel " + spec.name + ": its shader declares " + std::to_string(declared) +
                           " bytes of push constants, its spec " + std::to_string(spec.pushConstantBytes));
  if (spec.pushConstantBytes > info.maxPushConstantsSize)
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

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, spec.pushConstantBytes};
  VkPipelineLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &setLayout_;
  layoutInfo.pushConstantRangeCount = spec.pushConstantBytes ? 1 : 0;
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

Kernel::~Kernel() {
  vkDestroyPipeline(device_, pipeline_, nullptr);
  vkDestroyPipelineLayout(device_, layout_, nullptr);
  vkDestroyDescriptorSetLayout(device_, setLayout_, nullptr);
}

}  // namespace gradlab::gpu
