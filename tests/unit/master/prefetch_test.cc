// Prefetch (src/master/dispatch.cc): a worker that declares `prefetch` is
// given that many assignments beyond its slots, only once no worker has a
// free slot; the tasks stay ASSIGNED until the worker reports them started.
#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::testing::SizeIs;

std::string FanOut(int n) {
  std::string yaml =
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: fan}\nspec:\n  tasks:\n";
  for (int i = 1; i <= n; ++i) {
    yaml += "    - {name: t" + std::to_string(i) + ", steps: [{commands: [\"true\"]}]}\n";
  }
  return yaml;
}

class PrefetchTest : public SchedulerTest {
 protected:
  static WorkerRegistration Reg(const std::string& name, int slots, int prefetch) {
    WorkerRegistration reg;
    reg.name = name;
    reg.instance_id = name + "-instance";
    reg.slots = slots;
    reg.prefetch = prefetch;
    return reg;
  }
  int CountIn(const std::string& job, TaskState state, int n) {
    int count = 0;
    for (int i = 1; i <= n; ++i) count += StateOf(job, "t" + std::to_string(i)) == state;
    return count;
  }
};

TEST_F(PrefetchTest, AWorkerHoldsItsSlotsPlusItsPrefetch) {
  ASSERT_TRUE(Connect(Reg("w1", 2, 3), &worker_).ok());
  std::string job = Submit(FanOut(8));

  EXPECT_THAT(worker_.assigned, SizeIs(5));
  EXPECT_EQ(CountIn(job, TaskState::kAssigned, 8), 5);
  EXPECT_EQ(CountIn(job, TaskState::kQueued, 8), 3);
  WorkerInfo w = Worker("w1");
  EXPECT_EQ(w.slots_free, 0);  // never below 0 in the API
  EXPECT_EQ(w.running, 5);
}

TEST_F(PrefetchTest, EachFinishedAttemptIsReplacedSoTheWorkerStaysFull) {
  ASSERT_TRUE(Connect(Reg("w1", 1, 1), &worker_).ok());
  std::string job = Submit(FanOut(4));
  ASSERT_THAT(worker_.assigned, SizeIs(2));

  RunTask("t1");
  // t1's slot went to the prefetched t2 on the worker; t3 refills the prefetch.
  EXPECT_EQ(AssignedTasks(), (std::vector<std::string>{"t2", "t3"}));
  RunTask("t2");
  RunTask("t3");
  RunTask("t4");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
}

TEST_F(PrefetchTest, FreeSlotsElsewhereAreFilledBeforeAnyPrefetch) {
  FakeWorker other;
  ASSERT_TRUE(Connect(Reg("w1", 1, 4), &worker_).ok());
  ASSERT_TRUE(Connect(Reg("w2", 1, 4), &other).ok());
  Submit(FanOut(2));

  EXPECT_THAT(worker_.assigned, SizeIs(1));
  EXPECT_THAT(other.assigned, SizeIs(1));
}

TEST_F(PrefetchTest, WithoutPrefetchAWorkerGetsOnlyItsSlots) {
  ASSERT_TRUE(Connect(Reg("w1", 2, 0), &worker_).ok());
  Submit(FanOut(5));
  EXPECT_THAT(worker_.assigned, SizeIs(2));
}

TEST_F(PrefetchTest, AWorkerWithoutSlotsGetsNothingWhateverItsPrefetch) {
  ASSERT_TRUE(Connect(Reg("w1", 0, 5), &worker_).ok());
  std::string job = Submit(FanOut(2));
  EXPECT_THAT(worker_.assigned, SizeIs(0));
  EXPECT_EQ(StateOf(job, "t1"), TaskState::kQueued);
}

TEST_F(PrefetchTest, NegativePrefetchIsRefused) {
  EXPECT_THAT(Connect(Reg("w1", 1, -1), &worker_),
              pipegrid::testing::StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(PrefetchTest, AReconnectingWorkersWaitingAttemptStaysAssigned) {
  ASSERT_TRUE(Connect(Reg("w1", 1, 1), &worker_).ok());
  std::string job = Submit(FanOut(2));
  ASSERT_THAT(worker_.assigned, SizeIs(2));
  protocol::Assignment running = Start("t1");
  protocol::Assignment waiting = worker_.assigned.front();

  // The same worker comes back on a new stream: t1 runs, t2 still waits.
  FakeWorker again;
  WorkerRegistration reg = Reg("w1", 1, 1);
  reg.running.push_back({running.attempt_id, 77, clock_.Wall(), false});
  reg.running.push_back({waiting.attempt_id, 0, clock_.Wall(), true});
  Result<WorkerSession> session = Connect(std::move(reg), &again);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_THAT(session->adopt, SizeIs(2));
  EXPECT_EQ(StateOf(job, "t1"), TaskState::kRunning);
  EXPECT_EQ(StateOf(job, "t2"), TaskState::kAssigned);
}

}  // namespace
}  // namespace pipegrid::master::testing
