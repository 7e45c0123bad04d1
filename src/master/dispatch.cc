// The ready queue and placement: which queued task runs next, and where.
#include <spdlog/spdlog.h>

#include "master/scheduler_impl.h"

namespace pipegrid::master {
namespace {

QueueKey KeyOf(TaskRt& task) {
  return {-task.job->rec.priority, task.job->order, task.index, task.rec.item_index, &task};
}

// Declared resources fit what the worker has left; undeclared ones (0) always fit,
// and so does anything on a worker that declared no capacity.
bool ResourcesFit(const WorkerRt& w, const spec::Task& t) {
  if (t.cpu > 0 && w.info.cpu > 0 && t.cpu > w.cpu_free + 1e-9) return false;
  if (t.memory > 0 && w.info.memory > 0 && t.memory > w.memory_free) return false;
  return true;
}

bool LabelsMatch(const WorkerRt& w, const spec::Task& t) {
  for (const auto& [k, v] : t.node_selector) {
    auto it = w.info.labels.find(k);
    if (it == w.info.labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

void Scheduler::Impl::Enqueue(TaskRt& task) {
  queue_.insert(KeyOf(task));
  counters_.queue_wait.Enqueued(task.rec.id, loop_.clock().Monotonic());
  UpdateQueueGauge();
}

void Scheduler::Impl::Dequeue(TaskRt& task) {
  queue_.erase(KeyOf(task));
  counters_.queue_wait.Dequeued(task.rec.id);
  UpdateQueueGauge();
}

void Scheduler::Impl::UpdateQueueGauge() {
  counters_.queue_depth.store(static_cast<int64_t>(queue_.size()), std::memory_order_relaxed);
}

void Scheduler::Impl::Dispatch(Txn& txn) {
  if (shutting_down_) return;
  int free_slots = 0;
  for (const auto& [name, w] : workers_) {
    if (w.info.state == WorkerState::kReady && w.channel != nullptr) {
      free_slots += std::max(0, w.capacity());
    }
  }
  // A task no worker can take (selector, resources) stays queued without
  // blocking the tasks behind it.
  for (auto it = queue_.begin(); it != queue_.end() && free_slots > 0;) {
    TaskRt& task = *it->task;
    WorkerRt* worker = PickWorker(task);
    if (worker == nullptr) {
      // Say why, when no registered worker could ever take it; otherwise it
      // only waits for capacity.
      std::string why = WhyNoWorkerFits(task);
      if (!why.empty() && why != task.rec.reason) SetTaskState(txn, task, TaskState::kQueued, why);
      ++it;
      continue;
    }
    it = queue_.erase(it);
    StartAttempt(txn, task, *worker);
    --free_slots;
  }
  UpdateQueueGauge();
}

std::string Scheduler::Impl::WhyNoWorkerFits(const TaskRt& task) const {
  const spec::Task& spec = task.spec();
  bool any_worker = false, labels_match = false;
  for (const auto& [name, w] : workers_) {
    if (w.info.state != WorkerState::kReady && w.info.state != WorkerState::kDraining) continue;
    any_worker = true;
    if (!LabelsMatch(w, spec)) continue;
    labels_match = true;
    bool cpu_fits = spec.cpu <= 0 || w.info.cpu <= 0 || spec.cpu <= w.info.cpu + 1e-9;
    bool memory_fits = spec.memory <= 0 || w.info.memory <= 0 || spec.memory <= w.info.memory;
    if (cpu_fits && memory_fits && w.info.slots > 0) return "";
  }
  if (!any_worker) return "waiting for a worker";
  if (!labels_match) return "no worker matches nodeSelector";
  return fmt::format("no worker is large enough (needs {} cpu, {} bytes of memory, a slot)",
                     spec.cpu, spec.memory);
}

int Scheduler::Impl::RunningOfJob(const WorkerRt& w, const JobRt& job) const {
  int n = 0;
  for (const std::string& attempt_id : w.attempts) {
    auto it = attempts_.find(attempt_id);
    if (it != attempts_.end() && it->second->job == &job) ++n;
  }
  return n;
}

WorkerRt* Scheduler::Impl::PickWorker(const TaskRt& task) {
  const spec::Task& spec = task.spec();
  WorkerRt* best = nullptr;
  int best_same_job = 0;
  for (auto& [name, w] : workers_) {
    if (w.info.state != WorkerState::kReady || w.channel == nullptr || w.capacity() <= 0) {
      continue;
    }
    if (!LabelsMatch(w, spec) || !ResourcesFit(w, spec)) continue;
    // spread: the worker running the fewest of this job's attempts first.
    int same_job = spec.spread ? RunningOfJob(w, *task.job) : 0;
    // Then the most free slots: spreads load over the fleet, and a worker's
    // prefetch is used only once no worker has a free slot.
    if (best == nullptr || same_job < best_same_job ||
        (same_job == best_same_job && w.info.slots_free > best->info.slots_free)) {
      best = &w;
      best_same_job = same_job;
    }
  }
  return best;
}

void Scheduler::Impl::StartAttempt(Txn& txn, TaskRt& task, WorkerRt& worker) {
  JobRt& job = *task.job;
  const spec::Task& spec = task.spec();
  ++task.rec.attempts_started;
  task.rec.worker = worker.info.name;
  store::AttemptRecord a;
  a.id = ids_.Next();
  a.task_id = task.rec.id;
  a.job_id = job.rec.id;
  a.number = task.rec.attempts_started;
  a.worker = worker.info.name;
  task.attempt = a;
  txn.TouchAttempt(task);
  attempts_[a.id] = &task;

  --worker.info.slots_free;
  worker.cpu_free -= spec.cpu;
  worker.memory_free -= spec.memory;
  worker.attempts.insert(a.id);
  SetTaskState(txn, task, TaskState::kAssigned, "");
  counters_.attempts_started.fetch_add(1, std::memory_order_relaxed);
  counters_.queue_wait.Assigned(task.rec.id, loop_.clock().Monotonic());

  protocol::Assignment msg;
  msg.attempt_id = a.id;
  msg.job_id = job.rec.id;
  msg.task_id = task.rec.id;
  msg.task_name = task.rec.name;
  msg.attempt_number = a.number;
  msg.timeout = spec.timeout;
  for (const spec::Step& s : spec.steps) msg.steps.push_back({s.executor, s.commands});
  if (task.parent != nullptr) {
    msg.env["PIPEGRID_ITEM"] = task.rec.item;
    msg.env["PIPEGRID_ITEM_INDEX"] = std::to_string(task.rec.item_index);
  }
  msg.outputs = spec.outputs;
  msg.max_output_bytes = options_.max_output_bytes;
  // Upstream tasks' kept files (a forEach task's: each instance's).
  for (int d : job.dag.deps[task.index]) {
    const TaskRt& up = *job.tasks[d];
    auto add = [&msg](const TaskRt& from) {
      for (const protocol::OutputFile& f : from.rec.outputs) {
        msg.inputs.push_back({from.rec.name, f, ""});
      }
    };
    add(up);
    for (const TaskRt* inst : up.instances) add(*inst);
  }
  // Sent only once the assignment is durable; looked up again by name then,
  // since the worker may have gone in between (its attempts are then lost).
  txn.AfterCommit([this, name = worker.info.name, m = std::move(msg)]() mutable {
    auto it = workers_.find(name);
    if (it == workers_.end() || it->second.channel == nullptr) return;
    it->second.channel->Assign(std::move(m));
  });
}

void Scheduler::Impl::FreeWorkerSlot(TaskRt& task) {
  if (!task.attempt) return;
  auto it = workers_.find(task.attempt->worker);
  if (it == workers_.end()) return;
  WorkerRt& w = it->second;
  if (w.attempts.erase(task.attempt->id) == 0) return;
  ++w.info.slots_free;
  w.cpu_free += task.spec().cpu;
  w.memory_free += task.spec().memory;
}

}  // namespace pipegrid::master
