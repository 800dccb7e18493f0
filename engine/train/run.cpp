#include "train/run.h"

#include "train/device_fit.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace gradlab::train {

const char* runStateName(RunState state) {
  switch (state) {
    case RunState::Preparing: return "preparing";
    case RunState::Ready: return "ready";
    case RunState::Running: return "running";
    case RunState::Paused: return "paused";
    case RunState::Finished: return "finished";
    case RunState::Stopped: return "stopped";
    case RunState::Failed: return "failed";
  }
  return "?";
}

namespace {

std::atomic<uint64_t> lastRunId{0};

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

std::vector<RunConfig> alone(RunConfig config) {
  std::vector<RunConfig> members;
  members.push_back(std::move(config));
  return members;
}

// Every name and size is checked before any value is written: a mismatch changes nothing.
// Running statistics (BatchNorm's) are restored like parameters.
void applyInitialWeights(TrainingSession& session, const std::map<std::string, std::vector<float>>& initialWeights) {
  struct Target {
    std::string name, shape;
    uint32_t count;
    gpu::BufferRange range;
  };
  std::vector<Target> targets;
  for (nn::Parameter& p : session.network().parameters())
    targets.push_back({p.name, p.tensor.shape.text(), p.count(), p.value});
  for (const auto& s : session.network().runningStatistics())
    targets.push_back({s.name, std::to_string(s.count), s.count, gpu::BufferRange(*s.buffer)});
  for (const auto& [name, values] : initialWeights) {
    const auto it = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.name == name; });
    if (it == targets.end()) {
      std::string names;
      for (const Target& t : targets) names += (names.empty() ? "" : ", ") + t.name;
      throw std::invalid_argument("The initial weights name " + name +
                                  ", a parameter this network does not have (it has " + names +
                                  "): they were saved for another network.");
    }
    if (values.size() != it->count)
      throw std::invalid_argument("The initial weights give " + name + " " + std::to_string(values.size()) +
                                  " values, but this network's " + name + " (" + it->shape + ") has " +
                                  std::to_string(it->count) + ": they were saved for another network.");
  }
  for (const Target& t : targets)
    if (const auto it = initialWeights.find(t.name); it != initialWeights.end())
      t.range.buffer->upload(it->second.data(), it->second.size() * sizeof(float), t.range.offset);
}

// The values of the tensors named in `names`; null when none are named.
std::shared_ptr<const std::vector<WeightSnapshot>> parametersNow(TrainingSession& session,
                                                                 const std::vector<std::string>& names) {
  if (names.empty()) return nullptr;
  auto values = std::make_shared<std::vector<WeightSnapshot>>();
  const auto wanted = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (const nn::Parameter& p : session.network().parameters())
    if (wanted(p.name)) values->push_back({p.name, p.tensor.shape, p.readValues()});
  for (const auto& s : session.network().runningStatistics())
    if (wanted(s.name)) values->push_back({s.name, nn::Shape{s.count}, s.buffer->read<float>(s.count)});
  return values;
}

