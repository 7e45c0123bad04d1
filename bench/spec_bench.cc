// Spec parsing and DAG building: on the submit path of every job.
#include <benchmark/benchmark.h>

#include <string>

#include "spec/dag.h"
#include "spec/job_spec.h"

namespace pipegrid::spec {
namespace {

constexpr std::string_view kOneTaskYaml = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: one, labels: {team: data}}
spec:
  retry: {limit: 3}
  tasks:
    - name: main
      resources: {cpu: 1, memory: 256Mi}
      steps:
        - commands: ["seq 1 3 > list.txt", "wc -l list.txt"]
)";

// n tasks, each depending on the one before and on the first: the shape of a
// pipeline with a shared setup task.
std::string ManyTasksYaml(int n) {
  std::string y = "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: many}\nspec:\n  tasks:\n";
  for (int i = 0; i < n; ++i) {
    y += "    - name: t" + std::to_string(i) + "\n";
    if (i == 1) y += "      dependsOn: [t0]\n";
    if (i > 1) y += "      dependsOn: [t0, t" + std::to_string(i - 1) + "]\n";
    y += "      timeout: 10m\n      resources: {cpu: 500m, memory: 1Gi}\n";
    y += "      steps:\n        - executor: tool\n          commands: [\"run --part " +
         std::to_string(i) + "\"]\n";
  }
  return y;
}

JobSpec MustParse(std::string_view body, BodyFormat format) {
  Result<JobSpec> r = ParseJobSpec(body, format);
  PG_CHECK(r.ok());
  return *std::move(r);
}

void BM_ParseOneTaskYaml(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseJobSpec(kOneTaskYaml, BodyFormat::kYaml));
}
BENCHMARK(BM_ParseOneTaskYaml);

void BM_ParseOneTaskJson(benchmark::State& state) {
  std::string json = ToJson(MustParse(kOneTaskYaml, BodyFormat::kYaml)).dump();
  for (auto _ : state) benchmark::DoNotOptimize(ParseJobSpec(json, BodyFormat::kJson));
}
BENCHMARK(BM_ParseOneTaskJson);

void BM_ParseManyTasksYaml(benchmark::State& state) {
  std::string yaml = ManyTasksYaml(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ParseJobSpec(yaml, BodyFormat::kYaml));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(yaml.size()));
}
BENCHMARK(BM_ParseManyTasksYaml)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ParseManyTasksJson(benchmark::State& state) {
  std::string json =
      ToJson(MustParse(ManyTasksYaml(static_cast<int>(state.range(0))), BodyFormat::kYaml)).dump();
  for (auto _ : state) benchmark::DoNotOptimize(ParseJobSpec(json, BodyFormat::kJson));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_ParseManyTasksJson)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ToJsonManyTasks(benchmark::State& state) {
  JobSpec spec = MustParse(ManyTasksYaml(static_cast<int>(state.range(0))), BodyFormat::kYaml);
  for (auto _ : state) benchmark::DoNotOptimize(ToJson(spec).dump());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ToJsonManyTasks)->Arg(1000)->Unit(benchmark::kMillisecond);

enum class Shape { kChain, kFanOut };

JobSpec Graph(int n, Shape shape) {
  JobSpec spec;
  spec.name = "graph";
  spec.tasks.resize(n);
  for (int i = 0; i < n; ++i) {
    Task& t = spec.tasks[i];
    t.name = "t" + std::to_string(i);
    t.steps = {{"shell", {"true"}}};
    if (i == 0) continue;
    t.depends_on = {shape == Shape::kChain ? "t" + std::to_string(i - 1) : "t0"};
  }
  return spec;
}

void BM_BuildDag(benchmark::State& state, Shape shape) {
  JobSpec spec = Graph(static_cast<int>(state.range(0)), shape);
  for (auto _ : state) {
    Result<Dag> dag = BuildDag(spec);
    PG_CHECK(dag.ok());
    benchmark::DoNotOptimize(dag);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(BM_BuildDag, chain, Shape::kChain)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BuildDag, fan_out, Shape::kFanOut)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pipegrid::spec

BENCHMARK_MAIN();
