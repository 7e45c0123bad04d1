// The routes that change state, through the Scheduler. Its answers arrive on
// the scheduler's loop thread, which must never wait on I/O: every callback
// hops back to the HTTP threads (Responder::Post) before it reads the store,
// touches the disk or builds a large answer.
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>

#include "api/access.h"
#include "api/errors.h"
#include "api/job_loader.h"
#include "api/json_views.h"
#include "api/routes.h"
#include "spec/job_spec.h"
#include "spec/names.h"

namespace pipegrid::api {
namespace {

// Answers with the job as the store has it now, once `status` says the
// scheduler committed the change. Runs on an HTTP thread.
void SendJob(store::Store& store, const Responder& r, const Status& status,
             const std::string& job_id, http::status ok_status) {
  if (!status.ok()) return r.Send(ErrorResponse(status));
  Result<std::string> job = LoadJobText(store, job_id);
  if (!job.ok()) return r.Send(ErrorResponse(job.status()));
  Response res = TextResponse(ok_status, std::move(job).value(), "application/json");
  res.set(http::field::location, std::string(kApiPrefix) + "/jobs/" + job_id);
  r.Send(std::move(res));
}

void Submit(master::Scheduler& scheduler, store::Store& store, const Request& request,
            const Responder& r) {
  Result<spec::BodyFormat> format =
      spec::FormatFromContentType(request.Header(http::field::content_type));
  if (!format.ok()) {
    return r.Send(ErrorResponse(http::status::unsupported_media_type, format.status()));
  }
  Result<spec::JobSpec> spec = spec::ParseJobSpec(request.body(), *format);
  if (!spec.ok()) return r.Send(ErrorResponse(spec.status()));
  // ?namespace= (the CLI's --namespace) places a spec that names none.
  if (auto ns = request.Query("namespace"); ns && !ns->empty()) {
    if (!spec::IsValidNamespace(*ns)) {
      return r.Send(ErrorResponse(InvalidArgument("invalid namespace \"" + *ns + "\"")));
    }
    if (spec->namespace_ != "default" && spec->namespace_ != *ns) {
      return r.Send(ErrorResponse(InvalidArgument(
          "the spec's namespace \"" + spec->namespace_ + "\" differs from ?namespace=" + *ns,
          "metadata.namespace")));
    }
    spec->namespace_ = *ns;
  }
  if (!MaySee(request, spec->namespace_)) {
    return r.Send(ErrorResponse(NotFound("namespace " + spec->namespace_ + " not found")));
  }
  scheduler.Submit(std::move(spec).value(), [&store, r](Result<master::SubmitResult> result) {
    r.Post([&store, r, result = std::move(result)] {
      if (!result.ok()) return r.Send(ErrorResponse(result.status()));
      // 200 for an identical resubmit: nothing was created.
      SendJob(store, r, Status::Ok(), result->job_id,
              result->created ? http::status::created : http::status::ok);
    });
  });
}

// Job ids come from the store's generator, but this one arrived in a URL and
// names a directory to delete: refuse anything that could leave log_dir.
bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/\\") == std::string::npos && name.find('\0') == std::string::npos;
}

// A dead letter outside the token's namespaces is answered as missing.
Status CheckDeadLetterVisible(store::Store& store, const Request& request,
                              const std::string& task_id) {
  if (VisibleNamespaces(request).empty()) return Status::Ok();
  PG_ASSIGN_OR_RETURN(std::optional<store::DeadLetterRecord> letter, store.GetDeadLetter(task_id));
  if (letter && !MaySee(request, letter->namespace_)) {
    return NotFound("dead letter " + task_id + " not found");
  }
  return Status::Ok();
}

void RemoveJobFiles(const std::string& dir, const std::string& job_id) {
  if (dir.empty() || !IsPlainName(job_id)) return;
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(dir) / job_id, ec);
  if (ec) spdlog::warn("cannot remove job files dir={} job={} error={}", dir, job_id, ec.message());
}

}  // namespace

