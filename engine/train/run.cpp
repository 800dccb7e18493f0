#include "train/run.h"

#include "train/device_fit.h"

#include <algorithm>
#include <atomic>
#include <chrono>
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
}

Run::Run(gpu::Context& context, RunConfig config)
    : context_(context), config_(std::move(config)), id_(++lastRunId) {
  auto first = std::make_shared<Snapshot>();
  first->runId = id_;
  latest_ = first;
  thread_ = std::thread([this] { worker(); });
}

Run::Run(gpu::Context& context, std::vector<RunConfig> members)
    : context_(context), config_(members.empty() ? RunConfig{} : std::move(members.front())), id_(++lastRunId) {
  if (members.size() != 1) error_ = "runs in lockstep are not built yet: give one member";
  auto first = std::make_shared<Snapshot>();
  first->runId = id_;
  latest_ = first;
  thread_ = std::thread([this] { worker(); });
}

Run::~Run() {
  {
    std::lock_guard lock(mutex_);
    commands_.clear();
    commands_.push_back({Command::Quit, 0});
  }
  changed_.notify_all();
  thread_.join();
}

void Run::start() {
  std::lock_guard lock(mutex_);
  commands_.push_back({Command::Start, 0});
  changed_.notify_all();
}
void Run::pause() {
  std::lock_guard lock(mutex_);
  commands_.push_back({Command::Pause, 0});
  changed_.notify_all();
}
void Run::stop() {
  std::lock_guard lock(mutex_);
  commands_.push_back({Command::Stop, 0});
  changed_.notify_all();
}
void Run::step(uint32_t steps) {
  std::lock_guard lock(mutex_);
  commands_.push_back({Command::Step, double(steps)});
  changed_.notify_all();
}
uint64_t Run::reset(std::optional<uint32_t> seed) {
  std::lock_guard lock(mutex_);
  const uint64_t generation = ++generationsRequested_;
  commands_.push_back({Command::Reset, seed ? double(*seed) : -1.0, generation});
  changed_.notify_all();
  return generation;
}
void Run::setLearningRate(double rate, uint32_t /*member*/) {
  std::lock_guard lock(mutex_);
  commands_.push_back({Command::LearningRate, rate});
  changed_.notify_all();
}

uint64_t Run::subscribe(Subscriber subscriber) {
  // The newest snapshot first, so a subscriber that arrives after the run got ready (a small
  // network builds in milliseconds) still learns its state; deliveries never overtake each other.
  std::lock_guard delivering(deliveryMutex_);
  std::shared_ptr<const Snapshot> latest;
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = nextSubscriber_++;
    subscribers_[id] = subscriber;
    latest = latest_;
  }
  if (latest) subscriber(latest);
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

std::shared_ptr<const Snapshot> Run::latest(uint32_t /*member*/) const {
  std::lock_guard lock(mutex_);
  return latest_;
}

bool Run::waitFor(std::initializer_list<RunState> states, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  // Waits for the published snapshot, so what latest() returns afterwards is already that state's.
  return changed_.wait_for(lock, timeout, [&] {
    for (RunState s : states)
      if (latest_->state == s) return true;
    return false;
  });
}

void Run::setState(RunState state) {
  std::lock_guard lock(mutex_);
  state_ = state;
  changed_.notify_all();
}

void Run::publish(std::vector<StepRecord> records, std::optional<Evaluation> validation,
                  std::shared_ptr<const ProbeReport> probes, std::shared_ptr<const DecisionBoundary> boundary) {
  auto snapshot = std::make_shared<Snapshot>();
  {
    std::lock_guard lock(mutex_);
    snapshot->runId = id_;
    snapshot->generation = generation_;
    snapshot->state = state_;
    snapshot->error = error_;
    snapshot->stepsPerSecond = stepsPerSecond_;
  }
  if (session_) {
    snapshot->step = session_->step();
    snapshot->epoch = session_->epochs();
    snapshot->nonFinite = session_->nonFinite();
  }
  snapshot->records = std::move(records);
  snapshot->validation = validation;
  snapshot->probes = std::move(probes);
  snapshot->boundary = std::move(boundary);
  const RunState s = snapshot->state;
  if (session_ && (s == RunState::Ready || s == RunState::Paused || s == RunState::Finished || s == RunState::Stopped)) {
    snapshot->parameters = parametersNow();
    if (snapshot->parameters) snapshot->progress = std::make_shared<RunProgress>(session_->progress());
  }
  std::lock_guard delivering(deliveryMutex_);
  std::map<uint64_t, Subscriber> subscribers;
  {
    std::lock_guard lock(mutex_);
    latest_ = snapshot;
    subscribers = subscribers_;
    changed_.notify_all();
  }
  for (auto& [id, subscriber] : subscribers) subscriber(snapshot);
}

