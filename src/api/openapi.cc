// The OpenAPI 3 document of the REST API, written by hand next to the routes
// so a route change and its description land in the same review. A test checks
// that every registered route is described here.
#include <string>
#include <vector>

#include "api/errors.h"
#include "api/routes.h"
#include "common/states.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;

json Ref(const std::string& schema) { return {{"$ref", "#/components/schemas/" + schema}}; }

json Nullable(json schema) {
  schema["nullable"] = true;
  return schema;
}

json String() { return {{"type", "string"}}; }
json Integer() { return {{"type", "integer"}}; }
json Boolean() { return {{"type", "boolean"}}; }
json Time() { return {{"type", "string"}, {"format", "date-time"}}; }
json StringMap() { return {{"type", "object"}, {"additionalProperties", String()}}; }

template <typename Enum, size_t N>
json EnumOf(const std::array<Enum, N>& all) {
  json names = json::array();
  for (Enum e : all) names.push_back(std::string(Name(e)));
  return {{"type", "string"}, {"enum", names}};
}

json Object(json properties) {
  json required = json::array();
  for (auto it = properties.begin(); it != properties.end(); ++it) required.push_back(it.key());
  return {{"type", "object"}, {"required", required}, {"properties", std::move(properties)}};
}

json ListOf(const std::string& schema) {
  return Object({{"items", {{"type", "array"}, {"items", Ref(schema)}}},
                 {"nextPageToken", Nullable(String())}});
}

json Schemas() {
  json counters = {{"type", "object"}, {"properties", json::object()}};
  for (TaskState s : kAllTaskStates) counters["properties"][std::string(Name(s))] = Integer();
  json outcome = Nullable(EnumOf(kAllOutcomes));

  json job_summary = Object({{"id", String()},
                             {"name", String()},
                             {"namespace", String()},
                             {"externalId", Nullable(String())},
                             {"labels", StringMap()},
                             {"priority", Integer()},
                             {"state", EnumOf(kAllJobStates)},
                             {"reason", Nullable(String())},
                             {"createdAt", Time()},
                             {"startedAt", Nullable(Time())},
                             {"finishedAt", Nullable(Time())},
                             {"counters", counters}});
  json job = {
      {"allOf",
       {Ref("JobSummary"), Object({{"tasks", {{"type", "array"}, {"items", Ref("Task")}}}})}}};
  return {
      {"JobSummary", job_summary},
      {"Job", job},
      {"Task", Object({{"id", String()},
                       {"name", String()},
                       {"state", EnumOf(kAllTaskStates)},
                       {"reason", Nullable(String())},
                       {"dependsOn", {{"type", "array"}, {"items", String()}}},
                       {"worker", Nullable(String())},
                       {"attempts", {{"type", "array"}, {"items", Ref("Attempt")}}},
                       // Fan-out instances ("ocr[0]"): their task, item and
                       // position; null for other tasks.
                       {"parent", Nullable(String())},
                       {"item", Nullable(String())},
                       {"itemIndex", Nullable(Integer())},
                       {"outputs", {{"type", "array"}, {"items", Ref("OutputFile")}}}})},
      {"OutputFile", Object({{"path", String()},
                             {"size", Integer()},
                             {"sha256", {{"type", "string"}, {"pattern", "^[0-9a-f]{64}$"}}}})},
      {"Attempt", Object({{"id", String()},
                          {"number", Integer()},
                          {"worker", Nullable(String())},
                          {"outcome", outcome},
                          {"exitCode", Nullable(Integer())},
                          {"signal", Nullable(Integer())},
                          {"startedAt", Nullable(Time())},
                          {"finishedAt", Nullable(Time())}})},
      {"Worker",
       Object({{"name", String()},
               {"state", {{"type", "string"}, {"enum", {"READY", "DRAINING", "LOST", "GONE"}}}},
               {"labels", StringMap()},
               {"slots", Integer()},
               {"slotsFree", Integer()},
               {"cpu", {{"type", "number"}}},
               {"memory", Integer()},
               {"version", String()},
               {"lastHeartbeatAt", Time()},
               {"connected", {{"type", "boolean"}}},
               {"running", Integer()}})},
      {"DeadLetter", Object({{"taskId", String()},
                             {"jobId", String()},
                             {"namespace", String()},
                             {"task", String()},
                             {"attempts", Integer()},
                             {"outcome", outcome},
                             {"reason", Nullable(String())},
                             {"failedAt", Time()}})},
      {"Event",
       Object({{"seq", Integer()},
               {"time", Time()},
               {"jobId", Nullable(String())},
               {"task", Nullable(String())},
               {"attempt", Nullable(Integer())},
               {"worker", Nullable(String())},
               {"type", {{"type", "string"}, {"enum", {"job", "task", "attempt", "worker"}}}},
               {"from", Nullable(String())},
               {"to", Nullable(String())},
               {"reason", Nullable(String())}})},
      {"Token", Object({{"id", String()},
                        {"role", EnumOf(kAllRoles)},
                        {"namespaces", {{"type", "array"}, {"items", String()}}},
                        {"name", Nullable(String())},
                        {"createdAt", Time()},
                        {"revokedAt", Nullable(Time())}})},
      // Only in the answer to POST /tokens: the secret, shown once.
      {"NewToken", {{"allOf", {Ref("Token"), Object({{"token", String()}})}}}},
      {"TokenList", ListOf("Token")},
      {"JobList", ListOf("JobSummary")},
      {"WorkerList", ListOf("Worker")},
      {"DeadLetterList", ListOf("DeadLetter")},
      {"EventList", ListOf("Event")},
      {"OutputFileList", ListOf("OutputFile")},
      {"Error",
       Object(
           {{"error",
             Object({{"code", String()}, {"message", String()}, {"field", Nullable(String())}})}})},
  };
}

