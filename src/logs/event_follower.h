// EventFollower: the body of GET /events?follow=true and
// GET /jobs/{id}/events?follow=true, as server-sent events:
//   id: <seq>
//   event: <type>            (job, task, attempt)
//   data: <the Event JSON>
//
// History first (paged, oldest first, from `since`), then each event as it is
// committed. A job's stream ends once the job is finished and every event up
// to that point is sent; the stream of all jobs lasts until the client leaves.
// Woken by a ChangeFeed subscription (the job, or every commit with events).
//
// Why the order of reads is safe: a job's final events are committed with its
// finished state, so the job is read first and its events second; if it was
// finished then, the events read afterwards include its last ones.
//
// Thread-safety: a Stream (see logs/stream.h); the store and the feed must
// outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "logs/change_feed.h"
#include "logs/stream.h"
#include "store/store.h"

namespace pipegrid::logs {

struct EventFollowOptions {
  std::string job_id;  // empty: every job
  int64_t since = 0;   // send events with seq > since
  // Skip the history: start after the latest event there is now (the default
  // of the all-jobs stream without since or Last-Event-ID).
  bool from_latest = false;
  int page = 500;  // events per store read (and per piece)
};

// Renders an event as the JSON of its `data:` line (one line: no newlines).
using EventJsonFn = std::function<std::string(const store::EventRecord&)>;

class EventFollower final : public Stream {
 public:
  EventFollower(store::Store& store, ChangeFeed& changes, EventJsonFn to_json,
                EventFollowOptions options);

  void Start(std::function<void()> wake) override;
  Piece Next() override;

 private:
  // Moves since_ past every event committed so far.
  Status SkipHistory();

  store::Store& store_;
  ChangeFeed& changes_;
  const EventJsonFn to_json_;
  const EventFollowOptions options_;
  ChangeFeed::Subscription subscription_;
  int64_t since_;
  bool skipped_ = false;
};

}  // namespace pipegrid::logs
