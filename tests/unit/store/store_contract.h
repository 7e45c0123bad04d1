// The Store contract suite: behaviour every Store implementation must have,
// written against the interface only. An implementation runs it by
// instantiating the suite with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(StoreFactory{"sqlite", OpenMine}),
//                            StoreFactoryName);
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"
#include "support/test_util.h"

namespace pipegrid::store {

// Readable failure messages (found by ADL).
void PrintTo(const JobRecord& job, std::ostream* os);
void PrintTo(const TaskRecord& task, std::ostream* os);
void PrintTo(const AttemptRecord& attempt, std::ostream* os);
void PrintTo(const EventRecord& event, std::ostream* os);
void PrintTo(const DeadLetterRecord& letter, std::ostream* os);

}  // namespace pipegrid::store

namespace pipegrid::store::testing {

struct StoreFactory {
  std::string name;
  // Opens an empty store; `dir` is a fresh directory it may use.
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;

  // Applies `batch` and fails the test unless it succeeds.
  void MustApply(const Batch& batch);
  // A job with its tasks in one batch.
  void MustPutJob(const JobRecord& job, const std::vector<TaskRecord>& tasks = {});

  pipegrid::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Times with whole milliseconds: the unit stores keep.
WallTime At(int64_t unix_ms);

// Records with every field set to a distinct, non-default value.
JobRecord FullJob(const std::string& id);
TaskRecord FullTask(const std::string& id, const std::string& job_id, int index = 0);
AttemptRecord FullAttempt(const std::string& id, const std::string& task_id,
                          const std::string& job_id, int number = 1);
EventRecord FullEvent(const std::string& job_id);
DeadLetterRecord FullDeadLetter(const std::string& task_id, const std::string& job_id);

// Minimal records: required fields only, optionals unset.
JobRecord BareJob(const std::string& id, JobState state = JobState::kPending,
                  const std::string& namespace_ = "default");
TaskRecord BareTask(const std::string& id, const std::string& job_id, int index = 0);

}  // namespace pipegrid::store::testing