std::string megabytes(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

Run::Run(gpu::Context& context, RunConfig config) : Run(context, alone(std::move(config))) {}

Run::Run(gpu::Context& context, std::vector<RunConfig> members)
    : context_(context), memberCount_(members.size()), id_(++lastRunId) {
  for (RunConfig& config : members) members_.push_back({std::move(config), nullptr, nullptr});
  if (members_.empty()) members_.push_back({});
  for (size_t r = 0; r < members_.size(); ++r) {
    auto first = std::make_shared<Snapshot>();
    first->runId = id_;
    first->member = uint32_t(r);
    members_[r].latest = first;
  }
  thread_ = std::thread([this] { worker(); });
}

Run::~Run() {
  {
    std::lock_guard lock(mutex_);
    commands_.clear();
  }
  send(Quit{});
  thread_.join();
}

void Run::send(Command command) {
  std::lock_guard lock(mutex_);
  commands_.push_back(std::move(command));
  changed_.notify_all();
}

void Run::start() { send(Start{}); }
void Run::pause() { send(Pause{}); }
void Run::stop() { send(Stop{}); }
void Run::step(uint32_t ticks) { send(Step{ticks}); }
uint64_t Run::reset(std::optional<uint32_t> seed) {
  std::lock_guard lock(mutex_);
  const uint64_t generation = ++generationsRequested_;
  commands_.push_back(Reset{seed, generation});
  changed_.notify_all();
  return generation;
}
void Run::setLearningRate(double rate, uint32_t member) { send(LearningRate{rate, member}); }

uint64_t Run::subscribe(Subscriber subscriber) {
  // Every member's newest snapshot first, so a subscriber that arrives after the run got ready (a
  // small network builds in milliseconds) still learns its state; deliveries never overtake each other.
  std::lock_guard delivering(deliveryMutex_);
  std::vector<std::shared_ptr<const Snapshot>> latest;
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = nextSubscriber_++;
    subscribers_[id] = subscriber;
    for (const Member& m : members_) latest.push_back(m.latest);
  }
  for (const auto& snapshot : latest) subscriber(snapshot);
  return id;
}
void Run::unsubscribe(uint64_t id) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(id);
}

RunState Run::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::shared_ptr<const Snapshot> Run::latest(uint32_t member) const {
  std::lock_guard lock(mutex_);
  return member < members_.size() ? members_[member].latest : nullptr;
}

bool Run::waitFor(std::initializer_list<RunState> states, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  // Waits for the published snapshots, so what latest() returns afterwards is already that state's.
  return changed_.wait_for(lock, timeout,
                           [&] { return std::find(states.begin(), states.end(), published_) != states.end(); });
}

void Run::setState(RunState state) {
  std::lock_guard lock(mutex_);
  state_ = state;
  changed_.notify_all();
}

RunState Run::memberState(size_t member, RunState set) const {
  if (lockstep_ && lockstep_->stopped(member) && set != RunState::Failed) return RunState::Stopped;
  return set;
}

void Run::publish(std::vector<std::optional<Outcome>> outcomes) {
  RunState set;
  uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    set = state_;
    generation = generation_;
  }
  std::vector<std::shared_ptr<const Snapshot>> snapshots;
  for (size_t r = 0; r < outcomes.size(); ++r) {
    if (!outcomes[r]) continue;
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->runId = id_;
    snapshot->generation = generation;
    snapshot->member = uint32_t(r);
    snapshot->state = memberState(r, set);
    snapshot->error = error_;
    snapshot->records = std::move(outcomes[r]->records);
    snapshot->validation = outcomes[r]->validation;
    snapshot->probes = std::move(outcomes[r]->probes);
    snapshot->boundary = std::move(outcomes[r]->boundary);
    if (lockstep_) {
      TrainingSession& session = lockstep_->session(r);
      snapshot->step = session.step();
      snapshot->epoch = session.epochs();
      snapshot->nonFinite = session.nonFinite();
      snapshot->stepsPerSecond = ticksPerSecond_ * lockstep_->stepsPerTick(r);
      const RunState s = snapshot->state;
      if (s == RunState::Ready || s == RunState::Paused || s == RunState::Finished || s == RunState::Stopped) {
        snapshot->parameters = parametersNow(session, members_[r].config.weightSnapshots);
        if (snapshot->parameters) snapshot->progress = std::make_shared<RunProgress>(session.progress());
      }
    }
    snapshots.push_back(std::move(snapshot));
  }
  std::lock_guard delivering(deliveryMutex_);
  std::map<uint64_t, Subscriber> subscribers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& snapshot : snapshots) members_[snapshot->member].latest = snapshot;
    published_ = set;
    subscribers = subscribers_;
    changed_.notify_all();
  }
  for (const auto& snapshot : snapshots)
    for (auto& [id, subscriber] : subscribers) subscriber(snapshot);
}

void Run::publishAll() { publish(std::vector<std::optional<Outcome>>(members_.size(), Outcome{})); }

