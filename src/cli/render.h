// Text views of the API's JSON resources (DESIGN §5) for `-o table`.
//
// The server is another program, possibly older or newer than this client:
// every function here reads fields defensively (missing or mistyped fields
// render as "-") and never throws. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pipegrid::cli {

using Json = nlohmann::json;

// obj[key] as display text: strings as they are, numbers and booleans in JSON
// spelling, objects of strings as "k=v,k=v"; "" when missing or null.
std::string FieldText(const Json& obj, std::string_view key);
// obj[key] when it is an integer, else `fallback`.
int64_t FieldInt(const Json& obj, std::string_view key, int64_t fallback = 0);
// obj[key] when it is an array, else an empty array.
const Json& FieldArray(const Json& obj, std::string_view key);

// Columns padded to their widest cell, two spaces apart, one row per line;
// rows[0] is the header. Empty cells show as "-"; no trailing blanks.
std::string RenderTable(const std::vector<std::vector<std::string>>& rows);

// A job's tasks by state, from its `counters` (or its `tasks` when the
// counters are missing).
struct TaskCounts {
  int64_t total = 0;
  int64_t done = 0;     // SUCCEEDED, FAILED, CANCELLED or SKIPPED
  int64_t running = 0;  // ASSIGNED or RUNNING
  int64_t failed = 0;
};
TaskCounts CountTasks(const Json& job);

// "job demo-1 RUNNING  3/7 done  1 running  0 failed": the line `submit
// --wait` redraws while it waits.
std::string ProgressLine(const Json& job);

// `get`: header lines, a table of tasks, then a table of their attempts.
std::string RenderJob(const Json& job);
// The list views: one row per item of a {"items": [...]} page.
std::string RenderJobList(const Json& page);
std::string RenderWorkerList(const Json& page);
std::string RenderDeadLetterList(const Json& page);
std::string RenderTokenList(const Json& page);

// Shortest readable duration: "250ms", "12.5s", "3m04s", "1h02m".
std::string FormatElapsed(int64_t millis);

}  // namespace pipegrid::cli
