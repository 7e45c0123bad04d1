// Canonical JSON of a spec. Every field is written, defaults included, so two
// specs that mean the same compare equal as JSON (idempotent submit) and a
// stored spec does not change meaning if a default changes later. Absent
// optionals are null, which ParseJobSpec reads as "not set". The exception:
// forEach and outputs, newer than stored specs, are left out when unused.
//
// A legacy spec comes out as the v1 spec it means (legacy is not a field), and
// its name must be set first: ParseJobSpec refuses an empty name.
#include "common/units.h"
#include "spec/job_spec.h"

namespace pipegrid::spec {
namespace {

using nlohmann::json;

json DurationOrNull(const std::optional<Millis>& d) {
  return d ? json(FormatDuration(*d)) : json(nullptr);
}

json RetryJson(const RetryPolicy& r) {
  return {
      {"limit", r.limit},
      {"lostLimit", r.lost_limit},
      {"backoff",
       {
           {"initial", FormatDuration(r.backoff.initial)},
           {"factor", r.backoff.factor},
           {"max", FormatDuration(r.backoff.max)},
           {"jitter", r.backoff.jitter},
       }},
  };
}

json TaskJson(const Task& t) {
  json steps = json::array();
  for (const Step& s : t.steps)
    steps.push_back({{"executor", s.executor}, {"commands", s.commands}});
  json task = {
      {"name", t.name},
      {"dependsOn", t.depends_on},
      {"steps", std::move(steps)},
      {"timeout", DurationOrNull(t.timeout)},
      {"retry", RetryJson(t.retry)},
      // 0 means "not declared", which the spec spells by leaving it out.
      {"resources",
       {{"cpu", t.cpu > 0 ? json(t.cpu) : json(nullptr)},
        {"memory", t.memory > 0 ? json(t.memory) : json(nullptr)}}},
      {"nodeSelector", t.node_selector},
      {"spread", t.spread},
  };
  // Written only when used: the canonical JSON of a spec without them must stay
  // what it was before they existed, or stored specs would stop comparing equal.
  if (t.for_each) {
    const ForEach& fe = *t.for_each;
    task["forEach"] =
        fe.literal() ? json{{"items", fe.items}} : json{{"from", fe.from}, {"file", fe.file}};
  }
  if (!t.outputs.empty()) task["outputs"] = {{"files", t.outputs}};
  return task;
}

}  // namespace

json ToJson(const JobSpec& spec) {
  json tasks = json::array();
  for (const Task& t : spec.tasks) tasks.push_back(TaskJson(t));
  return {
      {"apiVersion", "pipegrid/v1"},
      {"kind", "Job"},
      {"metadata",
       {
           {"name", spec.name},
           {"namespace", spec.namespace_},
           {"externalId", spec.external_id.empty() ? json(nullptr) : json(spec.external_id)},
           {"labels", spec.labels},
       }},
      {"spec",
       {
           {"priority", spec.priority},
           {"timeout", DurationOrNull(spec.timeout)},
           {"failFast", spec.fail_fast},
           {"retry", RetryJson(spec.retry)},
           {"tasks", std::move(tasks)},
       }},
  };
}

}  // namespace pipegrid::spec
