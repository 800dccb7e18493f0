// step_metrics.comp's push constants, declared once for GLSL and C++
// (engine/train/training_session.cpp).
#ifndef GRADLAB_STEP_METRICS_H
#define GRADLAB_STEP_METRICS_H

struct StepMetricsPush {
  uint batch, classes;
  uint valid;       // samples that count; the rest pad a last partial batch
  uint ringSize;    // records in the ring
  uint slot;        // the record evaluations add into
  uint accumulate;  // 1: an evaluation batch, added into `slot`; 0: a training step's own record
};

#endif
