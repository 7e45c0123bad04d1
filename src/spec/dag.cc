#include "spec/dag.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <string_view>
#include <unordered_map>

#include "spec/document.h"

namespace pipegrid::spec {
namespace {

using internal::IndexPath;
using internal::Quote;

std::string TaskPath(size_t i) { return IndexPath("spec.tasks", i); }

// A long cycle shows its first names only, so the message stays readable.
constexpr size_t kMaxCycleNamesShown = 10;

Status CycleError(const JobSpec& spec, std::vector<int> cycle) {
  // Start at the task that comes first in the spec, so the message is the
  // same whichever task the search happened to start from.
  auto first = std::min_element(cycle.begin(), cycle.end());
  std::rotate(cycle.begin(), first, cycle.end());
  std::string message = "dependency cycle";
  if (cycle.size() > kMaxCycleNamesShown) {
    message += " of " + std::to_string(cycle.size()) + " tasks";
  }
  message += ": ";
  for (size_t k = 0; k < cycle.size() && k < kMaxCycleNamesShown; ++k) {
    message += spec.tasks[cycle[k]].name + " -> ";
  }
  if (cycle.size() > kMaxCycleNamesShown) message += "... -> ";
  message += spec.tasks[cycle[0]].name;
  return InvalidArgument(std::move(message), TaskPath(cycle[0]) + ".dependsOn");
}

// Called when Kahn's algorithm left tasks unprocessed (in_degree > 0). Each
// such task has an unprocessed dependency, so walking those from any of them
// must revisit a task: the walk from the repeat on is a cycle.
Status FindCycle(const JobSpec& spec, const Dag& dag, const std::vector<int>& in_degree) {
  const int n = static_cast<int>(in_degree.size());
  int start = 0;
  while (in_degree[start] == 0) ++start;
  std::vector<int> position(n, -1);  // index in `walk`, or -1
  std::vector<int> walk;
  int current = start;
  while (position[current] < 0) {
    position[current] = static_cast<int>(walk.size());
    walk.push_back(current);
    int next = -1;
    for (int dep : dag.deps[current]) {
      if (in_degree[dep] > 0) {
        next = dep;
        break;
      }
    }
    PG_CHECK(next >= 0);  // in_degree > 0 counts unprocessed dependencies
    current = next;
  }
  return CycleError(spec, std::vector<int>(walk.begin() + position[current], walk.end()));
}

// Fills deps and dependents, refusing duplicate task names and unknown,
// repeated or self dependencies.
Status Link(const JobSpec& spec, Dag& dag) {
  const size_t n = spec.tasks.size();
  std::unordered_map<std::string_view, int> index_by_name;
  index_by_name.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!index_by_name.emplace(spec.tasks[i].name, static_cast<int>(i)).second) {
      return InvalidArgument("duplicate task name " + Quote(spec.tasks[i].name),
                             TaskPath(i) + ".name");
    }
  }
  dag.deps.resize(n);
  dag.dependents.resize(n);
  // listed_by[d] == i once task i has named d: catches a repeated dependency
  // in O(1) however long the list.
  std::vector<int> listed_by(n, -1);
  for (size_t i = 0; i < n; ++i) {
    const Task& task = spec.tasks[i];
    const int self = static_cast<int>(i);
    for (size_t j = 0; j < task.depends_on.size(); ++j) {
      const std::string& name = task.depends_on[j];
      auto it = index_by_name.find(name);
      if (it == index_by_name.end()) {
        return InvalidArgument(
            "unknown task " + Quote(name) + " in dependsOn of " + Quote(task.name),
            IndexPath(TaskPath(i) + ".dependsOn", j));
      }
      const int dep = it->second;
      if (dep == self) {
        return InvalidArgument("dependency cycle: " + task.name + " -> " + task.name,
                               TaskPath(i) + ".dependsOn");
      }
      if (listed_by[dep] == self) {
        return InvalidArgument("duplicate dependency " + Quote(name),
                               IndexPath(TaskPath(i) + ".dependsOn", j));
      }
      listed_by[dep] = self;
      dag.deps[i].push_back(dep);
      dag.dependents[dep].push_back(self);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Dag> BuildDag(const JobSpec& spec) {
  Dag dag;
  PG_RETURN_IF_ERROR(Link(spec, dag));

  // Kahn's algorithm, always taking the ready task that comes first in the
  // spec: a spec already in dependency order keeps its order.
  const size_t n = spec.tasks.size();
  std::vector<int> in_degree(n);
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    in_degree[i] = static_cast<int>(dag.deps[i].size());
    if (in_degree[i] == 0) {
      dag.roots.push_back(static_cast<int>(i));
      ready.push(static_cast<int>(i));
    }
  }
  dag.topo_order.reserve(n);
  while (!ready.empty()) {
    int t = ready.top();
    ready.pop();
    dag.topo_order.push_back(t);
    for (int d : dag.dependents[t]) {
      if (--in_degree[d] == 0) ready.push(d);
    }
  }
  if (dag.topo_order.size() < n) return FindCycle(spec, dag, in_degree);
  return dag;
}

}  // namespace pipegrid::spec
