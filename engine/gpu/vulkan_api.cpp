#include "gpu/vulkan_api.h"

#include "gpu/error.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#define GRADLAB_VK_DEFINE(name) PFN_##name name = nullptr;
GRADLAB_VK_CORE_FUNCTIONS(GRADLAB_VK_DEFINE)
#undef GRADLAB_VK_DEFINE

namespace gradlab::gpu {
namespace {

std::string openLoader() {
  const char* override = std::getenv("GRADLAB_VULKAN_LIBRARY");
  const std::string file = override && *override ? override : "libvulkan.so.1";
  void* library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return "The Vulkan loader (" + file + ") could not be opened: " + dlerror() +
           ". Install it with `sudo apt install libvulkan1 mesa-vulkan-drivers` "
           "(or run scripts/setup.sh).";
  std::string missing;
#define GRADLAB_VK_LOAD(name)                                 \
  name = reinterpret_cast<PFN_##name>(dlsym(library, #name)); \
  if (!name) missing += std::string(missing.empty() ? "" : ", ") + #name;
  GRADLAB_VK_CORE_FUNCTIONS(GRADLAB_VK_LOAD)
#undef GRADLAB_VK_LOAD
  if (!missing.empty())
    return "The Vulkan loader " + file + " is too old (it lacks " + missing +
           "). GradLab needs a Vulkan 1.2 loader: update libvulkan1.";
  return {};
}

}  // namespace

void loadVulkan() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] { failure = openLoader(); });
  if (!failure.empty()) throw Error(ErrorKind::NoLoader, failure);
}

}  // namespace gradlab::gpu
