// forEach instances and files between tasks in the scheduler
// (src/master/fanout.cc, KeepOutputs, inputs of assignments).
#include <fstream>

#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kLiteral[] = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: fan}
spec:
  tasks:
    - name: ocr
      forEach: {items: [a, b, c]}
      retry: {limit: 1, backoff: {initial: 1s, jitter: 0}}
      steps: [{commands: ["echo $PIPEGRID_ITEM"]}]
    - {name: join, dependsOn: [ocr], steps: [{commands: ["true"]}]}
)";

class FanOutTest : public SchedulerTest {
 protected:
  void SetUp() override {
    options_.outputs_dir = dir_.Sub("outputs");
    options_.max_fanout = 4;
    Open();
  }
  // Succeeds `a` with kept files staged as the master's worker session does.
  void SucceedWithFiles(const protocol::Assignment& a,
                        const std::map<std::string, std::string>& files) {
    std::string staged = dir_.Sub("staged-" + a.attempt_id);
    protocol::AttemptFinished msg;
    msg.attempt_id = a.attempt_id;
    msg.outcome = Outcome::kSucceeded;
    msg.finished_at = clock_.Wall();
    msg.workspace = staged;
    for (const auto& [path, content] : files) {
      std::filesystem::create_directories(staged);
      std::ofstream(staged + "/" + path) << content;
      msg.outputs.push_back({path, static_cast<int64_t>(content.size()), "sha-of-" + path});
    }
    scheduler_->Finished(msg);
    Run();
  }
};

TEST_F(FanOutTest, OneInstancePerItemAndTheDependentWaitsForAll) {
  AddWorker("w1", 4);
  std::string job = Submit(kLiteral);
  EXPECT_THAT(AssignedTasks(), ElementsAre("ocr[0]", "ocr[1]", "ocr[2]"));
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kRunning);
  store::TaskRecord second = Task(job, "ocr[1]");
  EXPECT_EQ(second.parent, "ocr");
  EXPECT_EQ(second.item_index, 1);
  EXPECT_EQ(second.item, "b");
  for (const auto& a : worker_.assigned) {
    EXPECT_EQ(a.env.at("PIPEGRID_ITEM_INDEX"), a.task_name.substr(4, 1));
  }
  EXPECT_EQ(worker_.assigned[2].env.at("PIPEGRID_ITEM"), "c");

  RunTask("ocr[0]");
  RunTask("ocr[2]");
  EXPECT_EQ(StateOf(job, "join"), TaskState::kPending);
  RunTask("ocr[1]");
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kSucceeded);
  RunTask("join");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
}

TEST_F(FanOutTest, AFailingInstanceIsRetriedAloneThenFailsItsTask) {
  AddWorker("w1", 4);
  std::string job = Submit(kLiteral);
  RunTask("ocr[0]");
  RunTask("ocr[2]");
  RunTask("ocr[1]", Outcome::kExit, 3);
  EXPECT_EQ(StateOf(job, "ocr[1]"), TaskState::kRetrying);
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kRunning);
  clock_.Advance(std::chrono::seconds(1));
  Run();
  EXPECT_THAT(AssignedTasks(), ElementsAre("ocr[1]"));  // the others are not run again
  RunTask("ocr[1]", Outcome::kExit, 3);
  EXPECT_EQ(StateOf(job, "ocr[1]"), TaskState::kFailed);
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kFailed);
  EXPECT_EQ(Task(job, "ocr").reason, "instance ocr[1] failed");
  EXPECT_EQ(StateOf(job, "join"), TaskState::kSkipped);
  EXPECT_EQ(Job(job).state, JobState::kFailed);
  EXPECT_THAT(Attempts(job, "ocr[0]"), SizeIs(1));

  // Requeue of the dead instance reopens its task; join waits again.
  EXPECT_THAT(Call([&](auto r) { scheduler_->RequeueDeadLetter(Task(job, "ocr[1]").id, r); }),
              IsOk());
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kRunning);
  EXPECT_EQ(StateOf(job, "join"), TaskState::kPending);
  RunTask("ocr[1]");
  RunTask("join");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
}

TEST_F(FanOutTest, MoreItemsThanTheLimitFailTheTask) {
  AddWorker("w1", 4);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: wide}
spec:
  tasks:
    - {name: ocr, forEach: {items: [1, 2, 3, 4, 5]}, steps: [{commands: ["true"]}]}
)");
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kFailed);
  EXPECT_EQ(Task(job, "ocr").reason, "forEach: 5 items, more than --max-fanout 4");
  EXPECT_THAT(worker_.assigned, IsEmpty());
  EXPECT_EQ(Job(job).state, JobState::kFailed);
}

