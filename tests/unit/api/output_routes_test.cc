// The output routes over real sockets: listings from the manifest in an
// in-memory store, downloads from files in a temp outputs directory. Only
// manifest entries may ever be served, whatever the request path says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/http_server.h"
#include "api/routes.h"
#include "support/test_util.h"
#include "unit/api/api_fixture.h"
#include "unit/api/fake_store.h"
#include "unit/api/test_client.h"
#include "worker/task_files.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;
using ::pipegrid::api::testing::ClientResponse;
using ::pipegrid::api::testing::ErrorCode;
using ::pipegrid::api::testing::FakeStore;
using ::pipegrid::api::testing::Json;

constexpr const char* kJob = "01JOB";

// Bytes 0..255 over and over: binary, with NULs, and not all alike.
std::string Binary(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  return s;
}

class OutputRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::JobRecord job;
    job.id = kJob;
    job.name = "ocr-batch";
    job.namespace_ = "default";
    job.state = JobState::kRunning;
    store::TaskRecord fetch = Task("t1", "fetch");
    fetch.outputs = {Keep("fetch", "list.txt", "1\n2\n3\n"),
                     Keep("fetch", "pages/a b.txt", "page with a space\n"),
                     Keep("fetch", "pages/deep/bin.dat", Binary(4096))};
    store::TaskRecord instance = Task("t2", "ocr[0]");
    instance.parent = "ocr";
    instance.item_index = 0;
    instance.item = "1";
    instance.outputs = {Keep("ocr[0]", "out.txt", "page 1\n")};
    store::TaskRecord pending = Task("t3", "report");
    store::Batch b;
    b.put_jobs = {job};
    b.put_tasks = {fetch, instance, pending};
    ASSERT_TRUE(store_.Apply(b).ok());
    Serve(OutputsDir());
  }

  void Serve(std::string outputs_dir) {
    server_.reset();
    Router router;
    AddOutputRoutes(router, store_, std::move(outputs_dir));
    auto server = HttpServer::Start({}, std::move(router), clock_, stats_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  std::string OutputsDir() const { return dir_.Sub("outputs"); }

  static store::TaskRecord Task(std::string id, std::string name) {
    store::TaskRecord t;
    t.id = std::move(id);
    t.job_id = kJob;
    t.name = std::move(name);
    t.state = TaskState::kSucceeded;
    return t;
  }

  // Writes a kept file where the master keeps it, and its manifest entry.
  protocol::OutputFile Keep(const std::string& task, const std::string& path,
                            const std::string& content) {
    std::string full = WriteFile(std::string(kJob) + "/" + task + "/" + path, content);
    Result<std::string> sha = worker::Sha256File(full);
    EXPECT_TRUE(sha.ok());
    return {path, static_cast<int64_t>(content.size()), sha.ok() ? *sha : ""};
  }

  // A file under the outputs dir (`relative` may climb out of it).
  std::string WriteFile(const std::string& relative, const std::string& content) {
    std::filesystem::path full = std::filesystem::path(OutputsDir()) / relative;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary) << content;
    return full.lexically_normal().string();
  }

  void SetOutputs(const std::string& task_id, std::vector<protocol::OutputFile> outputs) {
    std::vector<store::TaskRecord> tasks = *store_.ListTasks(kJob);
    for (store::TaskRecord& t : tasks) {
      if (t.id != task_id) continue;
      t.outputs = std::move(outputs);
      store::Batch b;
      b.put_tasks = {t};
      ASSERT_TRUE(store_.Apply(b).ok());
    }
  }

  ClientResponse Get(const std::string& target) { return testing::Get(server_->port(), target); }

  void ExpectNotFound(const std::string& target) {
    ClientResponse res = Get(target);
    EXPECT_EQ(res.result(), http::status::not_found) << target << ": " << res.body();
    EXPECT_EQ(ErrorCode(res), "NOT_FOUND") << target;
    EXPECT_EQ(res[http::field::content_type], "application/json") << target;
  }

  pipegrid::testing::TempDir dir_;
  FakeClock clock_;
  FakeStore store_;
  std::shared_ptr<RequestStats> stats_ = std::make_shared<RequestStats>();
  std::unique_ptr<HttpServer> server_;
};

