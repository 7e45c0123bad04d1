#include <nlohmann/json.hpp>

#include "spec/dag.h"
#include "spec/document.h"
#include "spec/job_spec.h"
#include "spec/reader.h"
#include "spec/value.h"

namespace pipegrid::spec {

Result<JobSpec> ParseJobSpec(std::string_view body, BodyFormat format) {
  const bool yaml = format == BodyFormat::kYaml;
  PG_ASSIGN_OR_RETURN(nlohmann::json document,
                      yaml ? internal::ParseYamlDocument(body) : internal::ParseJsonDocument(body));
  if (!document.is_object()) {
    return InvalidArgument(
        "the body must be an object with apiVersion, kind, metadata and spec (or a legacy "
        "{\"pipeline\": [...]})");
  }
  internal::Value root(document, "", yaml);
  // A stray extra key next to "pipeline" is then reported as unknown, not as a
  // missing apiVersion.
  const bool legacy = document.contains("pipeline") && !document.contains("apiVersion");
  PG_ASSIGN_OR_RETURN(JobSpec spec,
                      legacy ? internal::ReadLegacyJob(root) : internal::ReadJob(root));
  PG_RETURN_IF_ERROR(BuildDag(spec).status());
  // After BuildDag: a forEach names its source among dependencies that exist.
  PG_RETURN_IF_ERROR(internal::CheckForEachSources(spec));
  return spec;
}

}  // namespace pipegrid::spec
