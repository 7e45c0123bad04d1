// In-memory state of unfinished jobs, owned by the scheduler loop thread.
// Records mirror store rows; `dirty` marks rows to write at the next flush.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/worker_protocol.h"
#include "master/scheduler.h"
#include "spec/dag.h"
#include "spec/job_spec.h"
#include "store/records.h"

namespace pipegrid::master {

struct JobRt;

struct TaskRt {
  JobRt* job = nullptr;
  int index = 0;
  store::TaskRecord rec;
  int unmet_deps = 0;  // dependencies not yet SUCCEEDED
  std::optional<store::AttemptRecord> attempt;  // the current attempt, while it runs
  EventLoop::TimerId retry_timer = 0;
  bool dirty = false;
  bool attempt_dirty = false;
  bool stop_sent = false;  // a StopRequest went to the worker for `attempt`
  // Fan-out: an instance points at its task (the group); a group lists its
  // instances once expanded. An instance shares its group's spec and index.
  TaskRt* parent = nullptr;
  std::vector<TaskRt*> instances;

  const spec::Task& spec() const;
  // A forEach task itself: it never runs, its instances do.
  bool is_group() const { return parent == nullptr && spec().for_each.has_value(); }
};

struct JobRt {
  store::JobRecord rec;
  spec::JobSpec spec;
  spec::Dag dag;
  // The spec's tasks first, in spec order (tasks[i] is DAG node i), then the
  // fan-out instances as they are created.
  std::vector<std::unique_ptr<TaskRt>> tasks;
  uint64_t order = 0;  // submission order: FIFO among equal priorities
  // Tasks (instances included) not in a finished state: the job may finish
  // when it is 0. Kept by AddJob, Expand and SetTaskState, so that an
  // attempt's end costs O(1), not a scan of the job's tasks.
  int unfinished = 0;
  EventLoop::TimerId timeout_timer = 0;
  // Set once the job is being stopped (cancel, kill, job timeout, failFast):
  // nothing new starts, running attempts get this outcome.
  std::optional<Outcome> stopping;
  JobState stop_state = JobState::kCancelled;  // where a stopping job ends
  bool dirty = false;
};

inline const spec::Task& TaskRt::spec() const { return job->spec.tasks[index]; }

// Ready-queue order: higher priority first, then older jobs, then spec order.
struct QueueKey {
  int neg_priority;
  uint64_t job_order;
  int task_index;
  int item_index;  // fan-out instances of one task, in item order
  TaskRt* task;
  auto operator<=>(const QueueKey& o) const {
    if (auto c = neg_priority <=> o.neg_priority; c != 0) return c;
    if (auto c = job_order <=> o.job_order; c != 0) return c;
    if (auto c = task_index <=> o.task_index; c != 0) return c;
    return item_index <=> o.item_index;
  }
  bool operator==(const QueueKey& o) const { return (*this <=> o) == 0; }
};

struct WorkerRt {
  WorkerInfo info;
  std::string zone;
  std::string instance_id;
  uint64_t session = 0;  // the live session; 0: none (lost, gone, not back yet)
  protocol::WorkerChannel* channel = nullptr;  // set while connected
  MonoTime lease_until{};  // LOST after this, unless a heartbeat renews it
  MonoTime gone_at{};      // GONE since (listed for a while)
  // Assignments it may hold beyond its slots (WorkerRegistration::prefetch).
  // info.slots_free goes down to -prefetch; the API shows it clamped at 0.
  int prefetch = 0;
  double cpu_free = 0;
  int64_t memory_free = 0;
  std::set<std::string> attempts;  // held attempt ids (running or prefetched)
  // How many more attempts it may be given now.
  int capacity() const { return info.slots_free + (info.slots > 0 ? prefetch : 0); }
};

}  // namespace pipegrid::master
