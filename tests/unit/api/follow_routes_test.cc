// Live follow of logs and events over real sockets, with real tasks: a task
// blocks on a FIFO (LiveApiTest::Gate) until the test has seen its first
// output, which proves the output arrived while the task was still running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "unit/api/live_fixture.h"

namespace pipegrid::api {
namespace {

using ::pipegrid::api::testing::ClientResponse;
using ::pipegrid::api::testing::ParseSse;
using ::pipegrid::api::testing::SseMessage;
using ::pipegrid::api::testing::StreamClient;
using ::testing::HasSubstr;

class FollowRoutesTest : public testing::LiveApiTest {
 protected:
  std::string LogsPath(const std::string& id, const std::string& query = "follow=true") {
    return "/api/v1/jobs/" + id + "/tasks/main/logs?" + query;
  }
};

const StreamClient::Headers kSse = {{"Accept", "text/event-stream"}};

// The events of an SSE body, keepalive comments left out.
std::vector<SseMessage> Events(const std::string& body) {
  std::vector<SseMessage> out;
  for (SseMessage& m : ParseSse(body)) {
    if (!m.comment) out.push_back(std::move(m));
  }
  return out;
}

TEST_F(FollowRoutesTest, LogOutputArrivesWhileTheTaskRunsThenTheStreamEnds) {
  Gate gate(dir_.Sub("gate"));
  std::string id = Submit("echo first; read x < " + gate.path() + "; echo second");
  StreamClient logs(port(), LogsPath(id));
  EXPECT_EQ(logs.response().result(), http::status::ok);
  EXPECT_EQ(logs.response()[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_TRUE(logs.response().chunked());

  ASSERT_TRUE(logs.ReadUntilContains("first\n")) << logs.error().message();
  EXPECT_FALSE(logs.done());
  EXPECT_EQ(TaskStateOf(id), "RUNNING");  // blocked on the gate
  gate.Open();
  ASSERT_TRUE(logs.ReadToEnd()) << logs.error().message();
  EXPECT_EQ(logs.body(), "first\nsecond\n");
  EXPECT_EQ(TaskStateOf(id), "SUCCEEDED");
}

TEST_F(FollowRoutesTest, SseLogFollowsARetryAndEndsWithTheTaskState) {
  Gate gate(dir_.Sub("gate"));
  std::string id =
      Submit("echo try $PIPEGRID_ATTEMPT; if [ $PIPEGRID_ATTEMPT = 1 ]; then read x < " +
                 gate.path() + "; exit 3; fi",
             "      retry: {limit: 1, backoff: {initial: 10ms}}\n");
  StreamClient logs(port(), LogsPath(id), kSse);
  EXPECT_EQ(logs.response()[http::field::content_type], "text/event-stream; charset=utf-8");
  ASSERT_TRUE(logs.ReadUntilContains("data: try 1\n")) << logs.error().message();
  gate.Open();
  ASSERT_TRUE(logs.ReadToEnd()) << logs.error().message();

  // Pieces may be split or merged: gather each attempt's log text.
  std::vector<std::string> sequence;
  std::map<int, std::string> text;
  int attempt = 0;
  for (const SseMessage& m : Events(logs.body())) {
    if (m.event == "log") {
      text[attempt] += m.data;
      EXPECT_EQ(m.id.rfind(std::to_string(attempt) + ":", 0), 0u) << m.id;
      continue;
    }
    sequence.push_back(m.event + " " + m.data);
    if (m.event == "attempt") attempt = nlohmann::json::parse(m.data)["number"];
  }
  EXPECT_THAT(sequence, ::testing::ElementsAre("attempt {\"number\":1}", "attempt {\"number\":2}",
                                               "end {\"state\":\"SUCCEEDED\"}"));
  EXPECT_EQ(text[1], "try 1\n");
  EXPECT_EQ(text[2], "try 2\n");
}

TEST_F(FollowRoutesTest, SseLogResumesFromLastEventIdAndSays204WhenAllWasSeen) {
  std::string id = Submit("printf abcdef");
  WaitFinished(id);
  StreamClient resumed(port(), LogsPath(id),
                       {{"Accept", "text/event-stream"}, {"Last-Event-ID", "1:2"}});
  ASSERT_TRUE(resumed.ReadToEnd());
  std::vector<SseMessage> events = Events(resumed.body());
  ASSERT_EQ(events.size(), 2u) << resumed.body();
  EXPECT_EQ(events[0].event, "log");
  EXPECT_EQ(events[0].id, "1:6");
  EXPECT_EQ(events[0].data, "cdef");
  EXPECT_EQ(events[1].event, "end");

  StreamClient again(port(), LogsPath(id),
                     {{"Accept", "text/event-stream"}, {"Last-Event-ID", "1:6"}});
  EXPECT_EQ(again.response().result(), http::status::no_content);
  StreamClient bad(port(), LogsPath(id),
                   {{"Accept", "text/event-stream"}, {"Last-Event-ID", "7:0"}});
  EXPECT_EQ(bad.response().result(), http::status::bad_request);
}

TEST_F(FollowRoutesTest, FollowOfAFinishedTaskSendsItsLogAndEnds) {
  std::string id = Submit("echo done");
  WaitFinished(id);
  StreamClient logs(port(), LogsPath(id));
  ASSERT_TRUE(logs.ReadToEnd());
  EXPECT_EQ(logs.body(), "done\n");
  // Without follow: the file as it is, not streamed.
  ClientResponse plain = testing::Get(port(), LogsPath(id, "follow=false"));
  EXPECT_EQ(plain.body(), "done\n");
  EXPECT_FALSE(plain.chunked());
}

TEST_F(FollowRoutesTest, BadFollowRequestsAreRefusedBeforeStreaming) {
  std::string id = Submit("true");
  EXPECT_EQ(testing::Get(port(), LogsPath(id, "follow=yes")).result(), http::status::bad_request);
  EXPECT_EQ(testing::Get(port(), "/api/v1/jobs/" + id + "/tasks/nope/logs?follow=true").result(),
            http::status::not_found);
  EXPECT_EQ(testing::Get(port(), "/api/v1/jobs/nope/events?follow=true").result(),
            http::status::not_found);
  StreamClient bad(port(), "/api/v1/events?follow=true", {{"Last-Event-ID", "x"}});
  EXPECT_EQ(bad.response().result(), http::status::bad_request);
}

TEST_F(FollowRoutesTest, JobEventsStreamLiveAndEndOnceTheJobIsFinished) {
  Gate gate(dir_.Sub("gate"));
  std::string id = Submit("read x < " + gate.path());
  StreamClient events(port(), "/api/v1/jobs/" + id + "/events?follow=true");
  EXPECT_EQ(events.response()[http::field::content_type], "text/event-stream; charset=utf-8");
  ASSERT_TRUE(events.ReadUntilContains("\"to\":\"RUNNING\"")) << events.error().message();
  EXPECT_FALSE(events.done());
  gate.Open();
  ASSERT_TRUE(events.ReadToEnd()) << events.error().message();

  int64_t last = 0;
  std::vector<SseMessage> all = Events(events.body());
  ASSERT_GE(all.size(), 3u);
  for (const SseMessage& m : all) {
    int64_t seq = std::stoll(m.id);
    EXPECT_GT(seq, last);  // ids strictly increase
    last = seq;
    nlohmann::json e = nlohmann::json::parse(m.data);
    EXPECT_EQ(e["seq"], seq);
    EXPECT_EQ(e["type"], m.event);
    EXPECT_EQ(e["jobId"], id);
  }
  nlohmann::json final_event = nlohmann::json::parse(all.back().data);
  EXPECT_EQ(final_event["type"], "job");
  EXPECT_EQ(final_event["to"], "SUCCEEDED");

  // Resuming: only what came after; once everything was seen, 204.
  StreamClient resumed(port(), "/api/v1/jobs/" + id + "/events?follow=true",
                       {{"Last-Event-ID", all[1].id}});
  ASSERT_TRUE(resumed.ReadToEnd());
  std::vector<SseMessage> rest = Events(resumed.body());
  ASSERT_EQ(rest.size(), all.size() - 2);
  EXPECT_EQ(rest.front().id, all[2].id);
  StreamClient since(port(), "/api/v1/jobs/" + id + "/events?follow=true&since=" + all.back().id);
  EXPECT_EQ(since.response().result(), http::status::no_content);
}

TEST_F(FollowRoutesTest, AllEventsStartFromNowAndKeepTheConnectionAlive) {
  std::string before = Submit("true");
  WaitFinished(before);
  StreamClient events(port(), "/api/v1/events?follow=true");
  // Quiet: only heartbeats (200ms in this fixture) until something happens.
  ASSERT_TRUE(events.ReadUntilContains(": keepalive\n\n")) << events.error().message();
  std::string after = Submit("true");
  ASSERT_TRUE(events.ReadUntilContains("\"to\":\"SUCCEEDED\",\"type\":\"job\"")) << events.body();
  EXPECT_THAT(events.body(), HasSubstr(after));
  EXPECT_THAT(events.body(), ::testing::Not(HasSubstr(before)));
}

TEST_F(FollowRoutesTest, AClientLeavingFreesItsSubscription) {
  Gate gate(dir_.Sub("gate"));
  std::string id = Submit("read x < " + gate.path());
  {
    StreamClient events(port(), "/api/v1/jobs/" + id + "/events?follow=true");
    ASSERT_TRUE(events.ReadUntilContains("id: "));
    EXPECT_EQ(changes_.subscribers(), 1u);
    events.Close();
  }
  // The server notices the hang-up by itself, not at its next write (there
  // is none while the task waits). Nothing to wait on from here but the
  // count: poll it, bounded, as tests of real sockets may.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (changes_.subscribers() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(changes_.subscribers(), 0u);
  gate.Open();
}

TEST_F(FollowRoutesTest, StopEndsOpenStreamsAtOnce) {
  Gate gate(dir_.Sub("gate"));
  std::string id = Submit("read x < " + gate.path());
  StreamClient logs(port(), LogsPath(id));
  StreamClient events(port(), "/api/v1/jobs/" + id + "/events?follow=true");
  ASSERT_TRUE(events.ReadUntilContains("id: "));
  api_->Stop();
  EXPECT_FALSE(logs.ReadToEnd());
  EXPECT_FALSE(events.ReadToEnd());
  // Ended by the server closing, not by the client's safety timeout.
  for (const auto* c : {&logs, &events}) {
    EXPECT_NE(c->error(), boost::asio::error::would_block) << c->error().message();
    EXPECT_NE(c->error(), boost::asio::error::try_again) << c->error().message();
  }
  api_.reset();
  EXPECT_EQ(changes_.subscribers(), 0u);
  gate.Open();
}

}  // namespace
}  // namespace pipegrid::api