// Built or reset: Ready, each member with the decision boundary it starts from and, with probes,
// its probe now (the views show the network before any step, not nothing until the first probe).
void Run::publishReady() {
  std::vector<std::optional<Outcome>> outcomes(members_.size(), Outcome{});
  for (size_t r = 0; r < members_.size(); ++r) {
    outcomes[r]->boundary = boundaryNow(r);
    if (members_[r].config.probeEvery && !lockstep_->stopped(r))
      outcomes[r]->probes = std::make_shared<const ProbeReport>(lockstep_->session(r).probeNow());
  }
  setState(RunState::Ready);
  publish(std::move(outcomes));
}

// The failure path of every stage: the message, the Failed state, and every member told.
void Run::fail(const std::string& message) {
  error_ = message;
  running_ = false;
  ticksToRun_ = 0;
  setState(RunState::Failed);
  publishAll();
}

std::string Run::memberName(size_t member) const {
  const std::string& label = members_[member].config.label;
  return label.empty() ? std::string(1, char('A' + member)) : label;
}

std::shared_ptr<const DecisionBoundary> Run::boundaryNow(size_t member) {
  if (!members_[member].boundary || lockstep_->stopped(member)) return nullptr;
  return std::make_shared<DecisionBoundary>(members_[member].boundary->measure(lockstep_->session(member).step()));
}

uint64_t Run::validateEvery() const {
  const uint32_t every = members_.front().config.validateEvery;
  return every ? every : lockstep_->ticksPerEpoch();
}

// Members take member 0's datasets (a member without its own shares them) and cadences.
void Run::checkMembers() {
  if (memberCount_ == 0 || memberCount_ > kMaxRunsInSet)
    throw std::invalid_argument("a run set has 1 to " + std::to_string(kMaxRunsInSet) + " runs, not " +
                                std::to_string(memberCount_));
  const RunConfig& first = members_.front().config;
  for (size_t r = 1; r < members_.size(); ++r) {
    RunConfig& c = members_[r].config;
    const std::string run = "run " + memberName(r) + ": ";
    if (!c.train) c.train = first.train;
    if (!c.validation) c.validation = first.validation;
    if (c.train != first.train || c.validation != first.validation)
      throw std::invalid_argument(run + "it has datasets of its own, but the runs of a set train and validate on run " +
                                  memberName(0) + "'s");
    const std::pair<const char*, bool> same[] = {{"snapshotEvery", c.snapshotEvery == first.snapshotEvery},
                                                 {"validateEvery", c.validateEvery == first.validateEvery},
                                                 {"probeEvery", c.probeEvery == first.probeEvery},
                                                 {"boundaryEvery", c.boundaryEvery == first.boundaryEvery},
                                                 {"boundaryGrid", c.boundaryGrid == first.boundaryGrid},
                                                 {"maxSteps", c.maxSteps == first.maxSteps}};
    for (const auto& [name, equal] : same)
      if (!equal)
        throw std::invalid_argument(run + "its " + name + " differs from run " + memberName(0) +
                                    "'s: the runs of a set snapshot, validate, probe and stop at the same ticks");
  }
  std::vector<uint32_t> batches;
  std::vector<std::string> labels;
  for (size_t r = 0; r < members_.size(); ++r) {
    batches.push_back(members_[r].config.options.batch);
    labels.push_back(memberName(r));
  }
  Lockstep::checkBatches(batches, labels);
}

