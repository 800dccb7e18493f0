#pragma once
// A training run the UI drives from its own thread: start, pause, single step, stop, reset. The
// run trains on a worker thread of its own and hands out immutable snapshots to subscribers
// (called on that worker thread; a subscriber that needs the UI thread posts there). A run may be
// a set of up to four configurations trained side by side in lockstep (see class Run), with a
// snapshot per member. Several runs can be alive at once on one device.
#include "data/dataset.h"
#include "gpu/context.h"
#include "nn/graph.h"
#include "train/decision_boundary.h"
#include "train/run_set.h"
#include "train/training_session.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace gradlab::train {

enum class RunState {
  Preparing,  // building the network and uploading data
  Ready,      // waiting for start or step
  Running,
  Paused,
  Finished,  // reached its step limit
  Stopped,   // a value became NaN or infinite (see Snapshot::nonFinite)
  Failed,    // could not be set up or the device failed (see Snapshot::error)
};
const char* runStateName(RunState state);

struct RunConfig {
  nn::Graph graph;
  std::shared_ptr<const data::Dataset> train, validation;  // validation may be null
  TrainingOptions options;
  // The limit and the cadences count ticks of a set (class Run), which are steps of a run alone.
  uint64_t maxSteps = 0;        // 0: no limit
  uint32_t snapshotEvery = 10;  // steps between snapshots while running
  uint32_t validateEvery = 0;   // steps between validation passes (0: once per epoch)
  // Steps between probes of activations and gradients (0: none). With probes, each Ready snapshot
  // (built or reset) also carries one of the network as it is (TrainingSession::probeNow).
  uint32_t probeEvery = 0;
  // Parameter tensors each probe copies ("c1.weight"); the run also hands them out whenever it
  // stops advancing (ready, paused, finished, stopped), so a save then has the final values.
  std::vector<std::string> weightSnapshots;
  // Values to start from instead of the seed's initialization (parameter name -> values, e.g.
  // weights opened from a file); parameters not named keep the seed's. A name the network lacks or
  // a wrong value count fails the run with a message saying so. reset() returns to the seed's.
  std::map<std::string, std::vector<float>> initialWeights;
  // A saved run to continue (with its weights in initialWeights): its step and optimizer state.
  // A state that does not fit fails the run with a message saying so; reset() returns to step 0.
  std::optional<RunProgress> resumeFrom;
  uint32_t boundaryEvery = 0;  // steps between decision boundaries (2-D inputs only; 0: none)
  uint32_t boundaryGrid = 64;  // cells per side of the boundary's grid
  std::function<std::unique_ptr<optim::Optimizer>()> optimizer;  // default: SGD
  ProbeMeasurement probeMeasurement;  // more for each probe report (the sharpness); none by default
  // Probes measure the internals (ProbeReport::internals) while it holds true; null: never.
  std::shared_ptr<const std::atomic<bool>> internalsWanted;
  // The member's name in messages of a set ("B"; empty: A, B, C, D by position).
  std::string label;
};

struct Snapshot {
  // Which run and which of its lives (reset() starts a new one) this is: a view shows one
  // generation of one run and drops anything older, such as records still on their way when
  // the user pressed Reset or opened another experiment.
  uint64_t runId = 0;       // unique in the process, from 1
  uint64_t generation = 0;  // resets requested before this snapshot's
  // Which run of a comparison this is (0 for the first, and for a run trained alone): a Run that
  // trains several configurations in lockstep publishes a snapshot per member, each with its own
  // state (one that diverges is Stopped while the others go on), step, records and probes.
  uint32_t member = 0;
  RunState state = RunState::Preparing;
  uint64_t step = 0;
  double epoch = 0;
  std::vector<StepRecord> records;                   // steps since the previous snapshot
  std::optional<Evaluation> validation;              // when a validation pass just ran
  std::shared_ptr<const ProbeReport> probes;         // when a probe just ran
  std::shared_ptr<const DecisionBoundary> boundary;  // when a decision boundary was just evaluated
  // RunConfig::weightSnapshots' values when the run just stopped advancing (ready, paused,
  // finished, stopped); null otherwise.
  std::shared_ptr<const std::vector<WeightSnapshot>> parameters;
  // With parameters: the step and optimizer state they belong to, to save and continue the run.
  std::shared_ptr<const RunProgress> progress;
  double stepsPerSecond = 0;
  std::optional<NonFiniteReport> nonFinite;
  std::string error;
};