std::shared_ptr<const std::vector<WeightSnapshot>> Run::parametersNow() const {
  if (!session_ || config_.weightSnapshots.empty()) return nullptr;
  auto values = std::make_shared<std::vector<WeightSnapshot>>();
  const auto wanted = [&](const std::string& name) {
    return std::find(config_.weightSnapshots.begin(), config_.weightSnapshots.end(), name) != config_.weightSnapshots.end();
  };
  for (const nn::Parameter& p : session_->network().parameters())
    if (wanted(p.name)) values->push_back({p.name, p.tensor.shape, p.readValues()});
  for (const auto& s : session_->network().runningStatistics())
    if (wanted(s.name)) values->push_back({s.name, nn::Shape{s.count}, s.buffer->read<float>(s.count)});
  return values;
}

// Every name and size is checked before any value is written: a mismatch changes nothing.
// Running statistics (BatchNorm's) are restored like parameters.
void Run::applyInitialWeights() {
  struct Target {
    std::string name, shape;
    uint32_t count;
    gpu::BufferRange range;
  };
  std::vector<Target> targets;
  for (nn::Parameter& p : session_->network().parameters())
    targets.push_back({p.name, p.tensor.shape.text(), p.count(), p.value});
  for (const auto& s : session_->network().runningStatistics())
    targets.push_back({s.name, std::to_string(s.count), s.count, gpu::BufferRange(*s.buffer)});
  for (const auto& [name, values] : config_.initialWeights) {
    const auto it = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.name == name; });
    if (it == targets.end()) {
      std::string names;
      for (const Target& t : targets) names += (names.empty() ? "" : ", ") + t.name;
      throw std::invalid_argument("The initial weights name " + name + ", a parameter this network does not have (it has " +
                                  names + "): they were saved for another network.");
    }
    if (values.size() != it->count)
      throw std::invalid_argument("The initial weights give " + name + " " + std::to_string(values.size()) +
                                  " values, but this network's " + name + " (" + it->shape + ") has " +
                                  std::to_string(it->count) + ": they were saved for another network.");
  }
  for (const Target& t : targets)
    if (const auto it = config_.initialWeights.find(t.name); it != config_.initialWeights.end())
      t.range.buffer->upload(it->second.data(), it->second.size() * sizeof(float), t.range.offset);
}

std::shared_ptr<const DecisionBoundary> Run::boundaryNow() {
  if (!boundary_ || session_->nonFinite()) return nullptr;
  return std::make_shared<DecisionBoundary>(boundary_->measure(session_->step()));
}