void Run::prepare() {
  checkMembers();
  const bool set = members_.size() > 1;
  const auto named = [&](size_t r, const std::exception& e) {
    return std::runtime_error(set ? "run " + memberName(r) + ": " + e.what() : std::string(e.what()));
  };
  // Every member's fit is checked, alone and together, before any of them allocates.
  std::vector<std::unique_ptr<optim::Optimizer>> optimizers;
  uint64_t bytes = 0;
  for (size_t r = 0; r < members_.size(); ++r) {
    const RunConfig& c = members_[r].config;
    try {
      optimizers.push_back(c.optimizer ? c.optimizer() : nullptr);
      // The session checks its own buffers; the run's probes add a copy of every parameter.
      DeviceFitRequest fit = sessionFitRequest(c.graph, *c.train, c.validation.get(), c.options, optimizers[r].get());
      fit.probes = c.probeEvery > 0;
      const DeviceFit fits = checkDeviceFit(fit, context_.device());
      if (!fits.fits) throw DeviceFitError(fits.message, fits.node);
      bytes += fits.totalBytes;
    } catch (const std::exception& e) {
      throw named(r, e);
    }
  }
  if (set && bytes > context_.device().deviceLocalBytes)
    throw std::invalid_argument("The " + std::to_string(members_.size()) + " runs need " + megabytes(bytes) +
                                " together, over the device's " + megabytes(context_.device().deviceLocalBytes) +
                                ": compare fewer runs, or smaller batches.");
  std::vector<std::unique_ptr<TrainingSession>> sessions;
  std::vector<std::string> labels;
  for (size_t r = 0; r < members_.size(); ++r) {
    const RunConfig& c = members_[r].config;
    try {
      auto session = std::make_unique<TrainingSession>(context_, c.graph, *c.train, c.validation.get(), c.options,
                                                       std::move(optimizers[r]));
      session->snapshotWeights(c.weightSnapshots);
      session->setProbeMeasurement(c.probeMeasurement);
      session->setInternalsWanted(c.internalsWanted);
      applyInitialWeights(*session, c.initialWeights);
      if (c.resumeFrom) session->resume(*c.resumeFrom);
      if (c.boundaryEvery)
        members_[r].boundary = std::make_unique<DecisionBoundaryProbe>(
            session->network(), extentOf(*c.train), c.boundaryGrid,
            data::NormalizationTable::compute(*c.train, c.options.normalization));
      sessions.push_back(std::move(session));
    } catch (const std::exception& e) {
      throw named(r, e);
    }
    labels.push_back(memberName(r));
  }
  lockstep_ = std::make_unique<Lockstep>(std::move(sessions), labels);
}

void Run::worker() {
  try {
    prepare();
    publishReady();
  } catch (const std::exception& e) {
    lockstep_.reset();  // a set is ready whole or not at all
    fail(e.what());
  }
  for (;;) {
    std::optional<Command> next;
    {
      std::unique_lock lock(mutex_);
      const bool idle = !running_ && ticksToRun_ == 0;
      if (idle) changed_.wait(lock, [&] { return !commands_.empty(); });
      if (!commands_.empty()) {
        next = std::move(commands_.front());
        commands_.pop_front();
      }
    }
    if (!next)
      trainChunk();
    else if (!obey(*next))
      return;
  }
}

bool Run::obey(const Command& command) {
  if (std::holds_alternative<Quit>(command)) return false;
  if (const Reset* reset = std::get_if<Reset>(&command)) {  // a new life: nothing averaged over the old one
    std::lock_guard lock(mutex_);
    generation_ = reset->generation;
    ticksPerSecond_ = 0;
  }
  const RunState now = state();
  if (now == RunState::Failed || now == RunState::Preparing) return true;
  const bool waiting = now == RunState::Ready || now == RunState::Paused;
  std::visit(Overloaded{
                 [&](const Start&) {
                   if (!waiting) return;
                   running_ = true;
                   setState(RunState::Running);
                   publishAll();
                 },
                 [&](const Pause&) {
                   ticksToRun_ = 0;
                   if (!running_) return;
                   running_ = false;
                   setState(RunState::Paused);
                   publishAll();
                 },
                 [&](const Stop&) {
                   running_ = false;
                   ticksToRun_ = 0;
                   if (!waiting && now != RunState::Running) return;
                   setState(RunState::Finished);
                   publishAll();
                 },
                 [&](const Step& step) {
                   if (waiting) ticksToRun_ += step.ticks;
                 },
                 [&](const Reset& reset) {
                   running_ = false;
                   ticksToRun_ = 0;
                   try {
                     // Members that share member 0's seed follow a new one; a seed of its own stays.
                     const uint32_t firstSeed = lockstep_->session(0).options().seed;
                     std::vector<uint32_t> seeds;
                     for (size_t r = 0; r < lockstep_->size(); ++r) {
                       const uint32_t own = lockstep_->session(r).options().seed;
                       seeds.push_back(reset.seed && own == firstSeed ? *reset.seed : own);
                     }
                     lockstep_->reset(seeds);
                     publishReady();
                   } catch (const std::exception& e) {
                     fail(e.what());
                   }
                 },
                 [&](const LearningRate& rate) {
                   if (rate.member < lockstep_->size()) lockstep_->session(rate.member).setLearningRate(rate.rate);
                 },
                 [&](const Quit&) {},
             },
             command);
  return true;
}