json JsonBody(const std::string& schema) {
  return {{"application/json", {{"schema", Ref(schema)}}}};
}

json Reply(const std::string& description, const std::string& schema = "") {
  json r = {{"description", description}};
  if (!schema.empty()) r["content"] = JsonBody(schema);
  return r;
}

// Responses: the success ones given, plus the error statuses listed.
json Responses(json ok, const std::vector<std::string>& errors) {
  static const std::map<std::string, std::string> kMeaning = {
      {"400", "Invalid request"},          {"404", "Not found"},
      {"409", "Conflict with the state"},  {"413", "Body too large"},
      {"415", "Unsupported content type"}, {"503", "Not ready or shutting down"}};
  for (const std::string& code : errors) ok[code] = Reply(kMeaning.at(code), "Error");
  return ok;
}

json Param(const std::string& name, const std::string& in, const std::string& description,
           json schema = String()) {
  return {{"name", name},
          {"in", in},
          {"required", in == "path"},
          {"description", description},
          {"schema", std::move(schema)}};
}

json Op(const std::string& summary, json parameters, json responses) {
  return {{"summary", summary},
          {"parameters", std::move(parameters)},
          {"responses", std::move(responses)}};
}

json Paging() {
  return json::array({Param("limit", "query", "Page size, 1 to 1000 (default 100)", Integer()),
                      Param("after", "query", "The previous page's nextPageToken")});
}