const std::string kFetch = "/api/v1/jobs/01JOB/tasks/fetch/outputs";

TEST_F(OutputRoutesTest, ListsTheManifest) {
  ClientResponse res = Get(kFetch);
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  json page = Json(res);
  ASSERT_EQ(page["items"].size(), 3u);
  EXPECT_TRUE(page["nextPageToken"].is_null());
  const json& first = page["items"][0];
  EXPECT_EQ(first["path"], "list.txt");
  EXPECT_EQ(first["size"], 6);
  // sha256("1\n2\n3\n")
  EXPECT_EQ(first["sha256"], "14c5e74c4b96ccef41cd94db73a9ec3348038ac094feca4fd897cecffa07cdae");
  EXPECT_EQ(page["items"][2]["path"], "pages/deep/bin.dat");
  EXPECT_EQ(page["items"][2]["size"], 4096);
}

TEST_F(OutputRoutesTest, ATaskWithoutOutputsListsNone) {
  json page = Json(Get("/api/v1/jobs/01JOB/tasks/report/outputs"));
  EXPECT_EQ(page["items"], json::array());
  EXPECT_TRUE(page["nextPageToken"].is_null());
}

TEST_F(OutputRoutesTest, UnknownJobOrTaskIsNotFound) {
  ExpectNotFound("/api/v1/jobs/nope/tasks/fetch/outputs");
  ExpectNotFound("/api/v1/jobs/01JOB/tasks/nope/outputs");
  ExpectNotFound("/api/v1/jobs/nope/tasks/fetch/outputs/list.txt");
  ExpectNotFound("/api/v1/jobs/01JOB/tasks/nope/outputs/list.txt");
}

TEST_F(OutputRoutesTest, DownloadsAFileWithLengthAndETag) {
  ClientResponse res = Get(kFetch + "/list.txt");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), "1\n2\n3\n");
  EXPECT_EQ(res[http::field::content_type], "application/octet-stream");
  EXPECT_EQ(res[http::field::content_length], "6");
  std::string sha = *worker::Sha256File(OutputsDir() + "/01JOB/fetch/list.txt");
  EXPECT_EQ(res[http::field::etag], "\"" + sha + "\"");
}

TEST_F(OutputRoutesTest, PathsMayHoldSlashesAndEncodedCharacters) {
  ClientResponse res = Get(kFetch + "/pages/a%20b.txt");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), "page with a space\n");
  res = Get(kFetch + "/pages/deep/bin.dat");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), Binary(4096));
}

TEST_F(OutputRoutesTest, InstanceNamesArePercentDecoded) {
  json page = Json(Get("/api/v1/jobs/01JOB/tasks/ocr%5B0%5D/outputs"));
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["path"], "out.txt");
  ClientResponse res = Get("/api/v1/jobs/01JOB/tasks/ocr%5B0%5D/outputs/out.txt");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), "page 1\n");
}

TEST_F(OutputRoutesTest, LargeFilesArriveIntact) {
  // Well past the size sent in one piece: read and sent in pieces.
  std::string big = Binary((3 << 20) + 12345);
  SetOutputs("t1", {Keep("fetch", "big.bin", big)});
  ClientResponse res = Get(kFetch + "/big.bin");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body().size(), big.size());
  EXPECT_TRUE(res.body() == big) << "the body differs from the file";
  EXPECT_EQ(res[http::field::content_type], "application/octet-stream");
  std::string sha = *worker::Sha256File(OutputsDir() + "/01JOB/fetch/big.bin");
  EXPECT_EQ(res[http::field::etag], "\"" + sha + "\"");
}

TEST_F(OutputRoutesTest, OnlyManifestEntriesAreServed) {
  // On disk beside the kept files, but not kept: never served.
  WriteFile("01JOB/fetch/stray.txt", "not an output\n");
  ExpectNotFound(kFetch + "/stray.txt");
  // Another task's file, and a prefix of a kept path.
  ExpectNotFound(kFetch + "/out.txt");
  ExpectNotFound(kFetch + "/pages");
  // A task that kept nothing.
  ExpectNotFound("/api/v1/jobs/01JOB/tasks/report/outputs/list.txt");
}

