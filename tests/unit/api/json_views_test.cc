#include "api/json_views.h"

#include <gtest/gtest.h>

#include <set>

#include "api/http_message.h"
#include "common/time_format.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

WallTime At(const char* rfc3339) { return *ParseTime(rfc3339); }

store::JobRecord MakeJob() {
  store::JobRecord j;
  j.id = "01JOB";
  j.name = "ocr-batch";
  j.namespace_ = "default";
  j.labels = {{"team", "data"}};
  j.priority = 5;
  j.state = JobState::kRunning;
  j.created_at = At("2026-11-23T14:05:00.123Z");
  j.started_at = At("2026-11-23T14:05:01.000Z");
  return j;
}

store::TaskRecord MakeTask(std::string id, std::string name, int index, TaskState state) {
  store::TaskRecord t;
  t.id = std::move(id);
  t.job_id = "01JOB";
  t.name = std::move(name);
  t.index = index;
  t.state = state;
  return t;
}

TEST(JsonViewsTest, JobSummaryHasExactlyTheDesignFields) {
  json j = JobSummaryJson(MakeJob(), std::vector<store::TaskRecord>{});
  EXPECT_EQ(Keys(j), (std::set<std::string>{"id", "name", "namespace", "externalId", "labels",
                                            "priority", "state", "reason", "createdAt", "startedAt",
                                            "finishedAt", "counters"}));
  EXPECT_EQ(j["id"], "01JOB");
  EXPECT_EQ(j["namespace"], "default");
  EXPECT_EQ(j["labels"], (json{{"team", "data"}}));
  EXPECT_EQ(j["priority"], 5);
  EXPECT_EQ(j["state"], "RUNNING");
  EXPECT_EQ(j["createdAt"], "2026-11-23T14:05:00.123Z");
  EXPECT_EQ(j["startedAt"], "2026-11-23T14:05:01.000Z");
  // Unset values are null, not absent and not "".
  EXPECT_TRUE(j["externalId"].is_null());
  EXPECT_TRUE(j["reason"].is_null());
  EXPECT_TRUE(j["finishedAt"].is_null());
}

TEST(JsonViewsTest, EmptyLabelsAreAnObject) {
  store::JobRecord job = MakeJob();
  job.labels.clear();
  EXPECT_TRUE(JobSummaryJson(job, std::vector<store::TaskRecord>{})["labels"].is_object());
}

TEST(JsonViewsTest, CountersHaveEveryTaskStateWithZeros) {
  std::vector<store::TaskRecord> tasks = {MakeTask("t1", "a", 0, TaskState::kSucceeded),
                                          MakeTask("t2", "b", 1, TaskState::kRunning),
                                          MakeTask("t3", "c", 2, TaskState::kRunning)};
  json counters = TaskCountersJson(tasks);
  EXPECT_EQ(counters, json::parse(R"({"PENDING": 0, "QUEUED": 0, "ASSIGNED": 0,
      "RUNNING": 2, "RETRYING": 0, "SUCCEEDED": 1, "FAILED": 0, "CANCELLED": 0,
      "SKIPPED": 0})"));
  // From counts (a job list), the same keys whatever the store left out.
  EXPECT_EQ(TaskCountersJson(std::map<std::string, int64_t>{{"RUNNING", 2}, {"SUCCEEDED", 1}}),
            counters);
}

TEST(JsonViewsTest, JobWithTasksInSpecOrderAndAttemptsByNumber) {
  store::TaskRecord fetch = MakeTask("t1", "fetch", 0, TaskState::kSucceeded);
  fetch.worker = "w1";
  store::TaskRecord ocr = MakeTask("t2", "ocr", 1, TaskState::kPending);
  ocr.depends_on = {"fetch"};

  store::AttemptRecord a2;
  a2.id = "a2";
  a2.task_id = "t1";
  a2.number = 2;
  a2.worker = "w1";
  a2.outcome = Outcome::kSucceeded;
  a2.exit_code = 0;
  a2.started_at = At("2026-11-23T14:06:00.000Z");
  a2.finished_at = At("2026-11-23T14:06:02.500Z");
  store::AttemptRecord a1 = a2;
  a1.id = "a1";
  a1.number = 1;
  a1.outcome = Outcome::kSignal;
  a1.exit_code.reset();
  a1.signal = 9;

  // Out of order on purpose: the view orders tasks by index, attempts by number.
  json j = JobJson(MakeJob(), {ocr, fetch}, {a2, a1});
  ASSERT_EQ(j["tasks"].size(), 2u);
  json t0 = j["tasks"][0];
  EXPECT_EQ(Keys(t0),
            (std::set<std::string>{"id", "name", "state", "reason", "dependsOn", "worker",
                                   "attempts", "parent", "item", "itemIndex", "outputs"}));
  // Not an instance, nothing kept: null, and an empty array.
  EXPECT_TRUE(t0["parent"].is_null());
  EXPECT_TRUE(t0["item"].is_null());
  EXPECT_TRUE(t0["itemIndex"].is_null());
  EXPECT_EQ(t0["outputs"], json::array());
  EXPECT_EQ(t0["name"], "fetch");
  EXPECT_EQ(t0["worker"], "w1");
  EXPECT_EQ(t0["dependsOn"], json::array());
  ASSERT_EQ(t0["attempts"].size(), 2u);
  json first = t0["attempts"][0];
  EXPECT_EQ(Keys(first), (std::set<std::string>{"id", "number", "worker", "outcome", "exitCode",
                                                "signal", "startedAt", "finishedAt"}));
  EXPECT_EQ(first["number"], 1);
  EXPECT_EQ(first["outcome"], "signal");
  EXPECT_TRUE(first["exitCode"].is_null());
  EXPECT_EQ(first["signal"], 9);
  json second = t0["attempts"][1];
  EXPECT_EQ(second["outcome"], "succeeded");
  EXPECT_EQ(second["exitCode"], 0);
  EXPECT_TRUE(second["signal"].is_null());
  EXPECT_EQ(second["finishedAt"], "2026-11-23T14:06:02.500Z");

  json t1 = j["tasks"][1];
  EXPECT_EQ(t1["name"], "ocr");
  EXPECT_EQ(t1["dependsOn"], json::array({"fetch"}));
  EXPECT_TRUE(t1["worker"].is_null());
  EXPECT_EQ(t1["attempts"], json::array());
  EXPECT_EQ(j["counters"]["SUCCEEDED"], 1);
  EXPECT_EQ(j["counters"]["PENDING"], 1);
}

