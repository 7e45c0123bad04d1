// Fan-out (forEach, issue 8): a forEach task becomes one instance per item
// once its dependencies are met. The task itself (the group) never runs: it
// is RUNNING while its instances are, and ends when none of them can change
// any more; tasks that depend on it wait for all of them.
//
// Instances are ordinary tasks to the rest of the scheduler (queue,
// placement, retries, dead letters, stop), named "ocr[0]", "ocr[1]"…, with
// their item in $PIPEGRID_ITEM and $PIPEGRID_ITEM_INDEX.
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "master/scheduler_impl.h"

namespace pipegrid::master {
namespace {

// A file listing items is read whole; beyond this it cannot be a sane list
// of at most --max-fanout items.
constexpr std::streamsize kMaxItemsFileBytes = 64LL << 20;

}  // namespace

Result<std::vector<std::string>> Scheduler::Impl::ForEachItems(const TaskRt& group) const {
  const spec::ForEach& each = *group.spec().for_each;
  if (each.literal()) return each.items;
  // The upstream task's kept file, as stored when it succeeded.
  const std::string path =
      options_.outputs_dir + "/" + group.job->rec.id + "/" + each.from + "/" + each.file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound(fmt::format("task {} kept no file {}", each.from, each.file));
  }
  std::string text;
  text.resize(static_cast<size_t>(kMaxItemsFileBytes) + 1);
  in.read(text.data(), kMaxItemsFileBytes + 1);
  text.resize(static_cast<size_t>(in.gcount()));
  if (static_cast<std::streamsize>(text.size()) > kMaxItemsFileBytes) {
    return ResourceExhausted(fmt::format("{} of task {} is larger than {} bytes", each.file,
                                         each.from, kMaxItemsFileBytes));
  }
  std::vector<std::string> items;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) items.push_back(std::move(line));
  }
  return items;
}

void Scheduler::Impl::Expand(Txn& txn, TaskRt& group) {
  JobRt& job = *group.job;
  auto items = ForEachItems(group);
  if (!items.ok()) {
    return OnTaskFailedForGood(txn, group, Outcome::kNone, "forEach: " + items.status().message());
  }
  if (static_cast<int64_t>(items->size()) > options_.max_fanout) {
    return OnTaskFailedForGood(
        txn, group, Outcome::kNone,
        fmt::format("forEach: {} items, more than --max-fanout {}", items->size(),
                    options_.max_fanout));
  }
  SetTaskState(txn, group, TaskState::kRunning, fmt::format("fan-out: {} instances", items->size()));
  group.instances.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    auto inst = std::make_unique<TaskRt>();
    inst->job = &job;
    inst->index = group.index;
    inst->parent = &group;
    store::TaskRecord& rec = inst->rec;
    rec.id = ids_.Next();
    rec.job_id = job.rec.id;
    rec.name = fmt::format("{}[{}]", group.rec.name, i);
    rec.index = group.index;
    rec.depends_on = group.rec.depends_on;
    rec.parent = group.rec.name;
    rec.item_index = static_cast<int>(i);
    rec.item = std::move((*items)[i]);
    TaskRt& t = *inst;
    job.tasks.push_back(std::move(inst));
    ++job.unfinished;  // a new instance is PENDING
    tasks_by_id_[t.rec.id] = &t;
    group.instances.push_back(&t);
    txn.Touch(t);
    MakeReady(txn, t, "");
  }
  SettleGroup(txn, group);  // no items: done at once
}

void Scheduler::Impl::SettleGroup(Txn& txn, TaskRt& group) {
  if (group.rec.state != TaskState::kRunning) return;
  const TaskRt* failed = nullptr;
  bool stopped = false;
  for (const TaskRt* inst : group.instances) {
    if (!IsFinished(inst->rec.state)) return;  // one can still change
    if (inst->rec.state == TaskState::kFailed && failed == nullptr) failed = inst;
    if (inst->rec.state == TaskState::kCancelled || inst->rec.state == TaskState::kSkipped) {
      stopped = true;
    }
  }
  if (failed != nullptr) {
    // The instance is in the dead-letter list; the group only carries the
    // verdict to its dependents.
    SetTaskState(txn, group, TaskState::kFailed,
                 fmt::format("instance {} failed", failed->rec.name));
    SkipDependents(txn, group);
  } else if (stopped) {
    SetTaskState(txn, group, TaskState::kCancelled,
                 group.job->stopping ? group.job->rec.reason : "instances cancelled");
  } else {
    OnTaskSucceeded(txn, group);
  }
}

}  // namespace pipegrid::master
