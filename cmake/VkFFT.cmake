# VkFFT (Debian's libvkfft-dev, header only) with its Vulkan backend.
# VkFFT 1.2.26 brace-initialises glslang's TBuiltInResource positionally and predates the nine
# mesh-shader fields glslang 12 added, so it does not compile against Debian 12's glslang.
# We write a fixed copy of the header into the build tree with those fields filled in and put it
# first on the include path. Later VkFFT releases fixed this upstream.
find_file(GRADLAB_VKFFT_HEADER vkFFT.h PATHS /usr/include /usr/local/include REQUIRED)
set(GRADLAB_VKFFT_INCLUDE ${CMAKE_BINARY_DIR}/vkfft)
file(READ ${GRADLAB_VKFFT_HEADER} vkfft_source)
string(FIND "${vkfft_source}" "maxMeshOutputVerticesEXT" vkfft_has_mesh_fields)
if(vkfft_has_mesh_fields EQUAL -1)
  string(REPLACE "/* .maxMeshViewCountNV = */ 4,"
                 "/* .maxMeshViewCountNV = */ 4,\n\t\t256, 256, 128, 128, 128, 128, 128, 128, 4, /* glslang 12 mesh-shader EXT limits (added by GradLab) */"
                 vkfft_source "${vkfft_source}")
endif()
set(vkfft_fixed ${GRADLAB_VKFFT_INCLUDE}/vkFFT.h)
set(vkfft_old "")
if(EXISTS ${vkfft_fixed})
  file(READ ${vkfft_fixed} vkfft_old)
endif()
if(NOT vkfft_old STREQUAL vkfft_source)  # rewrite only on change, so it does not rebuild every time
  file(WRITE ${vkfft_fixed} "${vkfft_source}")
endif()
