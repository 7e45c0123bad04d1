// GET /jobs/{id}/tasks/{task}/logs?attempt=N: an attempt's merged stdout and
// stderr as text/plain, read from worker::LogPath() under the log directory.
//
// `follow=true` (chunked or SSE streaming until the task finishes, across
// retries) is a later issue; until then a followed request gets the content
// as it is now, like any other.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "api/errors.h"
#include "api/routes.h"
#include "worker/agent.h"

namespace pipegrid::api {
namespace {

// Owns a file descriptor for the duration of one read.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The whole file; an empty string when it does not exist, since an attempt
// that has not printed anything yet may have no file yet.
Result<std::string> ReadLogFile(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
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

Result<std::string> ReadTaskLog(store::Store& store, const std::string& log_dir,
                                const Request& request) {
  const std::string& job_id = request.Param("id");
  const std::string& task_name = request.Param("task");
  PG_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job, store.GetJob(job_id));
  if (!job) return NotFound("job " + job_id + " not found");
  PG_ASSIGN_OR_RETURN(std::vector<store::TaskRecord> tasks, store.ListTasks(job->id));
  const store::TaskRecord* task = nullptr;
  for (const store::TaskRecord& t : tasks) {
    if (t.name == task_name) task = &t;
  }
  if (task == nullptr) return NotFound("job " + job_id + " has no task " + task_name);

  int number = task->attempts_started;  // the latest attempt by default
  if (std::optional<std::string> text = request.Query("attempt")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || number < 1) {
      return InvalidArgument("attempt must be a positive number, got \"" + *text + "\"", "attempt");
    }
    if (number > task->attempts_started) {
      return NotFound("task " + task_name + " has no attempt " + *text);
    }
  }
  // No attempt yet, or no local log directory (a master whose workers all
  // run elsewhere): nothing to show.
  if (number == 0 || log_dir.empty()) return std::string();
  // Names from the store, not the URL, build the path: they were validated
  // (no '/' or "..") when the job was submitted.
  return ReadLogFile(worker::LogPath(log_dir, job->id, task->name, number));
}

}  // namespace

void AddLogRoutes(Router& router, store::Store& store, std::string log_dir) {
  router.Add(http::verb::get, std::string(kApiPrefix) + "/jobs/{id}/tasks/{task}/logs",
             [&store, log_dir = std::move(log_dir)](const Request& request, Responder r) {
               Result<std::string> log = ReadTaskLog(store, log_dir, request);
               if (!log.ok()) return r.Send(ErrorResponse(log.status()));
               r.Send(TextResponse(http::status::ok, std::move(log).value()));
             });
}

}  // namespace pipegrid::api