// A run trains 1 to kMaxRunsInSet members in lockstep (train/run_set.h: Lockstep) on one worker
// thread; commands act on the whole set. A tick is one step of the member with the largest batch
// and stepsPerTick steps of each other member, over the same samples; the cadences (snapshotEvery,
// validateEvery, probeEvery, boundaryEvery, maxSteps) count ticks, so for a run alone they count
// its steps. Every member takes member 0's datasets and cadences: a member whose train or
// validation is null shares member 0's, and one that names other datasets or other cadences, a
// batch that does not divide the largest, or a count of members outside 1..kMaxRunsInSet makes the
// run Failed (never an exception) with a message naming the member ("run B: ...").
class Run {
 public:
  Run(gpu::Context& context, RunConfig config);  // a set of one member
  Run(gpu::Context& context, std::vector<RunConfig> members);
  ~Run();  // stops the worker and waits for it
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  size_t members() const { return members_.size(); }  // snapshots' members (1 for a set of none)
  void start();
  void pause();
  void stop();                    // ends training: Finished until reset
  void step(uint32_t ticks = 1);  // from Ready or Paused: run this many ticks, then pause
  // Resets every member (one generation for the set): given a seed, members that share member
  // 0's seed take it and a member with a seed of its own keeps it. Returns the generation the
  // reset run's snapshots carry; older ones' may still arrive.
  uint64_t reset(std::optional<uint32_t> seed = std::nullopt);
  uint64_t id() const { return id_; }
  void setLearningRate(double rate, uint32_t member = 0);

  // Snapshots come one per member per publish (Snapshot::member), in order. A new subscriber gets
  // every member's latest snapshot at once (on the calling thread), then every new one.
  using Subscriber = std::function<void(std::shared_ptr<const Snapshot>)>;
  uint64_t subscribe(Subscriber subscriber);
  void unsubscribe(uint64_t id);

  // The set's state: Running while any member runs, Stopped only when every member stopped.
  RunState state() const;
  std::shared_ptr<const Snapshot> latest(uint32_t member = 0) const;
  // Blocks until the set publishes in one of `states` or the timeout passes (tests, CLI).
  bool waitFor(std::initializer_list<RunState> states, std::chrono::milliseconds timeout) const;

 private:
  // What the worker is asked to do, in order.
  struct Start {};
  struct Pause {};
  struct Stop {};
  struct Step {
    uint64_t ticks = 1;
  };
  struct Reset {
    std::optional<uint32_t> seed;  // unset: every member keeps its seed
    uint64_t generation = 0;       // the generation it starts
  };
  struct LearningRate {
    double rate = 0;
    uint32_t member = 0;
  };
  struct Quit {};
  using Command = std::variant<Start, Pause, Stop, Step, Reset, LearningRate, Quit>;

  // What one member publishes besides its state and position.
  struct Outcome {
    std::vector<StepRecord> records;
    std::optional<Evaluation> validation;
    std::shared_ptr<const ProbeReport> probes;
    std::shared_ptr<const DecisionBoundary> boundary;
  };
  struct Member {
    RunConfig config;
    std::unique_ptr<DecisionBoundaryProbe> boundary;
    std::shared_ptr<const Snapshot> latest;  // under mutex_
  };

  void send(Command command);
  void worker();
  void prepare();  // builds every member's session; throws what makes the run Failed
  void checkMembers();
  bool obey(const Command& command);  // false for Quit
  void trainChunk();
  void fail(const std::string& message);
  void updateState();  // after a chunk: Stopped, Finished or Paused when training ended
  RunState memberState(size_t member, RunState set) const;
  // Publishes a snapshot of each member in `outcomes` (its size: every member; an unset entry: none).
  void publish(std::vector<std::optional<Outcome>> outcomes);
  void publishAll();    // no records
  void publishReady();  // Ready, with every member's boundary
  std::string memberName(size_t member) const;
  std::shared_ptr<const DecisionBoundary> boundaryNow(size_t member);  // null without boundaryEvery
  void setState(RunState state);
  uint64_t validateEvery() const;

  gpu::Context& context_;
  std::vector<Member> members_;  // never empty: a set of none fails as member 0
  const size_t memberCount_;     // members asked for
  std::unique_ptr<Lockstep> lockstep_;

  mutable std::mutex mutex_;
  std::mutex deliveryMutex_;  // held while snapshots go to subscribers, so they arrive in order
  mutable std::condition_variable changed_;
  std::deque<Command> commands_;
  const uint64_t id_;
  uint64_t generationsRequested_ = 0;         // reset() calls so far
  uint64_t generation_ = 0;                   // of the snapshots published now (worker, under mutex_)
  RunState state_ = RunState::Preparing;      // the set's
  RunState published_ = RunState::Preparing;  // the set's state in the latest publish
  std::map<uint64_t, Subscriber> subscribers_;
  uint64_t nextSubscriber_ = 1;
  // Worker only:
  bool running_ = false;
  uint64_t ticksToRun_ = 0;  // remaining single ticks
  std::string error_;
  double ticksPerSecond_ = 0;
  std::thread thread_;
};

}  // namespace gradlab::train
