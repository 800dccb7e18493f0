#include "timeline/snapshot_store.h"

#include "train/internals.h"

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

template <class T>
size_t vectorBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

size_t statsBytes(const train::TensorStats& stats) { return vectorBytes(stats.histogram); }

}  // namespace

size_t bytesOf(const std::vector<train::WeightSnapshot>& weights) {
  size_t bytes = sizeof(weights) + vectorBytes(weights);
  for (const train::WeightSnapshot& w : weights) bytes += w.name.capacity() + vectorBytes(w.values);
  return bytes;
}

size_t bytesOf(const train::Snapshot& s) {
  size_t bytes = sizeof(s) + vectorBytes(s.records) + s.error.capacity();
  if (s.nonFinite) bytes += s.nonFinite->where.size() + s.nonFinite->layer.size() + s.nonFinite->message.size();
  if (s.progress)
    for (const auto& [block, values] : s.progress->optimizer.blocks) bytes += block.size() + vectorBytes(values);
  return bytes;
}

size_t bytesOf(const train::InternalsReport& internals) {
  size_t bytes = sizeof(internals) + vectorBytes(internals.optimizer.tensors) + vectorBytes(internals.batchNorms) +
                 vectorBytes(internals.distinctUnits);
  for (const train::OptimizerTensorInternals& tensor : internals.optimizer.tensors) {
    bytes += tensor.parameter.capacity() + vectorBytes(tensor.states);
    for (const train::StateSummary& state : tensor.states) bytes += state.name.capacity() + statsBytes(state.stats);
  }
  for (const train::BatchNormInternals& b : internals.batchNorms)
    bytes += b.node.capacity() + vectorBytes(b.batchMean) + vectorBytes(b.batchVar) + vectorBytes(b.runningMean) +
             vectorBytes(b.runningVar);
  for (const train::DistinctUnits& d : internals.distinctUnits) bytes += d.parameter.capacity();
  return bytes;
}

// The internals a report carries count as its own: no other report shares them.
size_t bytesOf(const train::ProbeReport& report) {
  size_t bytes = sizeof(report) + vectorBytes(report.layers) + vectorBytes(report.parameters);
  for (const train::LayerProbe& layer : report.layers)
    bytes += layer.node.capacity() + layer.type.capacity() + statsBytes(layer.activation) + statsBytes(layer.gradient);
  for (const train::ParameterProbe& p : report.parameters) bytes += p.name.capacity();
  if (report.internals) bytes += bytesOf(*report.internals);
  return bytes + bytesOf(report.weights);
}

size_t bytesOf(const train::DecisionBoundary& boundary) {
  return sizeof(boundary) + vectorBytes(boundary.cellClass) + vectorBytes(boundary.confidence);
}

uint64_t Moment::step() const { return members.empty() ? 0 : members.begin()->second.snapshot->step; }

void SnapshotStore::hold(const std::shared_ptr<const void>& object, size_t bytes) {
  if (!object) return;
  Held& held = held_[object.get()];
  if (held.count++ == 0) {
    held.bytes = bytes;
    bytes_ += bytes;
  }
}

void SnapshotStore::release(const std::shared_ptr<const void>& object) {
  if (!object) return;
  const auto it = held_.find(object.get());
  if (it == held_.end() || --it->second.count > 0) return;
  bytes_ -= it->second.bytes;
  held_.erase(it);
}

void SnapshotStore::holdMoment(const Moment& moment) {
  for (const auto& [member, m] : moment.members) {
    hold(m.snapshot, m.snapshot ? bytesOf(*m.snapshot) : 0);
    hold(m.probes, m.probes ? bytesOf(*m.probes) : 0);
    hold(m.boundary, m.boundary ? bytesOf(*m.boundary) : 0);
    hold(m.parameters, m.parameters ? bytesOf(*m.parameters) : 0);
  }
}

void SnapshotStore::releaseMoment(const Moment& moment) {
  for (const auto& [member, m] : moment.members) {
    release(m.snapshot);
    release(m.probes);
    release(m.boundary);
    release(m.parameters);
  }
}

void SnapshotStore::clear() {
  restored_ = false;
  moments_.clear();
  arrived_.clear();
  held_.clear();
  bytes_ = 0;
}

void SnapshotStore::setBudget(size_t bytes) {
  budget_ = bytes;
  thin();
}