// Trains one chunk of ticks: up to the next snapshot, validation, probe, boundary or the step limit.
void Run::trainChunk() {
  Lockstep& set = *lockstep_;
  const RunConfig& c = members_.front().config;
  const uint64_t tick = set.tick();
  uint64_t chunk = running_ ? c.snapshotEvery : ticksToRun_;
  chunk = std::min<uint64_t>({chunk, validateEvery() - tick % validateEvery(), set.maxTicksPerSubmit()});
  // A probe is a tick of its own: train up to it, then probe it.
  const bool probeDue = c.probeEvery && (tick + 1) % c.probeEvery == 0;
  if (c.probeEvery && !probeDue) chunk = std::min<uint64_t>(chunk, c.probeEvery - 1 - tick % c.probeEvery);
  if (c.boundaryEvery) chunk = std::min<uint64_t>(chunk, c.boundaryEvery - tick % c.boundaryEvery);
  if (c.maxSteps) chunk = std::min<uint64_t>(chunk, c.maxSteps - std::min(c.maxSteps, tick));
  // Members stopped before this chunk have nothing new to say.
  std::vector<std::optional<Outcome>> outcomes(members_.size());
  for (size_t r = 0; r < members_.size(); ++r)
    if (!set.stopped(r)) outcomes[r] = Outcome{};
  try {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::vector<StepRecord>> records(members_.size());
    std::vector<std::shared_ptr<const ProbeReport>> probes(members_.size());
    if (probeDue && chunk > 0)
      probes = set.probeTick(records);
    else if (chunk > 0)
      records = set.train(uint32_t(chunk));
    const uint64_t ticks = set.tick() - tick;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (ticks > 0 && seconds > 0)
      ticksPerSecond_ = ticksPerSecond_ == 0 ? ticks / seconds : 0.8 * ticksPerSecond_ + 0.2 * ticks / seconds;
    if (!running_) ticksToRun_ -= std::min(ticksToRun_, ticks);
    const bool validationDue = set.tick() % validateEvery() == 0;
    const bool boundaryDue = c.boundaryEvery && ticks > 0 && set.tick() % c.boundaryEvery == 0;
    for (size_t r = 0; r < members_.size(); ++r) {
      if (!outcomes[r]) continue;
      Outcome& o = *outcomes[r];
      o.records = std::move(records[r]);
      o.probes = std::move(probes[r]);
      TrainingSession& session = set.session(r);
      if (validationDue && session.hasValidation() && !session.nonFinite()) o.validation = session.evaluateValidation();
      if (boundaryDue) o.boundary = boundaryNow(r);
    }
  } catch (const std::exception& e) {
    fail(e.what());
    return;
  }
  updateState();
  publish(std::move(outcomes));
}

void Run::updateState() {
  const RunConfig& c = members_.front().config;
  if (lockstep_->allStopped()) {
    running_ = false;
    ticksToRun_ = 0;
    setState(RunState::Stopped);
  } else if (c.maxSteps && lockstep_->tick() >= c.maxSteps) {
    running_ = false;
    ticksToRun_ = 0;
    setState(RunState::Finished);
  } else if (!running_ && ticksToRun_ == 0 && state() != RunState::Paused) {
    setState(RunState::Paused);
  }
}

}  // namespace gradlab::train
