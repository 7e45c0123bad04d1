#include "unit/store/store_contract.h"

#include "common/time_format.h"

namespace pipegrid::store {
namespace {

std::string T(const std::optional<WallTime>& t) { return t ? FormatTime(*t) : "-"; }
template <typename N>
std::string I(const std::optional<N>& n) {
  return n ? std::to_string(*n) : "-";
}

}  // namespace

void PrintTo(const JobRecord& j, std::ostream* os) {
  *os << "Job{" << j.id << " " << j.namespace_ << "/" << j.name << " ext=" << j.external_id
      << " labels=" << ::testing::PrintToString(j.labels) << " prio=" << j.priority << " "
      << Name(j.state) << " reason=" << j.reason << " spec=" << j.spec_json
      << " created=" << T(j.created_at) << " started=" << T(j.started_at)
      << " finished=" << T(j.finished_at) << " deadline=" << T(j.deadline_at) << "}";
}

void PrintTo(const TaskRecord& t, std::ostream* os) {
  *os << "Task{" << t.id << " job=" << t.job_id << " " << t.name << " #" << t.index << " "
      << Name(t.state) << " reason=" << t.reason
      << " deps=" << ::testing::PrintToString(t.depends_on) << " worker=" << t.worker
      << " used=" << t.retries_used << "/" << t.lost_used << " started=" << t.attempts_started
      << " retry_at=" << T(t.retry_at) << "}";
}

void PrintTo(const AttemptRecord& a, std::ostream* os) {
  *os << "Attempt{" << a.id << " task=" << a.task_id << " job=" << a.job_id << " #" << a.number
      << " worker=" << a.worker << " outcome=" << Name(a.outcome) << " exit=" << I(a.exit_code)
      << " signal=" << I(a.signal) << " reason=" << a.reason << " pgid=" << I(a.pgid)
      << " started=" << T(a.started_at) << " finished=" << T(a.finished_at) << "}";
}

void PrintTo(const EventRecord& e, std::ostream* os) {
  *os << "Event{" << e.seq << " " << T(e.time) << " job=" << e.job_id << " task=" << e.task
      << " attempt=" << e.attempt << " worker=" << e.worker << " " << e.type << " " << e.from
      << "->" << e.to << " reason=" << e.reason << "}";
}

void PrintTo(const DeadLetterRecord& d, std::ostream* os) {
  *os << "DeadLetter{" << d.task_id << " job=" << d.job_id << " " << d.namespace_ << "/" << d.task
      << " attempts=" << d.attempts << " " << Name(d.outcome) << " reason=" << d.reason
      << " failed=" << FormatTime(d.failed_at) << "}";
}

}  // namespace pipegrid::store

namespace pipegrid::store::testing {

using ::pipegrid::testing::IsOk;

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void StoreContractTest::SetUp() {
  Result<std::unique_ptr<Store>> opened = GetParam().open(dir_.path().string());
  ASSERT_THAT(opened, IsOk());
  store_ = std::move(opened).value();
}

void StoreContractTest::MustApply(const Batch& batch) { ASSERT_THAT(store_->Apply(batch), IsOk()); }

void StoreContractTest::MustPutJob(const JobRecord& job, const std::vector<TaskRecord>& tasks) {
  Batch batch;
  batch.put_jobs.push_back(job);
  batch.put_tasks = tasks;
  MustApply(batch);
}

WallTime At(int64_t unix_ms) { return FromUnixMillis(unix_ms); }

JobRecord FullJob(const std::string& id) {
  JobRecord j;
  j.id = id;
  j.name = "ocr-batch";
  j.namespace_ = "team-a";
  j.external_id = "order-" + id;
  j.labels = {{"team", "data"}, {"pipegrid.io/zone", "a"}, {"quote\"key", "ünïcode"}};
  j.priority = -7;
  j.state = JobState::kRunning;
  j.reason = "because";
  j.spec_json = R"({"apiVersion":"pipegrid/v1"})";
  j.created_at = At(1'700'000'000'001);
  j.started_at = At(1'700'000'000'002);
  j.finished_at = At(1'700'000'000'003);
  j.deadline_at = At(1'700'000'003'600);
  return j;
}

TaskRecord FullTask(const std::string& id, const std::string& job_id, int index) {
  TaskRecord t;
  t.id = id;
  t.job_id = job_id;
  t.name = "ocr-" + id;
  t.index = index;
  t.state = TaskState::kRetrying;
  t.reason = "exit 3";
  t.depends_on = {"fetch", "split"};
  t.worker = "w1";
  t.retries_used = 2;
  t.lost_used = 1;
  t.attempts_started = 4;
  t.retry_at = At(1'700'000'000'500);
  return t;
}

AttemptRecord FullAttempt(const std::string& id, const std::string& task_id,
                          const std::string& job_id, int number) {
  AttemptRecord a;
  a.id = id;
  a.task_id = task_id;
  a.job_id = job_id;
  a.number = number;
  a.worker = "w2";
  a.outcome = Outcome::kSignal;
  a.exit_code = 137;
  a.signal = 9;
  a.reason = "killed by signal 9";
  a.pgid = 4'000'000'123LL;  // wider than 32 bits on purpose
  a.started_at = At(1'700'000'001'000);
  a.finished_at = At(1'700'000'002'000);
  return a;
}

EventRecord FullEvent(const std::string& job_id) {
  EventRecord e;
  e.time = At(1'700'000'003'000);
  e.job_id = job_id;
  e.task = "ocr";
  e.attempt = 3;
  e.worker = "w3";
  e.type = "attempt";
  e.from = "RUNNING";
  e.to = "exit";
  e.reason = "exit code 1";
  return e;
}

DeadLetterRecord FullDeadLetter(const std::string& task_id, const std::string& job_id) {
  DeadLetterRecord d;
  d.task_id = task_id;
  d.job_id = job_id;
  d.namespace_ = "team-a";
  d.task = "ocr";
  d.attempts = 6;
  d.outcome = Outcome::kTimeout;
  d.reason = "timed out after 10m";
  d.failed_at = At(1'700'000'004'000);
  return d;
}

JobRecord BareJob(const std::string& id, JobState state, const std::string& namespace_) {
  JobRecord j;
  j.id = id;
  j.name = "job-" + id;
  j.namespace_ = namespace_;
  j.state = state;
  j.created_at = At(1'600'000'000'000);
  return j;
}

TaskRecord BareTask(const std::string& id, const std::string& job_id, int index) {
  TaskRecord t;
  t.id = id;
  t.job_id = job_id;
  t.name = "task-" + id;
  t.index = index;
  return t;
}

}  // namespace pipegrid::store::testing
