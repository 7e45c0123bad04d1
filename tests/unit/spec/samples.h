// Spec bodies shared by the spec tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace pipegrid::spec::testing {

// DESIGN §2's example without forEach and outputs: the canonical JSON of a spec
// like this one must not change as fields are added (to_json_test.cc).
inline constexpr std::string_view kDesignExampleYaml = R"(
apiVersion: pipegrid/v1       # required
kind: Job                     # required
metadata:
  name: ocr-batch
  namespace: default
  externalId: order-4711
  labels: {team: data}
spec:
  priority: 0
  timeout: 1h
  failFast: false
  retry: {limit: 3, lostLimit: 3, backoff: {initial: 1s, factor: 2, max: 1m, jitter: 0.2}}
  tasks:
    - name: fetch
      steps:
        - executor: shell
          commands: ["seq 1 3 > list.txt"]
    - name: ocr
      dependsOn: [fetch]
      resources: {cpu: 1, memory: 256Mi}
      nodeSelector: {zone: a}
      spread: true
      timeout: 10m
      retry: {limit: 5}
      steps:
        - commands: ["echo page $PIPEGRID_ITEM > out.txt"]
)";

// The same spec as JSON.
inline constexpr std::string_view kDesignExampleJson = R"({
  "apiVersion": "pipegrid/v1",
  "kind": "Job",
  "metadata": {"name": "ocr-batch", "namespace": "default", "externalId": "order-4711",
               "labels": {"team": "data"}},
  "spec": {
    "priority": 0,
    "timeout": "1h",
    "failFast": false,
    "retry": {"limit": 3, "lostLimit": 3,
              "backoff": {"initial": "1s", "factor": 2, "max": "1m", "jitter": 0.2}},
    "tasks": [
      {"name": "fetch",
       "steps": [{"executor": "shell", "commands": ["seq 1 3 > list.txt"]}]},
      {"name": "ocr", "dependsOn": ["fetch"],
       "resources": {"cpu": 1, "memory": "256Mi"}, "nodeSelector": {"zone": "a"},
       "spread": true, "timeout": "10m", "retry": {"limit": 5},
       "steps": [{"commands": ["echo page $PIPEGRID_ITEM > out.txt"]}]}
    ]
  }
})";

// DESIGN §2's example as it stands, with fan-out and outputs.
inline constexpr std::string_view kFanOutExampleYaml = R"(
apiVersion: pipegrid/v1
kind: Job
metadata:
  name: ocr-batch
spec:
  tasks:
    - name: fetch
      steps:
        - executor: shell
          commands: ["seq 1 3 > list.txt"]
      outputs: {files: [list.txt]}
    - name: ocr
      dependsOn: [fetch]
      forEach: {from: fetch, file: list.txt}   # one instance per line
      spread: true
      steps:
        - commands: ["echo page $PIPEGRID_ITEM > out.txt"]
      outputs: {files: [out.txt]}
)";

// The smallest valid v1 spec, as a tree for tests to modify.
inline nlohmann::json MinimalSpec() {
  return nlohmann::json::parse(R"({
    "apiVersion": "pipegrid/v1", "kind": "Job", "metadata": {"name": "job"},
    "spec": {"tasks": [{"name": "a", "steps": [{"commands": ["true"]}]}]}
  })");
}

}  // namespace pipegrid::spec::testing
