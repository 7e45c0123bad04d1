// The dependency graph of a job's tasks, by index into JobSpec::tasks.
#pragma once

#include <vector>

#include "common/status.h"
#include "spec/job_spec.h"

namespace pipegrid::spec {

struct Dag {
  std::vector<std::vector<int>> deps;        // deps[i]: tasks i depends on
  std::vector<std::vector<int>> dependents;  // dependents[i]: tasks depending on i
  std::vector<int> topo_order;               // every task after its dependencies
  std::vector<int> roots;                    // tasks without dependencies
};

// InvalidArgument for an unknown dependency (field "spec.tasks[i].dependsOn[j]")
// or a cycle (message names it: "cycle: a -> b -> c -> a").
Result<Dag> BuildDag(const JobSpec& spec);

}  // namespace pipegrid::spec