TEST_F(OutputRoutesTest, TraversalAttemptsAreNotFound) {
  WriteFile("01JOB/secret.txt", "job-level secret\n");
  WriteFile("secret.txt", "outputs-level secret\n");
  for (std::string path : {"../secret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
                           "../../secret.txt", "%2e%2e/%2e%2e/secret.txt", "pages/../list.txt",
                           "./list.txt", "%2Flist.txt", "pages//a%20b.txt"}) {
    ExpectNotFound(kFetch + "/" + path);
  }
}

TEST_F(OutputRoutesTest, AnUnsafeManifestEntryIsNeverOpened) {
  // A manifest that somehow names a path outside the task's directory: the
  // route refuses it even though the request matches it exactly.
  WriteFile("01JOB/secret.txt", "job-level secret\n");
  SetOutputs("t1", {{"../secret.txt", 17, std::string(64, '0')}});
  ExpectNotFound(kFetch + "/../secret.txt");
  ExpectNotFound(kFetch + "/%2e%2e/secret.txt");
}

TEST_F(OutputRoutesTest, AVanishedFileIsNotFound) {
  std::filesystem::remove(OutputsDir() + "/01JOB/fetch/list.txt");
  ExpectNotFound(kFetch + "/list.txt");
  // Its entry is still listed: the manifest is what the task kept.
  EXPECT_EQ(Json(Get(kFetch))["items"].size(), 3u);
}

TEST_F(OutputRoutesTest, AFileThatDiffersFromItsManifestIsAnError) {
  WriteFile("01JOB/fetch/list.txt", "1\n2\n");  // truncated behind the master's back
  ClientResponse res = Get(kFetch + "/list.txt");
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(ErrorCode(res), "INTERNAL");
}

TEST_F(OutputRoutesTest, WithoutAnOutputsDirDownloadsAreNotFound) {
  Serve("");
  EXPECT_EQ(Json(Get(kFetch))["items"].size(), 3u);
  ExpectNotFound(kFetch + "/list.txt");
}

// Through the whole ApiServer: ApiOptions::outputs_dir reaches the routes,
// and a streamed file survives the route timing and the HTTP session.
class OutputRoutesServerTest : public testing::ApiServerTest {};

TEST_F(OutputRoutesServerTest, ServesOutputsFromTheConfiguredDirectory) {
  std::string id = SubmitOk(testing::kOneTask);
  ASSERT_FALSE(id.empty());
  std::vector<store::TaskRecord> tasks = *store_->ListTasks(id);
  ASSERT_EQ(tasks.size(), 1u);
  std::string big = Binary((2 << 20) + 1);
  std::filesystem::path file = std::filesystem::path(OutputsDir()) / id / "main" / "d" / "big.bin";
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << big;
  std::string sha = *worker::Sha256File(file.string());
  tasks[0].outputs = {{"d/big.bin", static_cast<int64_t>(big.size()), sha}};
  store::Batch b;
  b.put_tasks = {tasks[0]};
  ASSERT_TRUE(store_->Apply(b).ok());

  const std::string base = "/api/v1/jobs/" + id + "/tasks/main/outputs";
  json page = Json(Get(base));
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["sha256"], sha);
  EXPECT_EQ(Json(Get("/api/v1/jobs/" + id))["tasks"][0]["outputs"], page["items"]);
  ClientResponse res = Get(base + "/d/big.bin");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_TRUE(res.body() == big) << "the body differs from the file";
  EXPECT_EQ(res[http::field::etag], "\"" + sha + "\"");
  // <outputs>/<job>/main/../../../pipegrid.db is the store: not in the manifest.
  EXPECT_EQ(Get(base + "/%2e%2e/%2e%2e/%2e%2e/pipegrid.db").result(), http::status::not_found);
}

}  // namespace
}  // namespace pipegrid::api
