#version 450
// The learning-rate schedule (engine/optim/schedule.h): the first dispatch of a training step
// writes the rate of step t = the step counter into the control block, from the base rate lr0 in
// `base` and the schedule in the push constants, so the recorded step never changes.
#define CONTROL_BINDING 0
#include "training_control.glsl"
layout(local_size_x = 1) in;
layout(std430, binding = 1) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 2) readonly buffer Base { float base[]; };
// kind: 0 constant, 1 step, 2 exponential, 3 inverse (1/t), 4 cosine, 5 cosine with warm restarts.
layout(push_constant) uniform Push { uint kind, warmup, stepSize, tMax, t0, tMult; float lnGamma, decay, etaMin; } p;

const float PI = 3.14159265358979;

// Cosine annealing from lr0 down to eta_min at the fraction f of the half period.
float annealed(float lr0, float f) { return p.etaMin + (lr0 - p.etaMin) * 0.5 * (1.0 + cos(PI * f)); }

void main() {
  const uint step = stepCounter[0];
  const float lr0 = base[0];
  float lr = lr0;
  if (step < p.warmup) {
    lr = lr0 * float(step + 1u) / float(p.warmup);  // linear warm-up
  } else {
    const uint t = step - p.warmup;  // the schedule's own step
    if (p.kind == 1u) lr = lr0 * exp(float(t / p.stepSize) * p.lnGamma);
    else if (p.kind == 2u) lr = lr0 * exp(float(t) * p.lnGamma);
    else if (p.kind == 3u) lr = lr0 / (1.0 + p.decay * float(t));
    else if (p.kind == 4u) lr = annealed(lr0, float(t) / float(p.tMax));
    else if (p.kind == 5u) {
      // Walk the periods T_0, T_0 T_mult, ... to the one holding t; `period` as float past 2^32.
      uint current = t, length = p.t0;
      float period = float(length);
      if (p.tMult == 1u) current = t % length;
      else
        while (current >= length) {
          current -= length;
          if (length > 0xffffffffu / p.tMult) {  // the next period is longer than any step count
            period = float(length) * float(p.tMult);
            break;
          }
          length *= p.tMult;
          period = float(length);
        }
      lr = annealed(lr0, float(current) / period);
    }
  }
  control.learningRateBits = floatBitsToUint(lr);
}
