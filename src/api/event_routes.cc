// GET /jobs/{id}/events and /events: the event history, oldest first, paged
// by sequence number.
//
// With follow=true (and live sources) the answer is an SSE stream
// (logs::EventFollower): `id: <seq>`, `event: <type>`, `data: <Event JSON>`,
// resumable with the Last-Event-ID header (or since=), a ": keepalive"
// comment on a quiet stream. Where it starts: after Last-Event-ID or since=
// when given; otherwise a job's stream from its first event, and the stream
// of all jobs from now on (a client loads the current state first, then
// follows changes; since=0 asks for the whole history). A job's stream ends
// once the job is finished and its last events are sent; a reconnect after
// that gets 204, which tells EventSource to stop reconnecting.
#include <charconv>
#include <string>

#include "api/access.h"
#include "api/api_server.h"
#include "api/errors.h"
#include "api/json_views.h"
#include "api/list_params.h"
#include "api/routes.h"
#include "logs/event_follower.h"
#include "logs/sse.h"

namespace pipegrid::api {
namespace {

Result<nlohmann::json> ListEvents(store::Store& store, const Request& request,
                                  const std::string& job_id) {
  PG_ASSIGN_OR_RETURN(store::EventFilter filter, ParseEventFilter(request));
  if (!job_id.empty()) {
    // An unknown job is a 404, not an empty history.
    PG_RETURN_IF_ERROR(FindVisibleJob(store, request, job_id).status());
    filter.job_id = job_id;
  }
  int limit = filter.limit;
  filter.limit = limit + 1;  // one more than asked: is there another page?
  PG_ASSIGN_OR_RETURN(std::vector<store::EventRecord> events, store.ListEvents(filter));
  std::optional<std::string> token =
      TakePage(events, limit, [](const store::EventRecord& e) { return std::to_string(e.seq); });
  nlohmann::json items = nlohmann::json::array();
  for (const store::EventRecord& e : events) items.push_back(EventJson(e));
  return ListJson(std::move(items), token);
}

// Where a followed stream starts: Last-Event-ID (a reconnecting EventSource)
// wins over since=; nullopt when neither is given.
Result<std::optional<int64_t>> ResumePoint(const Request& request) {
  std::string_view last = request.Header("Last-Event-ID");
  if (last.empty()) {
    if (!request.Query("since") && !request.Query("after")) return std::optional<int64_t>();
    PG_ASSIGN_OR_RETURN(store::EventFilter filter, ParseEventFilter(request));
    return std::optional<int64_t>(filter.since);
  }
  int64_t seq = 0;
  auto [end, ec] = std::from_chars(last.data(), last.data() + last.size(), seq);
  if (ec != std::errc() || end != last.data() + last.size() || seq < 0) {
    return InvalidArgument("Last-Event-ID must be an event sequence number, got \"" +
                           std::string(last) + "\"");
  }
  return std::optional<int64_t>(seq);
}

// Starts the stream, or answers 204 to a client that has seen all of a
// finished job's events.
Status FollowEvents(store::Store& store, const FollowSources& live, const Request& request,
                    const std::string& job_id, const Responder& r) {
  PG_ASSIGN_OR_RETURN(std::optional<int64_t> resume, ResumePoint(request));
  logs::EventFollowOptions options;
  options.job_id = job_id;
  options.since = resume.value_or(0);
  options.from_latest = job_id.empty() && !resume;
  if (!job_id.empty()) {
    PG_ASSIGN_OR_RETURN(store::JobRecord job, FindVisibleJob(store, request, job_id));
    if (resume && IsFinished(job.state)) {
      PG_ASSIGN_OR_RETURN(std::vector<store::EventRecord> newer,
                          store.ListEvents(store::EventFilter{job_id, *resume, 1}));
      if (newer.empty()) {
        r.Send(EmptyResponse(http::status::no_content));
        return Status::Ok();
      }
    }
  }
  Response head = EmptyResponse(http::status::ok);
  head.set(http::field::content_type, logs::kSseContentType);
  StreamOptions stream{live.heartbeat, logs::kSseKeepalive};
  auto to_json = [](const store::EventRecord& e) { return DumpJson(EventJson(e)); };
  r.Stream(std::move(head),
           std::make_unique<logs::EventFollower>(store, *live.changes, to_json, std::move(options)),
           std::move(stream));
  return Status::Ok();
}

void Serve(store::Store& store, const FollowSources& live, const Request& request,
           const std::string& job_id, const Responder& r) {
  Result<bool> follow = request.QueryFlag("follow");
  if (!follow.ok()) return r.Send(ErrorResponse(follow.status()));
  if (*follow && live.changes != nullptr) {
    Status s = FollowEvents(store, live, request, job_id, r);
    if (!s.ok()) r.Send(ErrorResponse(s));
    return;
  }
  r.Send(JsonOrError(ListEvents(store, request, job_id)));
}

}  // namespace

void AddEventRoutes(Router& router, store::Store& store, FollowSources live) {
  const std::string prefix = kApiPrefix;
  router.Add(
      http::verb::get, prefix + "/events",
      [&store, live](const Request& request, Responder r) { Serve(store, live, request, "", r); });
  router.Add(http::verb::get, prefix + "/jobs/{id}/events",
             [&store, live](const Request& request, Responder r) {
               Serve(store, live, request, request.Param("id"), r);
             });
}

}  // namespace pipegrid::api
