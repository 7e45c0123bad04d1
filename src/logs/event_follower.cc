#include "logs/event_follower.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "logs/sse.h"

namespace pipegrid::logs {

EventFollower::EventFollower(store::Store& store, ChangeFeed& changes, EventJsonFn to_json,
                             EventFollowOptions options)
    : store_(store),
      changes_(changes),
      to_json_(std::move(to_json)),
      options_(std::move(options)),
      since_(options_.since),
      skipped_(!options_.from_latest) {}

void EventFollower::Start(std::function<void()> wake) {
  // Subscribed before the first read, so nothing committed after it is missed.
  subscription_ = changes_.Subscribe(options_.job_id, std::move(wake));
}

Piece EventFollower::Next() {
  if (!skipped_) {
    if (Status s = SkipHistory(); !s.ok()) {
      spdlog::warn("event follow ended: {}", s.ToString());
      return Piece::End();
    }
    skipped_ = true;
  }
  bool job_finished = false;
  if (!options_.job_id.empty()) {
    Result<std::optional<store::JobRecord>> job = store_.GetJob(options_.job_id);
    if (!job.ok())
      spdlog::warn("event follow ended: {} job={}", job.status().ToString(), options_.job_id);
    if (!job.ok() || !*job) return Piece::End();  // deleted: nothing more will come
    job_finished = IsFinished((*job)->state);
  }
  store::EventFilter filter{options_.job_id, since_, options_.page};
  Result<std::vector<store::EventRecord>> events = store_.ListEvents(filter);
  if (!events.ok()) {
    spdlog::warn("event follow ended: {} job={}", events.status().ToString(), options_.job_id);
    return Piece::End();
  }
  if (events->empty()) return job_finished ? Piece::End() : Piece::Wait();
  std::string out;
  for (const store::EventRecord& e : *events) {
    out += SseEvent(std::to_string(e.seq), e.type, to_json_(e));
    since_ = e.seq;
  }
  return Piece::Data(std::move(out));
}

Status EventFollower::SkipHistory() {
  // Only events after the newest committed one; a job's follower filters by
  // job when it reads, so the global position is right for it too.
  PG_ASSIGN_OR_RETURN(int64_t last, store_.LastEventSeq());
  since_ = std::max(since_, last);
  return Status::Ok();
}

}  // namespace pipegrid::logs
