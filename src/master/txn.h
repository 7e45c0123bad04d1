// The changes one scheduler message makes: rows to write and the effects
// (replies, messages to workers) that may happen only once they are durable.
#pragma once

#include <functional>
#include <vector>

#include "master/runtime.h"
#include "store/records.h"

namespace pipegrid::master {

class Txn {
 public:
  void Touch(JobRt& job) {
    if (!job.dirty) {
      job.dirty = true;
      jobs_.push_back(&job);
    }
  }
  void Touch(TaskRt& task) {
    if (!task.dirty) {
      task.dirty = true;
      tasks_.push_back(&task);
    }
  }
  // The task's current attempt row changed.
  void TouchAttempt(TaskRt& task) {
    PG_DCHECK(task.attempt.has_value());
    batch_.put_attempts.push_back(*task.attempt);
  }
  store::Batch& batch() { return batch_; }
  void AfterCommit(std::function<void()> effect) { effects_.push_back(std::move(effect)); }

  // Moves the dirty rows into the batch. Called once, at flush.
  store::Batch TakeBatch() {
    for (JobRt* j : jobs_) {
      batch_.put_jobs.push_back(j->rec);
      j->dirty = false;
    }
    for (TaskRt* t : tasks_) {
      batch_.put_tasks.push_back(t->rec);
      t->dirty = false;
    }
    jobs_.clear();
    tasks_.clear();
    return std::move(batch_);
  }
  std::vector<std::function<void()>> TakeEffects() { return std::move(effects_); }

 private:
  store::Batch batch_;
  std::vector<JobRt*> jobs_;
  std::vector<TaskRt*> tasks_;
  std::vector<std::function<void()>> effects_;
};

}  // namespace pipegrid::master