TEST(JsonViewsTest, InstancesCarryParentItemAndOutputs) {
  store::TaskRecord ocr = MakeTask("t2", "ocr", 1, TaskState::kSucceeded);
  std::vector<store::TaskRecord> tasks = {ocr};
  // Stored out of order, and past 9 so that name order would be wrong.
  for (int i : {10, 2, 0}) {
    store::TaskRecord t = MakeTask("t2-" + std::to_string(i), "ocr[" + std::to_string(i) + "]", 1,
                                   TaskState::kSucceeded);
    t.parent = "ocr";
    t.item_index = i;
    t.item = "page " + std::to_string(i);
    tasks.push_back(t);
  }
  tasks[3].item = "";  // a literal items entry may be empty: still an item, not null
  tasks[1].outputs = {{"out.txt", 12, std::string(64, 'a')}, {"sub/dir/x.bin", 0, "e3b0"}};
  store::TaskRecord fetch = MakeTask("t1", "fetch", 0, TaskState::kSucceeded);
  tasks.push_back(fetch);

  json j = JobJson(MakeJob(), tasks, {});
  std::vector<std::string> names;
  for (const json& t : j["tasks"]) names.push_back(t["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"fetch", "ocr", "ocr[0]", "ocr[2]", "ocr[10]"}));

  const json& parent = j["tasks"][1];
  EXPECT_TRUE(parent["parent"].is_null());
  EXPECT_TRUE(parent["itemIndex"].is_null());
  const json& ten = j["tasks"][4];
  EXPECT_EQ(ten["parent"], "ocr");
  EXPECT_EQ(ten["item"], "page 10");
  EXPECT_EQ(ten["itemIndex"], 10);
  EXPECT_EQ(ten["outputs"], json::parse(R"([
      {"path": "out.txt", "size": 12, "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
      {"path": "sub/dir/x.bin", "size": 0, "sha256": "e3b0"}])"));
  const json& zero = j["tasks"][2];
  EXPECT_EQ(zero["item"], "");
  EXPECT_EQ(zero["itemIndex"], 0);
  EXPECT_EQ(zero["outputs"], json::array());
}

TEST(JsonViewsTest, UnfinishedAttemptHasNullOutcomeAndTimes) {
  store::TaskRecord t = MakeTask("t1", "a", 0, TaskState::kAssigned);
  store::AttemptRecord a;
  a.id = "a1";
  a.task_id = "t1";
  a.number = 1;
  json j = JobJson(MakeJob(), {t}, {a})["tasks"][0]["attempts"][0];
  EXPECT_EQ(j["id"], "a1");
  EXPECT_TRUE(j["outcome"].is_null());
  EXPECT_TRUE(j["worker"].is_null());
  EXPECT_TRUE(j["exitCode"].is_null());
  EXPECT_TRUE(j["startedAt"].is_null());
  EXPECT_TRUE(j["finishedAt"].is_null());
}

// The job is written as text, not built as a tree: it must print exactly
// what dumping the equivalent tree prints (sorted keys, the same escapes).
TEST(JsonViewsTest, JobTextIsWhatDumpingItsTreePrints) {
  store::JobRecord job = MakeJob();
  job.reason = "line\nbreak \"quoted\" tab\t ctl\x01 caf\xc3\xa9 bad\xff";
  job.external_id = "ext-1";
  job.finished_at = At("2026-11-23T14:07:00.000Z");
  store::TaskRecord t = MakeTask("t1", "\xe6\x97\xa5\xe6\x9c\xac", 0, TaskState::kFailed);
  t.depends_on = {"x", "y\\z"};
  t.outputs = {{"a b/\"c\".txt", 7, "ff"}};
  t.parent = "p";
  t.item = "";
  t.item_index = 3;
  store::AttemptRecord a;
  a.id = "a1";
  a.task_id = "t1";
  a.outcome = Outcome::kExit;
  a.exit_code = -1;
  a.signal = 15;
  std::string text = JobJsonText(job, {t}, {a});
  json tree = json::parse(text);
  EXPECT_EQ(DumpJson(tree), text);
  // Invalid UTF-8 is replaced (U+FFFD), as DumpJson does, never thrown on.
  EXPECT_NE(tree["reason"].get<std::string>().find("bad\xef\xbf\xbd"), std::string::npos);
  EXPECT_EQ(tree["tasks"][0]["dependsOn"], json::array({"x", "y\\z"}));
  EXPECT_EQ(tree["tasks"][0]["attempts"][0]["exitCode"], -1);
}

// Attempts are matched to their tasks in one pass; a finished job of many
// tasks used to compare every task with every attempt.
TEST(JsonViewsTest, EachTaskGetsOnlyItsOwnAttempts) {
  std::vector<store::TaskRecord> tasks;
  std::vector<store::AttemptRecord> attempts;
  for (int i = 0; i < 3; ++i) {
    tasks.push_back(MakeTask("t" + std::to_string(i), "n" + std::to_string(i), i,
                             TaskState::kSucceeded));
    for (int n = 1; n <= i + 1; ++n) {
      store::AttemptRecord a;
      a.id = "a" + std::to_string(i) + "-" + std::to_string(n);
      a.task_id = tasks.back().id;
      a.number = n;
      attempts.insert(attempts.begin(), a);  // newest first: the view sorts
    }
  }
  json j = JobJson(MakeJob(), tasks, attempts);
  for (int i = 0; i < 3; ++i) {
    const json& list = j["tasks"][i]["attempts"];
    ASSERT_EQ(list.size(), static_cast<size_t>(i + 1));
    for (int n = 1; n <= i + 1; ++n) {
      EXPECT_EQ(list[n - 1]["id"], "a" + std::to_string(i) + "-" + std::to_string(n));
    }
  }
}

TEST(JsonViewsTest, Worker) {
  master::WorkerInfo w;
  w.name = "w1";
  w.state = WorkerState::kDraining;
  w.labels = {{"pipegrid.io/zone", "a"}};
  w.slots = 4;
  w.slots_free = 1;
  w.cpu = 2.5;
  w.memory = 1LL << 30;
  w.version = "0.1.0";
  w.last_heartbeat_at = At("2026-11-23T14:05:00.000Z");
  w.connected = true;
  w.running = 3;
  json j = WorkerJson(w);
  EXPECT_EQ(j, json::parse(R"({"name": "w1", "state": "DRAINING",
      "labels": {"pipegrid.io/zone": "a"}, "slots": 4, "slotsFree": 1, "cpu": 2.5,
      "memory": 1073741824, "version": "0.1.0",
      "lastHeartbeatAt": "2026-11-23T14:05:00.000Z", "connected": true, "running": 3})"));
}

TEST(JsonViewsTest, DeadLetter) {
  store::DeadLetterRecord d{"t1",
                            "j1",
                            "team-a",
                            "ocr[0]",
                            3,
                            Outcome::kExit,
                            "step 1 exited with 2",
                            At("2026-11-23T14:05:00.007Z")};
  EXPECT_EQ(DeadLetterJson(d), json::parse(R"({"taskId": "t1", "jobId": "j1",
      "namespace": "team-a", "task": "ocr[0]", "attempts": 3, "outcome": "exit",
      "reason": "step 1 exited with 2", "failedAt": "2026-11-23T14:05:00.007Z"})"));
}

TEST(JsonViewsTest, EventWithNullsForWhatItIsNotAbout) {
  store::EventRecord e;
  e.seq = 42;
  e.time = At("2026-11-23T14:05:00.000Z");
  e.job_id = "j1";
  e.type = "job";
  e.to = "PENDING";
  EXPECT_EQ(EventJson(e), json::parse(R"({"seq": 42, "time": "2026-11-23T14:05:00.000Z",
      "jobId": "j1", "task": null, "attempt": null, "worker": null, "type": "job",
      "from": null, "to": "PENDING", "reason": null})"));

  e.task = "fetch";
  e.attempt = 2;
  e.worker = "w1";
  e.type = "attempt";
  e.from = "RUNNING";
  e.to = "exit";
  json j = EventJson(e);
  EXPECT_EQ(j["task"], "fetch");
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_EQ(j["from"], "RUNNING");
}

TEST(JsonViewsTest, ListWithAndWithoutToken) {
  EXPECT_EQ(ListJson(json::array({1}), "01X"),
            json::parse(R"({"items": [1], "nextPageToken": "01X"})"));
  EXPECT_EQ(ListJson(json::array(), std::nullopt),
            json::parse(R"({"items": [], "nextPageToken": null})"));
}

}  // namespace
}  // namespace pipegrid::api