json Paths() {
  json id = Param("id", "path", "Job id");
  json task = Param("task", "path", "Task name, percent-encoded (instances: ocr%5B0%5D)");
  json job_reply = Responses({{"202", Reply("The job as it is now", "Job")}}, {"404", "409"});
  auto events = [&](bool of_job) {
    json params = Paging();
    params.push_back(Param("since", "query", "Only events after this sequence number", Integer()));
    params.push_back(Param("follow", "query",
                           "true: stream as Server-Sent Events (id = seq, event = type, "
                           "data = Event), resumable with Last-Event-ID or since; a job's "
                           "stream ends once the job is finished",
                           Boolean()));
    if (of_job) params.push_back(id);
    return Op(of_job ? "One job's event history, oldest first" : "Event history, oldest first",
              std::move(params),
              Responses({{"200", Reply("Events", "EventList")}},
                        of_job ? std::vector<std::string>{"400", "404"}
                               : std::vector<std::string>{"400"}));
  };

  json submit = Op("Submit a job (YAML or JSON spec)", json::array(),
                   Responses({{"201", Reply("Created", "Job")},
                              {"200", Reply("Identical resubmit of this externalId", "Job")}},
                             {"400", "409", "413", "415", "503"}));
  submit["requestBody"] = {{"required", true},
                           {"content",
                            {{"application/yaml", {{"schema", {{"type", "string"}}}}},
                             {"application/json", {{"schema", {{"type", "object"}}}}}}}};
  json list_params = Paging();
  list_params.push_back(Param("state", "query", "Comma-separated job states"));
  list_params.push_back(Param("label", "query", "key=value; may repeat"));
  list_params.push_back(Param("namespace", "query", "Only this namespace"));

  json token_create = Op("Make a token; its secret is in this answer only", json::array(),
                         Responses({{"201", Reply("Created", "NewToken")}}, {"400"}));
  json token_fields = Object({{"role", EnumOf(kAllRoles)},
                              {"namespaces", {{"type", "array"}, {"items", String()}}},
                              {"name", String()}});
  token_fields["required"] = json::array({"role"});
  token_create["requestBody"] = {
      {"required", true}, {"content", {{"application/json", {{"schema", token_fields}}}}}};

  const std::string p = kApiPrefix;
  return {
      {p + "/jobs",
       {{"get", Op("List jobs, newest first", list_params,
                   Responses({{"200", Reply("Jobs", "JobList")}}, {"400"}))},
        {"post", submit}}},
      {p + "/jobs/{id}",
       {{"get", Op("One job with its tasks", json::array({id}),
                   Responses({{"200", Reply("The job", "Job")}}, {"404"}))},
        {"delete", Op("Delete a finished job and its logs", json::array({id}),
                      Responses({{"204", Reply("Deleted")}}, {"404", "409"}))}}},
      {p + "/jobs/by-external-id/{externalId}",
       {{"get", Op("One job by externalId",
                   json::array({Param("externalId", "path", "The job's externalId"),
                                Param("namespace", "query", "Namespace (default: default)")}),
                   Responses({{"200", Reply("The job", "Job")}}, {"404"}))}}},
      {p + "/jobs/{id}/cancel",
       {{"post", Op("Cancel (SIGTERM, then SIGKILL)", json::array({id}), job_reply)}}},
      {p + "/jobs/{id}/kill",
       {{"post", Op("Kill (SIGKILL at once)", json::array({id}), job_reply)}}},
      {p + "/jobs/{id}/retry",
       {{"post", Op("Retry failed, cancelled and skipped tasks", json::array({id}), job_reply)}}},
      {p + "/jobs/{id}/tasks/{task}/logs",
       {{"get",
         Op("An attempt's output (stdout and stderr merged)",
            json::array({id, Param("task", "path", "Task name, percent-encoded"),
                         Param("attempt", "query", "Attempt number (default: latest)", Integer()),
                         Param("follow", "query",
                               "true: stream new output until the task is finished, across "
                               "retries (chunked text; with Accept: text/event-stream, SSE "
                               "events log, attempt, end; Last-Event-ID resumes; 204 when "
                               "nothing is left to send)",
                               Boolean())}),
            Responses({{"200",
                        {{"description", "The log"},
                         {"content",
                          {{"text/plain", {{"schema", String()}}},
                           {"text/event-stream", {{"schema", String()}}}}}}},
                       {"204", {{"description", "A resumed stream with nothing left"}}}},
                      {"400", "404"}))}}},
      {p + "/jobs/{id}/tasks/{task}/outputs",
       {{"get", Op("The files a task kept (outputs.files)", json::array({id, task}),
                   Responses({{"200", Reply("Its output files", "OutputFileList")}}, {"404"}))}}},
      // The router serves this as a trailing wildcard, {path...}.
      {p + "/jobs/{id}/tasks/{task}/outputs/{path}",
       {{"get", Op("One kept file's content",
                   json::array({id, task,
                                Param("path", "path",
                                      "The file's path as listed, relative to the workspace; may "
                                      "contain '/' (each segment percent-encoded)")}),
                   Responses({{"200",
                               {{"description", "The file; ETag is its quoted sha256"},
                                {"headers", {{"ETag", {{"schema", String()}}}}},
                                {"content",
                                 {{"application/octet-stream",
                                   {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}}},
                             {"404"}))}}},
      {p + "/jobs/{id}/events", {{"get", events(true)}}},
      {p + "/events", {{"get", events(false)}}},
      {p + "/workers",
       {{"get", Op("The fleet", json::array(),
                   Responses({{"200", Reply("Workers", "WorkerList")}}, {}))}}},
      {p + "/workers/{name}/drain",
       {{"post", Op("Stop placing new attempts on a worker",
                    json::array({Param("name", "path", "Worker name")}),
                    Responses({{"202", {{"description", "Draining"}}}}, {"404"}))}}},
      {p + "/deadletters",
       {{"get", Op(
                    "Tasks whose retries are used up",
                    [] {
                      json params = Paging();
                      params.push_back(Param("namespace", "query", "Only this namespace"));
                      return params;
                    }(),
                    Responses({{"200", Reply("Dead letters", "DeadLetterList")}}, {"400"}))}}},
      {p + "/deadletters/{taskId}/requeue",
       {{"post",
         Op("Requeue with a fresh retry budget", json::array({Param("taskId", "path", "Task id")}),
            Responses({{"202", {{"description", "Requeued"}}}}, {"404", "409"}))}}},
      {p + "/tokens",
       {{"get", Op("API tokens (never their secrets)", json::array(),
                   Responses({{"200", Reply("Tokens", "TokenList")}}, {}))},
        {"post", token_create}}},
      {p + "/tokens/{id}",
       {{"delete", Op("Revoke a token (effective within a second)",
                      json::array({Param("id", "path", "Token id (tok_...)")}),
                      Responses({{"204", {{"description", "Revoked"}}}}, {"404"}))}}},
      {p + "/openapi.json",
       {{"get", Op("This document", json::array(),
                   Responses({{"200", {{"description", "OpenAPI 3"}}}}, {}))}}},
      {"/healthz",
       {{"get",
         Op("Liveness", json::array(), Responses({{"200", {{"description", "Serving"}}}}, {}))}}},
      {"/readyz",
       {{"get", Op("Readiness", json::array(),
                   Responses({{"200", {{"description", "Ready"}}}}, {"503"}))}}},
      {"/metrics",
       {{"get", Op("Prometheus metrics (text format 0.0.4)", json::array(),
                   Responses({{"200", {{"description", "Metrics"}}}}, {}))}}},
      {"/",
       {{"get", Op("Web UI", json::array(), Responses({{"200", {{"description", "HTML"}}}}, {}))}}},
      {"/assets/{file}",
       {{"get", Op("A file of the web UI (script, style sheet, image)",
                   json::array({Param("file", "path", "File name, with its content hash")}),
                   Responses({{"200", {{"description", "The file"}}}}, {"404"}))}}},
  };
}

}  // namespace

json OpenApiDocument() {
  json paths = Paths();
  // Served without a token even with --auth required.
  for (const char* open : {"/healthz", "/readyz", "/", "/assets/{file}"}) {
    paths[open]["get"]["security"] = json::array();
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "pipegrid"},
            {"version", "v1"},
            {"description", "DAG job execution: submit, observe and control jobs."}}},
          {"paths", std::move(paths)},
          // DESIGN §6: with --auth required, every route but /healthz,
          // /readyz and the UI's files needs a bearer token; 401 without one,
          // 403 for a role too low, 404 for a namespace the token doesn't hold.
          {"security", json::array({{{"bearer", json::array()}}})},
          {"components",
           {{"schemas", Schemas()},
            {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

void AddOpenApiRoute(Router& router) {
  // Built once: the document is constant.
  auto document = std::make_shared<const std::string>(DumpJson(OpenApiDocument()));
  router.Add(http::verb::get, std::string(kApiPrefix) + "/openapi.json",
             [document](const Request&, Responder r) {
               r.Send(TextResponse(http::status::ok, *document, "application/json"));
             });
}

}  // namespace pipegrid::api
