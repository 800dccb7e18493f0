#include "train/step_profile.h"

#include "gpu/recording.h"
#include "optim/optimizer.h"
#include "train/control_block.h"
#include "train/step_builder.h"

#include <algorithm>

namespace gradlab::train {

StepProfile profileStep(nn::Network& net, int runs) {
  StepProfile profile;
  const gpu::DeviceInfo& device = net.context().device();
  if (device.timestampPeriodNs <= 0) {
    profile.unavailable = device.name + " has no timestamps on its compute queue, so no per-pass times";
    return profile;
  }
  gpu::Recording rec(net.context(), 256);
  net.setProfiling(true);
  rec.timestamp("start");
  // Control block with the not-finite flag clear and a learning rate of 0: the update runs in full
  // and leaves the weights as they are. As in a training step, the layers check the gradients they
  // write where they can, and a pass checks them all otherwise.
  gpu::Buffer control(net.context(), kControlBlockBytes);
  const ControlBlock clear = ControlBlock::clearAt(0.0f);
  control.upload(&clear, sizeof clear);
  recordForward(rec, net, true);
  optim::Sgd sgd(0);
  StepBuilder step(net, sgd, planStepFusion(true, false, &sgd), control);
  step.recordBackward(rec);
  net.setProfiling(false);
  if (step.needsCheck()) {
    step.recordCheck(rec);
    rec.timestamp("not-finite check");
  }
  step.recordUpdate(rec);
  rec.timestamp(step.parametersUpdatedInBackward() > 0 ? "SGD update (other layers)" : "SGD update");
  for (int run = 0; run < std::max(runs, 1); ++run) {
    net.context().run(rec);
    const auto t = rec.timings();
    profile.passes.resize(t.size() - 1, PassTime{"", 1e30});
    for (size_t i = 1; i < t.size(); ++i)
      profile.passes[i - 1] = {t[i].label,
                               std::min(profile.passes[i - 1].milliseconds, t[i].milliseconds - t[i - 1].milliseconds)};
  }
  profile.dispatches = rec.dispatchCount();
  return profile;
}

}  // namespace gradlab::train