void Run::worker() {
  std::shared_ptr<const DecisionBoundary> initialBoundary;
  try {
    if (!error_.empty()) throw std::invalid_argument(error_);
    auto optimizer = config_.optimizer ? config_.optimizer() : nullptr;
    // The session checks its own buffers; the run's probes add a copy of every parameter.
    DeviceFitRequest fit = sessionFitRequest(config_.graph, *config_.train, config_.validation.get(), config_.options,
                                             optimizer.get());
    fit.probes = config_.probeEvery > 0;
    requireDeviceFit(fit, context_.device());
    session_ = std::make_unique<TrainingSession>(context_, config_.graph, *config_.train, config_.validation.get(),
                                                 config_.options, std::move(optimizer));
    session_->snapshotWeights(config_.weightSnapshots);
    applyInitialWeights();
    if (config_.resumeFrom) session_->resume(*config_.resumeFrom);
    if (config_.boundaryEvery)
      boundary_ = std::make_unique<DecisionBoundaryProbe>(
          session_->network(), extentOf(*config_.train), config_.boundaryGrid,
          data::NormalizationTable::compute(*config_.train, config_.options.normalization));
    initialBoundary = boundaryNow();
    setState(RunState::Ready);
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mutex_);
      error_ = e.what();
    }
    setState(RunState::Failed);
  }
  publish({}, std::nullopt, nullptr, std::move(initialBoundary));

  bool running = false;
  const auto validateEvery = [&] {
    return config_.validateEvery ? config_.validateEvery : session_->stepsPerEpoch();
  };
  for (;;) {
    std::optional<Order> next;
    {
      std::unique_lock lock(mutex_);
      const bool idle = !running && stepsToRun_ == 0;
      if (idle) changed_.wait(lock, [&] { return !commands_.empty(); });
      if (!commands_.empty()) {
        next = commands_.front();
        commands_.pop_front();
      }
    }
    if (next) {
      const Order command = *next;
      if (command.command == Command::Quit) return;
      if (command.command == Command::Reset) {  // a new life: nothing averaged over the old one
        std::lock_guard lock(mutex_);
        generation_ = command.generation;
        stepsPerSecond_ = 0;
      }
      const RunState now = state();
      if (now == RunState::Failed || now == RunState::Preparing) continue;
      bool announce = true;
      std::shared_ptr<const DecisionBoundary> boundary;
      switch (command.command) {
        case Command::Start:
          if (now == RunState::Ready || now == RunState::Paused) {
            running = true;
            setState(RunState::Running);
          } else announce = false;
          break;
        case Command::Pause:
          stepsToRun_ = 0;
          if (running) {
            running = false;
            setState(RunState::Paused);
          } else announce = false;
          break;
        case Command::Stop:
          running = false;
          stepsToRun_ = 0;
          if (now == RunState::Running || now == RunState::Paused || now == RunState::Ready) setState(RunState::Finished);
          else announce = false;
          break;
        case Command::Step:
          if (now == RunState::Ready || now == RunState::Paused) stepsToRun_ += uint64_t(command.value);
          announce = false;
          break;
        case Command::Reset:
          running = false;
          stepsToRun_ = 0;
          try {
            session_->reset(command.value >= 0 ? uint32_t(command.value) : session_->options().seed);
            boundary = boundaryNow();
            setState(RunState::Ready);
          } catch (const std::exception& e) {
            {
              std::lock_guard lock(mutex_);
              error_ = e.what();
            }
            setState(RunState::Failed);
          }
          break;
        case Command::LearningRate:
          session_->setLearningRate(command.value);
          announce = false;
          break;
        case Command::Quit: return;
      }
      if (announce) publish({}, std::nullopt, nullptr, std::move(boundary));
      continue;
    }

    // Train one chunk: up to the next snapshot, validation or the step limit.
    uint64_t chunk = running ? config_.snapshotEvery : stepsToRun_;
    const uint64_t toValidation = validateEvery() - session_->step() % validateEvery();
    chunk = std::min<uint64_t>({chunk, toValidation, session_->maxStepsPerSubmit()});
    // A probe is a step of its own: train up to it, then probe it.
    const bool probeDue = config_.probeEvery && (session_->step() + 1) % config_.probeEvery == 0;
    if (config_.probeEvery && !probeDue)
      chunk = std::min<uint64_t>(chunk, config_.probeEvery - 1 - session_->step() % config_.probeEvery);
    if (config_.boundaryEvery) chunk = std::min<uint64_t>(chunk, config_.boundaryEvery - session_->step() % config_.boundaryEvery);
    if (config_.maxSteps) chunk = std::min<uint64_t>(chunk, config_.maxSteps - std::min(config_.maxSteps, session_->step()));
    std::vector<StepRecord> records;
    std::optional<Evaluation> validation;
    std::shared_ptr<const ProbeReport> probes;
    std::shared_ptr<const DecisionBoundary> boundary;
    try {
      const auto start = std::chrono::steady_clock::now();
      if (probeDue && chunk > 0) {
        const uint64_t before = session_->step();
        probes = std::make_shared<ProbeReport>(session_->probeStep(&records));
        chunk = session_->step() - before;
      } else if (chunk > 0) {
        records = session_->train(uint32_t(chunk));
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (chunk > 0 && seconds > 0) {
        std::lock_guard lock(mutex_);
        stepsPerSecond_ = stepsPerSecond_ == 0 ? chunk / seconds : 0.8 * stepsPerSecond_ + 0.2 * chunk / seconds;
      }
      if (!running) stepsToRun_ -= std::min<uint64_t>(stepsToRun_, chunk);
      if (session_->hasValidation() && session_->step() % validateEvery() == 0 && !session_->nonFinite())
        validation = session_->evaluateValidation();
      if (config_.boundaryEvery && chunk > 0 && session_->step() % config_.boundaryEvery == 0) boundary = boundaryNow();
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mutex_);
        error_ = e.what();
      }
      running = false;
      stepsToRun_ = 0;
      setState(RunState::Failed);
      publish(std::move(records), std::nullopt);
      continue;
    }
    if (session_->nonFinite()) {
      running = false;
      stepsToRun_ = 0;
      setState(RunState::Stopped);
    } else if (config_.maxSteps && session_->step() >= config_.maxSteps) {
      running = false;
      stepsToRun_ = 0;
      setState(RunState::Finished);
    } else if (!running && stepsToRun_ == 0 && state() != RunState::Paused) {
      setState(RunState::Paused);
    }
    publish(std::move(records), validation, std::move(probes), std::move(boundary));
  }
}

}  // namespace gradlab::train