void AddCommandRoutes(Router& router, master::Scheduler& scheduler, store::Store& store,
                      std::string log_dir, std::string outputs_dir) {
  const std::string prefix = kApiPrefix;

  router.Add(http::verb::post, prefix + "/jobs",
             [&scheduler, &store](const Request& request, Responder r) {
               Submit(scheduler, store, request, r);
             });

  router.Add(http::verb::delete_, prefix + "/jobs/{id}",
             [&scheduler, &store, log_dir, outputs_dir](const Request& request, Responder r) {
               std::string id = request.Param("id");
               if (Status s = CheckJobVisible(store, request, id); !s.ok()) {
                 return r.Send(ErrorResponse(s));
               }
               scheduler.Delete(id, [r, log_dir, outputs_dir, id](Status status) {
                 r.Post([r, log_dir, outputs_dir, id, status] {
                   if (!status.ok()) return r.Send(ErrorResponse(status));
                   // Logs and kept files go before the answer: a client that
                   // saw 204 finds nothing of the job left, on disk either.
                   RemoveJobFiles(log_dir, id);
                   RemoveJobFiles(outputs_dir, id);
                   r.Send(EmptyResponse(http::status::no_content));
                 });
               });
             });

  for (const char* action : {"cancel", "kill"}) {
    bool kill = std::string_view(action) == "kill";
    router.Add(http::verb::post, prefix + "/jobs/{id}/" + action,
               [&scheduler, &store, kill](const Request& request, Responder r) {
                 std::string id = request.Param("id");
                 if (Status s = CheckJobVisible(store, request, id); !s.ok()) {
                   return r.Send(ErrorResponse(s));
                 }
                 scheduler.Cancel(id, kill, [&store, r, id](Status status) {
                   r.Post([&store, r, id, status] {
                     SendJob(store, r, status, id, http::status::accepted);
                   });
                 });
               });
  }

  router.Add(http::verb::post, prefix + "/jobs/{id}/retry",
             [&scheduler, &store](const Request& request, Responder r) {
               std::string id = request.Param("id");
               if (Status s = CheckJobVisible(store, request, id); !s.ok()) {
                 return r.Send(ErrorResponse(s));
               }
               scheduler.Retry(id, [&store, r, id](Status status) {
                 r.Post([&store, r, id, status] {
                   SendJob(store, r, status, id, http::status::accepted);
                 });
               });
             });

  router.Add(http::verb::post, prefix + "/deadletters/{taskId}/requeue",
             [&scheduler, &store](const Request& request, Responder r) {
               std::string task_id = request.Param("taskId");
               if (Status s = CheckDeadLetterVisible(store, request, task_id); !s.ok()) {
                 return r.Send(ErrorResponse(s));
               }
               scheduler.RequeueDeadLetter(task_id, [r, task_id](Status status) {
                 // Send() only hands the answer over; no I/O on this thread.
                 if (!status.ok()) return r.Send(ErrorResponse(status));
                 r.Send(JsonResponse(http::status::accepted, {{"requeued", task_id}}));
               });
             });

  router.Add(http::verb::post, prefix + "/workers/{name}/drain",
             [&scheduler](const Request& request, Responder r) {
               std::string name = request.Param("name");
               scheduler.DrainWorker(name, [r, name](Status status) {
                 if (!status.ok()) return r.Send(ErrorResponse(status));
                 r.Send(JsonResponse(http::status::accepted, {{"draining", name}}));
               });
             });

  router.Add(http::verb::get, prefix + "/workers", [&scheduler](const Request&, Responder r) {
    scheduler.ListWorkers([r](std::vector<master::WorkerInfo> workers) {
      r.Post([r, workers = std::move(workers)] {
        nlohmann::json items = nlohmann::json::array();
        for (const master::WorkerInfo& w : workers) items.push_back(WorkerJson(w));
        r.Send(JsonResponse(http::status::ok, ListJson(std::move(items), {})));
      });
    });
  });
}

}  // namespace pipegrid::api
