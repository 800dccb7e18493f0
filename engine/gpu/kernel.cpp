#include "gpu/kernel.h"

#include "gpu/context.h"
#include "gpu/error.h"

namespace gradlab::gpu {

Kernel::Kernel(Context& context, const KernelSpec& spec, WorkGroup localSize,
               const std::vector<uint32_t>& constants)
    : device_(context.handle()), spec_(spec), localSize_(localSize) {
  const DeviceInfo& info = context.device();
  const uint64_t invocations = uint64_t(localSize[0]) * localSize[1] * localSize[2];
  if (invocations == 0 || invocations > info.maxComputeWorkGroupInvocations ||
      localSize[0] > info.maxComputeWorkGroupSize[0] || localSize[1] > info.maxComputeWorkGroupSize[1] ||
      localSize[2] > info.maxComputeWorkGroupSize[2])
    throw Error(ErrorKind::Unsupported, "Kernel " + spec.name + ": work-group size " +
                                            std::to_string(localSize[0]) + "x" + std::to_string(localSize[1]) +
                                            "x" + std::to_string(localSize[2]) + " exceeds the device's limits.");
  if (spec.pushConstantBytes > info.maxPushConstantsSize)
    throw Error(ErrorKind::Unsupported, "Kernel " + spec.name + " needs more push-constant space than the device has.");

  std::vector<VkDescriptorSetLayoutBinding> bindings(spec.bindings.size());
  for (uint32_t i = 0; i < bindings.size(); ++i)
    bindings[i] = {i,
                   texels(spec.bindings[i]) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                                          : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                   1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
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
  VkSpecializationInfo specialization{static_cast<uint32_t>(entries.size()), entries.data(),
                                      values.size() * 4, values.data()};

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
