// The list views of render.h: jobs, workers, dead letters.
#include "cli/render.h"

namespace pipegrid::cli {
namespace {

// "256Mi" for whole binary units, else the number of bytes.
std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"Ki", "Mi", "Gi", "Ti"};
  if (bytes <= 0 || bytes % 1024 != 0) return std::to_string(bytes);
  int unit = -1;
  while (unit < 3 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

// Sizes may be numbers of bytes or already spelled ("1Gi").
std::string SizeText(const Json& obj, std::string_view key) {
  int64_t n = FieldInt(obj, key, -1);
  return n >= 0 ? FormatBytes(n) : FieldText(obj, key);
}

std::string Ratio(const std::string& part, const std::string& whole) {
  if (part.empty() && whole.empty()) return {};
  return (part.empty() ? "?" : part) + "/" + (whole.empty() ? "?" : whole);
}

}  // namespace

std::string RenderJobList(const Json& page) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "NAMESPACE", "STATE", "TASKS", "CREATED"}};
  for (const Json& job : FieldArray(page, "items")) {
    TaskCounts counts = CountTasks(job);
    rows.push_back({FieldText(job, "id"), FieldText(job, "name"), FieldText(job, "namespace"),
                    FieldText(job, "state"),
                    std::to_string(counts.done) + "/" + std::to_string(counts.total),
                    FieldText(job, "createdAt")});
  }
  return RenderTable(rows);
}

std::string RenderWorkerList(const Json& page) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "STATE", "SLOTS FREE", "RUNNING", "CPU", "MEMORY", "LABELS", "VERSION",
       "LAST HEARTBEAT"}};
  for (const Json& worker : FieldArray(page, "items")) {
    std::string state = FieldText(worker, "state");
    // A live worker whose stream is down: its tasks wait for it until its
    // lease ends.
    if (worker.is_object() && worker.value("connected", true) == false &&
        (state == "READY" || state == "DRAINING")) {
      state += " (disconnected)";
    }
    rows.push_back({FieldText(worker, "name"), state,
                    Ratio(FieldText(worker, "slotsFree"), FieldText(worker, "slots")),
                    FieldText(worker, "running"),
                    FieldText(worker, "cpu"), SizeText(worker, "memory"),
                    FieldText(worker, "labels"), FieldText(worker, "version"),
                    FieldText(worker, "lastHeartbeatAt")});
  }
  return RenderTable(rows);
}

std::string RenderTokenList(const Json& page) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "ROLE", "NAMESPACES", "NAME", "CREATED", "REVOKED"}};
  for (const Json& token : FieldArray(page, "items")) {
    std::string namespaces;
    for (const Json& ns : FieldArray(token, "namespaces")) {
      if (!ns.is_string()) continue;
      namespaces += (namespaces.empty() ? "" : ",") + ns.get<std::string>();
    }
    rows.push_back({FieldText(token, "id"), FieldText(token, "role"), namespaces,
                    FieldText(token, "name"), FieldText(token, "createdAt"),
                    FieldText(token, "revokedAt")});
  }
  return RenderTable(rows);
}

std::string RenderDeadLetterList(const Json& page) {
  std::vector<std::vector<std::string>> rows = {
      {"TASK ID", "JOB", "NAMESPACE", "TASK", "ATTEMPTS", "OUTCOME", "REASON", "FAILED AT"}};
  for (const Json& letter : FieldArray(page, "items")) {
    rows.push_back({FieldText(letter, "taskId"), FieldText(letter, "jobId"),
                    FieldText(letter, "namespace"), FieldText(letter, "task"),
                    FieldText(letter, "attempts"), FieldText(letter, "outcome"),
                    FieldText(letter, "reason"), FieldText(letter, "failedAt")});
  }
  return RenderTable(rows);
}

}  // namespace pipegrid::cli
