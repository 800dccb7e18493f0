// nonfinite_check.comp's push constants, declared once for GLSL and C++
// (engine/train/control_kernels.cpp).
#ifndef GRADLAB_NONFINITE_CHECK_H
#define GRADLAB_NONFINITE_CHECK_H

struct NonFiniteCheckPush {
  uint n;       // floats in the tensor
  uint tensor;  // the index flagNotFinite records (training_control_block.h)
};

#endif
