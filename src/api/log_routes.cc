// GET /jobs/{id}/tasks/{task}/logs?attempt=N&follow=true: an attempt's merged
// stdout and stderr, read from worker::LogPath() under the log directory.
//
// Without follow: the attempt's file as it is now, text/plain. With follow
// (and live sources): a stream until the task is finished, across retries
// (logs::LogFollower) - chunked text/plain, or SSE when the client accepts
// text/event-stream. An SSE client that reconnects with the Last-Event-ID of
// its last event resumes where it was; one whose task has ended and who has
// seen everything gets 204, which tells EventSource to stop reconnecting.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "api/access.h"
#include "api/api_server.h"
#include "api/errors.h"
#include "api/routes.h"
#include "logs/log_follower.h"
#include "logs/sse.h"
#include "worker/agent.h"
#include "worker/posix_util.h"

namespace pipegrid::api {
namespace {

// The whole file; an empty string when it does not exist, since an attempt
// that has not printed anything yet may have no file yet.
Result<std::string> ReadLogFile(const std::string& path) {
  worker::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::string();
    return Internal("cannot open log " + path + ": " + std::strerror(errno));
  }
  std::string content;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("cannot read log " + path + ": " + std::strerror(errno));
    }
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

// The task a request names, and the attempt it asks for (0: the latest).
struct TaskLog {
  store::TaskRecord task;
  int attempt = 0;
};

Result<TaskLog> FindTaskLog(store::Store& store, const Request& request) {
  const std::string& job_id = request.Param("id");
  const std::string& task_name = request.Param("task");
  PG_ASSIGN_OR_RETURN(store::JobRecord job, FindVisibleJob(store, request, job_id));
  PG_ASSIGN_OR_RETURN(std::vector<store::TaskRecord> tasks, store.ListTasks(job.id));
  TaskLog out;
  bool found = false;
  for (store::TaskRecord& t : tasks) {
    if (t.name != task_name) continue;
    out.task = std::move(t);
    found = true;
  }
  if (!found) return NotFound("job " + job_id + " has no task " + task_name);
  if (std::optional<std::string> text = request.Query("attempt")) {
    int number = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || number < 1) {
      return InvalidArgument("attempt must be a positive number, got \"" + *text + "\"", "attempt");
    }
    if (number > out.task.attempts_started) {
      return NotFound("task " + task_name + " has no attempt " + *text);
    }
    out.attempt = number;
  }
  return out;
}

Result<std::string> ReadTaskLog(const std::string& log_dir, const TaskLog& log) {
  int number = log.attempt > 0 ? log.attempt : log.task.attempts_started;
  // No attempt yet, or no local log directory (a master whose workers all
  // run elsewhere): nothing to show.
  if (number == 0 || log_dir.empty()) return std::string();
  // Names from the store, not the URL, build the path: they were validated
  // (no '/' or "..") when the job was submitted.
  return ReadLogFile(worker::FindLogPath(log_dir, log.task.job_id, log.task.name, number));
}

// Whether an SSE client resuming at (attempt, offset) has seen all there
// will ever be: the task is finished, that was its last attempt, and the
// file holds no more.
bool SeenEverything(const std::string& log_dir, const TaskLog& log, int attempt, int64_t offset) {
  if (!IsFinished(log.task.state) || attempt != log.task.attempts_started) return false;
  if (log_dir.empty()) return true;
  struct stat st {};
  std::string path = worker::FindLogPath(log_dir, log.task.job_id, log.task.name, attempt);
  if (::stat(path.c_str(), &st) != 0) return errno == ENOENT;
  return st.st_size <= offset;
}

void FollowTaskLog(store::Store& store, const std::string& log_dir, const FollowSources& live,
                   const Request& request, const TaskLog& log, const Responder& r) {
  logs::LogFollowOptions options;
  options.job_id = log.task.job_id;
  options.task = log.task.name;
  options.attempt = log.attempt;
  options.sse = request.Accepts("text/event-stream");
  if (std::string_view last = request.Header("Last-Event-ID"); options.sse && !last.empty()) {
    std::optional<std::pair<int, int64_t>> at = logs::ParseLogEventId(last);
    if (!at || at->first > log.task.attempts_started) {
      return r.Send(ErrorResponse(
          InvalidArgument("Last-Event-ID must be an id this stream sent (ATTEMPT:OFFSET), got \"" +
                          std::string(last) + "\"")));
    }
    if (SeenEverything(log_dir, log, at->first, at->second)) {
      return r.Send(EmptyResponse(http::status::no_content));
    }
    options.attempt = at->first;
    options.offset = at->second;
    options.resumed = true;
  }
  Response head = EmptyResponse(http::status::ok);
  StreamOptions stream;
  if (options.sse) {
    head.set(http::field::content_type, logs::kSseContentType);
    stream.heartbeat = live.heartbeat;
    stream.heartbeat_text = logs::kSseKeepalive;
  } else {
    head.set(http::field::content_type, "text/plain; charset=utf-8");
  }
  r.Stream(std::move(head),
           std::make_unique<logs::LogFollower>(store, *live.changes, live.watcher, log_dir,
                                               std::move(options)),
           std::move(stream));
}

}  // namespace

void AddLogRoutes(Router& router, store::Store& store, std::string log_dir, FollowSources live) {
  router.Add(http::verb::get, std::string(kApiPrefix) + "/jobs/{id}/tasks/{task}/logs",
             [&store, log_dir = std::move(log_dir), live](const Request& request, Responder r) {
               Result<bool> follow = request.QueryFlag("follow");
               if (!follow.ok()) return r.Send(ErrorResponse(follow.status()));
               Result<TaskLog> log = FindTaskLog(store, request);
               if (!log.ok()) return r.Send(ErrorResponse(log.status()));
               if (*follow && live.changes != nullptr) {
                 return FollowTaskLog(store, log_dir, live, request, *log, r);
               }
               Result<std::string> text = ReadTaskLog(log_dir, *log);
               if (!text.ok()) return r.Send(ErrorResponse(text.status()));
               r.Send(TextResponse(http::status::ok, std::move(text).value()));
             });
}

}  // namespace pipegrid::api
