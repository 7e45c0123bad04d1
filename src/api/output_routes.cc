// GET /jobs/{id}/tasks/{task}/outputs and /outputs/{path...}: the files a
// task kept (outputs.files), as listed by its manifest in the store and kept
// by the master at <outputs_dir>/<job id>/<task name>/<path>.
//
// Only a path that is exactly an entry of the task's manifest is ever turned
// into a file name; anything else ("../x", "%2e%2e/x", a file that exists but
// was not kept) is a 404 without touching the disk. Small files go out whole
// with a Content-Length; larger ones are read and sent piece by piece, so a
// download never holds a whole output in memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "api/access.h"
#include "api/errors.h"
#include "api/json_views.h"
#include "api/routes.h"
#include "worker/posix_util.h"
#include "worker/task_files.h"

namespace pipegrid::api {
namespace {

// Up to this size a file is answered in one piece (with Content-Length);
// beyond it, streamed in kPieceBytes pieces.
constexpr int64_t kWholeFileBytes = 1 << 20;
constexpr size_t kPieceBytes = 256 << 10;

Result<store::TaskRecord> FindTask(store::Store& store, const Request& request) {
  const std::string& job_id = request.Param("id");
  const std::string& task_name = request.Param("task");
  PG_ASSIGN_OR_RETURN(store::JobRecord job, FindVisibleJob(store, request, job_id));
  PG_ASSIGN_OR_RETURN(std::vector<store::TaskRecord> tasks, store.ListTasks(job.id));
  for (store::TaskRecord& t : tasks) {
    if (t.name == task_name) return std::move(t);
  }
  return NotFound("job " + job_id + " has no task " + task_name);
}

Result<nlohmann::json> ListOutputs(store::Store& store, const Request& request) {
  PG_ASSIGN_OR_RETURN(store::TaskRecord task, FindTask(store, request));
  nlohmann::json items = nlohmann::json::array();
  for (const protocol::OutputFile& f : task.outputs) items.push_back(OutputFileJson(f));
  return ListJson(std::move(items), std::nullopt);
}

// The rest of a file after what Next() has sent, in pieces; ends early on a
// read error, which the client sees as a short body (its size and checksum
// check catch it: there is no way to report an error mid-body).
class FileStream final : public logs::Stream {
 public:
  explicit FileStream(worker::UniqueFd fd) : fd_(std::move(fd)) {}

  void Start(std::function<void()>) override {}  // every piece is ready at once: never waits

  logs::Piece Next() override {
    std::string piece(kPieceBytes, '\0');
    while (true) {
      ssize_t n = ::read(fd_.get(), piece.data(), piece.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return logs::Piece::End();
      piece.resize(static_cast<size_t>(n));
      return logs::Piece::Data(std::move(piece));
    }
  }

 private:
  worker::UniqueFd fd_;
};

void SendOutput(store::Store& store, const std::string& outputs_dir, const Request& request,
                const Responder& r) {
  Result<store::TaskRecord> task = FindTask(store, request);
  if (!task.ok()) return r.Send(ErrorResponse(task.status()));
  const std::string& wanted = request.Param("path");
  const protocol::OutputFile* entry = nullptr;
  for (const protocol::OutputFile& f : task->outputs) {
    if (f.path == wanted) entry = &f;
  }
  auto not_kept = [&] {
    r.Send(ErrorResponse(NotFound("task " + task->name + " kept no file " + wanted)));
  };
  // The manifest was checked when it was stored; checked again here because
  // the path is about to name a file on this machine.
  if (entry == nullptr || !worker::IsSafeRelativePath(entry->path) || outputs_dir.empty()) {
    return not_kept();
  }
  // Names from the store build the path: job ids and task names were
  // validated at submit (no '/' or "..").
  std::string path = outputs_dir + "/" + task->job_id + "/" + task->name + "/" + entry->path;
  worker::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return r.Send(ErrorResponse(
          NotFound("output " + wanted + " of task " + task->name + " is no longer stored")));
    }
    return r.Send(
        ErrorResponse(Internal("cannot open output " + path + ": " + std::strerror(errno))));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return r.Send(ErrorResponse(Internal("output " + path + " is not a readable file")));
  }
  // A file that differs in size from its manifest would fail the client's
  // check under an ETag that does not describe it: say so instead.
  if (st.st_size != entry->size) {
    return r.Send(
        ErrorResponse(Internal("output " + path + " has " + std::to_string(st.st_size) +
                               " bytes, its manifest says " + std::to_string(entry->size))));
  }

  Response head = EmptyResponse(http::status::ok);
  head.set(http::field::content_type, "application/octet-stream");
  head.set(http::field::etag, "\"" + entry->sha256 + "\"");
  if (entry->size <= kWholeFileBytes) {
    std::string body(static_cast<size_t>(entry->size), '\0');
    size_t got = 0;
    while (got < body.size()) {
      ssize_t n = ::read(fd.get(), body.data() + got, body.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return r.Send(
            ErrorResponse(Internal("cannot read output " + path + ": " +
                                   (n == 0 ? "shorter than it was" : std::strerror(errno)))));
      }
      got += static_cast<size_t>(n);
    }
    head.body() = std::move(body);
    return r.Send(std::move(head));  // the server sets Content-Length
  }
  // Streamed. The HTTP layer frames streams with chunked encoding (dropping
  // this Content-Length) for HTTP/1.1 clients; set it all the same, so a
  // layer that sends a sized stream as is can keep it.
  head.content_length(static_cast<uint64_t>(entry->size));
  r.Stream(std::move(head), std::make_unique<FileStream>(std::move(fd)));
}

}  // namespace

void AddOutputRoutes(Router& router, store::Store& store, std::string outputs_dir) {
  const std::string base = std::string(kApiPrefix) + "/jobs/{id}/tasks/{task}/outputs";
  router.Add(http::verb::get, base, [&store](const Request& request, Responder r) {
    r.Send(JsonOrError(ListOutputs(store, request)));
  });
  router.Add(http::verb::get, base + "/{path...}",
             [&store, outputs_dir = std::move(outputs_dir)](const Request& request, Responder r) {
               SendOutput(store, outputs_dir, request, r);
             });
}

}  // namespace pipegrid::api
