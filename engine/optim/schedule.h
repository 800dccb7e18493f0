#pragma once
// Learning-rate schedules, per STEP (not per epoch): the rate of step t (0-based, the device step
// counter before the step) is computed on the device at the start of the step from the counter
// and written into the training control block ([3]), so the recorded step never changes. PyTorch's
// semantics where it has the schedule, with one scheduler.step() after every optimizer step:
//   constant     lr0
//   step         lr0 gamma^floor(t / step_size)                           (StepLR)
//   exponential  lr0 gamma^t                                              (ExponentialLR)
//   inverse      lr0 / (1 + decay t)                                      (1/t decay)
//   cosine       eta_min + (lr0 - eta_min)(1 + cos(pi t / T_max)) / 2     (CosineAnnealingLR, closed
//                form: past T_max it rises again, as PyTorch's closed form does)
//   sgdr         eta_min + (lr0 - eta_min)(1 + cos(pi T_cur / T_i)) / 2   (CosineAnnealingWarmRestarts:
//                the i-th period lasts T_i = T_0 T_mult^i steps, T_cur counts steps since its start)
// Linear warm-up (any schedule): for t < warmup the rate is lr0 (t + 1) / warmup; the schedule then
// runs from its own step 0 at step t = warmup (PyTorch's SequentialLR with milestone = warmup).
#include "gpu/buffer.h"
#include "gpu/recording.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gradlab::optim {

enum class ScheduleKind : uint32_t { Constant = 0, Step, Exponential, Inverse, Cosine, WarmRestarts };

struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  double lr0 = 0.1;       // the base rate (a session sets it to its optimizer's learning rate)
  uint32_t stepSize = 1;  // step: steps between decays
  double gamma = 0.1;     // step and exponential: the factor
  double decay = 0;       // inverse: lr0 / (1 + decay t)
  uint32_t tMax = 1;      // cosine: the half period, in steps
  uint32_t t0 = 1;        // sgdr: the first period, in steps
  uint32_t tMult = 1;     // sgdr: each period this many times longer than the one before
  double etaMin = 0;      // cosine and sgdr: the lowest rate
  uint32_t warmup = 0;    // steps of linear warm-up before the schedule (0: none)

  // Whether the rate changes with the step (false: no dispatch is recorded).
  bool active() const { return kind != ScheduleKind::Constant || warmup > 0; }
};

// The names --schedule accepts: constant, step, exponential, inverse, cosine, sgdr.
const std::vector<std::string>& scheduleNames();
// A schedule as written: its name and key=value text ("cosine", {"T_max": "1000"}), as an
// experiment file keeps it.
struct ScheduleSpec {
  std::string name = "constant";
  std::map<std::string, std::string> values;
};
// "cosine:T_max=1000,eta_min=0.0001", "step:step_size=500,gamma=0.5", "sgdr:T_0=200,T_mult=2",
// "warmup=100" (constant after 100 warm-up steps), any with a warmup key, split by
// util::parseSpec; throws std::invalid_argument for a malformed list (the name and keys are
// checked by makeSchedule).
ScheduleSpec parseScheduleSpec(const std::string& text);
// The schedule `spec` names. Throws std::invalid_argument with one line naming the value and the
// accepted names, keys or range (util::parseNumber's words: "gamma: 1.5 is out of range (0, 1]").
Schedule makeSchedule(const ScheduleSpec& spec);
// makeSchedule(parseScheduleSpec(text)).
Schedule parseSchedule(const std::string& text);
// Throws std::invalid_argument (as makeSchedule) for a value out of range, lr0 included.
void validate(const Schedule& schedule);
// "cosine (T_max=1000, eta_min=0.0001), warmup 100": for summaries.
std::string describe(const Schedule& schedule);

// The double-precision reference: the rate of step t (0-based).
double learningRateAt(const Schedule& schedule, uint64_t step);

// Records the rate of step t = step[0] into the control block (train/control_block.h), with lr0
// read from baseRate[0] (float), so a new base rate (TrainingSession::setLearningRate) needs no
// re-recording either.
void recordSchedule(gpu::Recording& rec, const Schedule& schedule, gpu::BufferRange baseRate, gpu::BufferRange control,
                    gpu::BufferRange step);

}  // namespace gradlab::optim
