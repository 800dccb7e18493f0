#pragma once
// A command buffer of compute work, recorded once and run as often as wanted. It inserts the
// barriers the dispatches need (read-after-write, write-after-read, write-after-write on the
// same buffer) and can place timestamps for profiling.
#include "gpu/buffer.h"
#include "gpu/kernel.h"

#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace gradlab::gpu {

class Context;

struct Timing {
  std::string label;
  double milliseconds;  // since the recording's first timestamp
};

// Milliseconds from timestamp `from` to `to`, of which only the low `validBits` bits count (the
// counter wraps there; the bits above are undefined), ticking every `periodNs` nanoseconds.
double timestampMilliseconds(uint64_t from, uint64_t to, uint32_t validBits, double periodNs);

class Recording {
 public:
  // `replayable`: the command buffer may be submitted again while still running (several replays
  // in one submission), as training steps are.
  explicit Recording(Context& context, uint32_t maxTimestamps = 64, bool replayable = false);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  Context& context() const { return context_; }

  // Runs `kernel` over `groups` work groups with `bindings` as its buffers (in binding order).
  void dispatch(const Kernel& kernel, std::initializer_list<BufferRange> bindings, const void* push, uint32_t pushBytes,
                WorkGroup groups);
  // `push`'s layout (its members' offsets, sizes and kinds) must be the one the kernel's shader
  // declares: a mismatch throws std::logic_error naming the member and both offsets.
  template <class Push>
  void dispatch(const Kernel& kernel, std::initializer_list<BufferRange> bindings, const Push& push, WorkGroup groups) {
    static const std::vector<PushLeaf> layout = pushLeaves(push);
    kernel.checkPushLayout(layout);
    dispatch(kernel, bindings, &push, sizeof(Push), groups);
  }
  void copy(BufferRange source, BufferRange destination);
  void fill(BufferRange range, uint32_t word);  // every 32-bit word of `range` set to `word`
  // Writes a timestamp once all work recorded before it has finished, and holds back the work
  // recorded after it until then: passes between timestamps run alone, so each interval is the
  // time of its own pass and no other (on a GPU, consecutive dispatches otherwise overlap). Does
  // nothing where the queue has no timestamps (timestampsSupported()).
  void timestamp(std::string label);
  bool timestampsSupported() const { return queries_ != VK_NULL_HANDLE; }
  // For commands another library records into commandBuffer() (VkFFT): declares that they will
  // access `buffer`, so the barriers around them are right.
  void external(const Buffer& buffer, Access mode) { access(buffer, mode); }

  void finish();  // closes the command buffer (Context::run does it when needed)
  bool finished() const { return finished_; }
  uint32_t dispatchCount() const { return dispatches_; }
  uint32_t barrierCount() const { return barriers_; }  // placed between commands for their hazards

  // After a completed run: the timestamps, in milliseconds from the first.
  std::vector<Timing> timings() const;

  // Waits for the last Context::submit of this recording.
  void wait();
  bool pending() const { return pending_; }
  bool replayable() const { return replayable_; }

  VkCommandBuffer commandBuffer() const { return commands_; }
  VkFence fence() const { return fence_; }
  void markSubmitted() { pending_ = true; }

 private:
  // Bytes [begin, end) of a buffer a command touches. Tracked per range, not per buffer: a
  // network's parameters share one buffer, and updating one tensor must not wait on another.
  struct Span {
    VkBuffer buffer;
    uint64_t begin, end;
  };
  static Span spanOf(const BufferRange& range);
  // Whether `mode` on `span` conflicts with what ran since the last barrier (read or write after
  // a write, write after a read, where the bytes overlap).
  bool conflicts(const Span& span, Access mode) const;
  void access(const BufferRange& range, Access mode);  // a barrier first if it conflicts, then note()
  void note(const Span& span, Access mode);            // records the access until the next barrier
  void barrier();
  VkDescriptorSet allocateSet(const Kernel& kernel);
  // A texel view of `range` in the format of binding `binding` of `spec`, kept until the recording
  // is destroyed.
  void texelView(const KernelSpec& spec, uint32_t binding, const VkDescriptorBufferInfo& range, uint64_t capacity);

  Context& context_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  uint32_t maxTimestamps_;
  std::vector<std::string> labels_;
  std::vector<VkDescriptorPool> descriptorPools_;
  std::vector<VkBufferView> views_;
  uint32_t setsInPool_ = 0;
  uint32_t descriptorsInPool_ = 0;
  std::vector<Span> written_, read_;  // since the last barrier
  uint32_t dispatches_ = 0;
  uint32_t barriers_ = 0;
  bool finished_ = false;
  bool pending_ = false;
  bool replayable_ = false;
};

}  // namespace gradlab::gpu