// A publish brings one snapshot per run, run 0 first: a run that already came this publish
// starts the next moment, which carries every run's state forward (a run that stopped publishes
// no more and is shown as it stopped).
void SnapshotStore::add(std::shared_ptr<const train::Snapshot> s) {
  if (!s) return;
  // A run still being built has no step yet: restored moments wait for the step it starts at.
  if (restored_ && s->state == train::RunState::Preparing) return;
  if (s->runId != runId_ || s->generation != generation_) {
    adoptOrClear(s->step);
    runId_ = s->runId;
    generation_ = s->generation;
  }
  if (moments_.empty() || arrived_.count(s->member)) {
    moments_.push_back(moments_.empty() ? Moment{} : moments_.back());
    holdMoment(moments_.back());
    arrived_.clear();
  }
  arrived_.insert(s->member);
  Moment& now = moments_.back();
  MemberMoment& m = now.members[s->member];
  releaseMoment(Moment{0, {{s->member, m}}});
  m.probes = s->probes ? s->probes : m.probes;
  m.boundary = s->boundary ? s->boundary : m.boundary;
  // The filter view shows whichever came last: a probe's weights or the values of a stop.
  if (s->probes && !s->probes->weights.empty())
    m.parameters.reset();
  else if (s->parameters)
    m.parameters = s->parameters;
  m.snapshot = std::move(s);
  holdMoment(Moment{0, {{m.snapshot->member, m}}});
  now.position = 0;
  for (const auto& [member, mm] : now.members) now.position = std::max(now.position, mm.snapshot->step);
  // A publish that did not advance (pausing, a learning rate set) replaces the moment before it.
  if (moments_.size() >= 2 && moments_[moments_.size() - 2].position == now.position) erase(moments_.size() - 2);
  thin();
}

// Restored moments up to the step a run starts at are its past; any other run starts afresh.
void SnapshotStore::adoptOrClear(uint64_t startStep) {
  if (!restored_) return clear();
  restored_ = false;
  while (!moments_.empty() && moments_.back().position > startStep) erase(moments_.size() - 1);
  arrived_.clear();
  if (!moments_.empty())  // the run's first publish is a moment of its own
    for (const auto& [member, m] : moments_.back().members) arrived_.insert(member);
}

persist::SavedTimeline SnapshotStore::saved(size_t budget) const {
  SnapshotStore thinned = *this;
  thinned.setBudget(budget);
  persist::SavedTimeline timeline;
  for (const Moment& moment : thinned.moments_) {
    persist::SavedMoment& out = timeline.moments.emplace_back();
    out.position = moment.position;
    for (const auto& [member, m] : moment.members)
      out.members.push_back({member, m.snapshot->step, m.probes, m.boundary, m.parameters});
  }
  return timeline;
}

void SnapshotStore::restore(const persist::SavedTimeline& saved) {
  clear();
  for (const persist::SavedMoment& in : saved.moments) {
    Moment& moment = moments_.emplace_back();
    moment.position = in.position;
    for (const persist::SavedMember& m : in.members) {
      auto snapshot = std::make_shared<train::Snapshot>();
      snapshot->member = m.member;
      snapshot->step = m.step;
      snapshot->state = train::RunState::Paused;
      moment.members[m.member] = {std::move(snapshot), m.probes, m.boundary, m.parameters};
    }
    holdMoment(moment);
  }
  restored_ = !moments_.empty();
  thin();
}

void SnapshotStore::erase(size_t index) {
  releaseMoment(moments_[index]);
  moments_.erase(moments_.begin() + std::ptrdiff_t(index));
}

// Drops the interior moment whose neighbours are closest on a log scale until the moments fit.
void SnapshotStore::thin() {
  auto logOf = [this](size_t i) { return std::log1p(double(moments_[i].position)); };
  while (bytes_ > budget_ && moments_.size() > 2) {
    size_t drop = 1;
    double smallest = INFINITY;
    for (size_t i = 1; i + 1 < moments_.size(); ++i) {
      const double gap = logOf(i + 1) - logOf(i - 1);
      if (gap < smallest) smallest = gap, drop = i;
    }
    erase(drop);
  }
}

size_t SnapshotStore::indexAt(uint64_t position) const {
  const auto after = std::upper_bound(moments_.begin(), moments_.end(), position,
                                      [](uint64_t p, const Moment& m) { return p < m.position; });
  return after == moments_.begin() ? 0 : size_t(after - moments_.begin()) - 1;
}

std::vector<std::shared_ptr<const train::ProbeReport>> SnapshotStore::probesUpTo(size_t index, uint32_t member) const {
  std::vector<std::shared_ptr<const train::ProbeReport>> reports;
  for (size_t i = 0; i <= index && i < moments_.size(); ++i) {
    const auto found = moments_[i].members.find(member);
    if (found == moments_[i].members.end() || !found->second.probes) continue;
    if (reports.empty() || reports.back() != found->second.probes) reports.push_back(found->second.probes);
  }
  return reports;
}

}  // namespace gradlab::ui