TEST_F(FanOutTest, NoItemsSucceedsAtOnce) {
  AddWorker("w1", 4);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: none}
spec:
  tasks:
    - {name: ocr, forEach: {items: []}, steps: [{commands: ["true"]}]}
    - {name: join, dependsOn: [ocr], steps: [{commands: ["true"]}]}
)");
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kSucceeded);
  EXPECT_THAT(AssignedTasks(), ElementsAre("join"));
}

TEST_F(FanOutTest, CancelStopsInstancesAndTheTaskEndsCancelled) {
  AddWorker("w1", 1);
  std::string job = Submit(kLiteral);
  auto first = Start("ocr[0]");
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }), IsOk());
  ASSERT_THAT(worker_.stops, SizeIs(1));
  EXPECT_EQ(StateOf(job, "ocr[1]"), TaskState::kCancelled);
  Finish(first, Outcome::kCancelled);
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kCancelled);
  EXPECT_EQ(Job(job).state, JobState::kCancelled);
}

TEST_F(FanOutTest, InstancesSurviveARestart) {
  AddWorker("w1", 4);
  std::string job = Submit(kLiteral);
  RunTask("ocr[0]");
  Restart(4);
  // ocr[0] stays done; the two that were assigned run again.
  EXPECT_THAT(AssignedTasks(), ElementsAre("ocr[1]", "ocr[2]"));
  RunTask("ocr[1]");
  RunTask("ocr[2]");
  RunTask("join");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
  EXPECT_THAT(Attempts(job, "ocr[0]"), SizeIs(1));
}

TEST_F(FanOutTest, ItemsFromAnUpstreamFileAndInputsForDependents) {
  AddWorker("w1", 4);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: files}
spec:
  tasks:
    - {name: fetch, steps: [{commands: ["true"]}], outputs: {files: [list.txt]}}
    - name: ocr
      dependsOn: [fetch]
      forEach: {from: fetch, file: list.txt}
      steps: [{commands: ["true"]}]
      outputs: {files: [out.txt]}
    - {name: join, dependsOn: [ocr], steps: [{commands: ["true"]}]}
)");
  auto fetch = Start("fetch");
  EXPECT_THAT(fetch.outputs, ElementsAre("list.txt"));
  SucceedWithFiles(fetch, {{"list.txt", "p1\n\np2\r\n"}});
  EXPECT_EQ(Task(job, "fetch").outputs.size(), 1u);
  // Kept where the API and forEach read them.
  std::ifstream kept(options_.outputs_dir + "/" + job + "/fetch/list.txt");
  EXPECT_TRUE(kept.good());
  ASSERT_THAT(AssignedTasks(), ElementsAre("ocr[0]", "ocr[1]"));  // empty line skipped
  EXPECT_EQ(Task(job, "ocr[1]").item, "p2");
  auto o0 = Start("ocr[0]");
  ASSERT_THAT(o0.inputs, SizeIs(1));
  EXPECT_EQ(o0.inputs[0].task, "fetch");
  EXPECT_EQ(o0.inputs[0].file.path, "list.txt");
  SucceedWithFiles(o0, {{"out.txt", "one"}});
  SucceedWithFiles(Start("ocr[1]"), {{"out.txt", "two"}});
  auto join = Start("join");
  std::vector<std::string> from;
  for (const auto& in : join.inputs) from.push_back(in.task + "/" + in.file.path);
  EXPECT_THAT(from, ElementsAre("ocr[0]/out.txt", "ocr[1]/out.txt"));
}

TEST_F(FanOutTest, AMissingItemsFileFailsTheTask) {
  AddWorker("w1", 4);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: nofile}
spec:
  tasks:
    - {name: fetch, steps: [{commands: ["true"]}], outputs: {files: ["*.txt"]}}
    - {name: ocr, dependsOn: [fetch], forEach: {from: fetch, file: list.txt},
       steps: [{commands: ["true"]}]}
)");
  SucceedWithFiles(Start("fetch"), {{"other.txt", "x"}});
  EXPECT_EQ(StateOf(job, "ocr"), TaskState::kFailed);
  EXPECT_EQ(Task(job, "ocr").reason, "forEach: task fetch kept no file list.txt");
}

}  // namespace
}  // namespace pipegrid::master::testing
