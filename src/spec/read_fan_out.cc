// A task's `forEach` and `outputs` (DESIGN §2), and the check that needs the
// whole job: a fan-out over a file reads a file its upstream task keeps.
#include <fnmatch.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "spec/document.h"
#include "spec/reader.h"

namespace pipegrid::spec::internal {
namespace {

// A literal item becomes an environment variable ($PIPEGRID_ITEM); a path is
// joined to a workspace. Neither needs more, and the caps keep both sane.
constexpr size_t kMaxItemBytes = 4096;
constexpr size_t kMaxPathBytes = 4096;

// A path inside the workspace: what outputs.files and forEach.file name.
// Everything it may not be would let a task read or publish files outside its
// own workspace ("/etc/passwd", "../other-task/x"), or be cut short at a NUL
// by the C calls that open it.
Result<std::string> ReadRelativePath(const Value& v) {
  PG_ASSIGN_OR_RETURN(std::string path, v.String());
  if (path.empty()) return v.Error("must not be empty");
  if (path.size() > kMaxPathBytes) {
    return v.Error("must be at most " + std::to_string(kMaxPathBytes) + " bytes");
  }
  if (path.find('\0') != std::string::npos) return v.Error("must not contain a NUL character");
  if (path.front() == '/') {
    return v.Error("must be relative to the workspace, not absolute: " + Quote(path));
  }
  std::string_view rest = path;
  while (true) {
    size_t slash = rest.find('/');
    if (rest.substr(0, slash) == "..") {
      return v.Error("must stay inside the workspace (no \"..\" component): " + Quote(path));
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return path;
}

// Items are text (they become $PIPEGRID_ITEM); a JSON number or boolean is
// taken as it is written, as YAML gives it anyway.
Result<std::string> ReadItem(const Value& v) {
  const nlohmann::json& j = v.json();
  std::string item;
  if (j.is_string()) {
    item = j.get<std::string>();
  } else if (j.is_number() || j.is_boolean()) {
    item = j.dump();
  } else {
    return v.Error("must be a string, number or boolean");
  }
  if (item.size() > kMaxItemBytes) {
    return v.Error("must be at most " + std::to_string(kMaxItemBytes) + " bytes");
  }
  if (item.find('\0') != std::string::npos) return v.Error("must not contain a NUL character");
  return item;
}

bool Covers(const std::string& pattern, const std::string& file) {
  return pattern == file || fnmatch(pattern.c_str(), file.c_str(), FNM_PATHNAME) == 0;
}

}  // namespace

Result<ForEach> ReadForEach(const Value& v, const Task& task) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"from", "file", "items"}));
  std::optional<Value> from = v.Field("from");
  std::optional<Value> file = v.Field("file");
  std::optional<Value> items = v.Field("items");
  ForEach for_each;
  if (items) {
    if (from || file) {
      return v.Error("forEach takes either {from, file} or {items}, not both");
    }
    PG_ASSIGN_OR_RETURN(std::vector<Value> values, items->List());
    for_each.items.reserve(values.size());
    for (const Value& item : values) {
      PG_ASSIGN_OR_RETURN(std::string text, ReadItem(item));
      for_each.items.push_back(std::move(text));
    }
    return for_each;
  }
  if (!from && !file) {
    return v.Error("forEach needs either {from: <task>, file: <output file>} or {items: [...]}");
  }
  if (!from) return v.Missing("from", "the task whose output file lists the items");
  if (!file) return v.Missing("file", "the output file of `from` that lists the items");
  PG_ASSIGN_OR_RETURN(for_each.from, from->String());
  // Its outputs exist only once it has succeeded, which dependsOn guarantees.
  if (std::find(task.depends_on.begin(), task.depends_on.end(), for_each.from) ==
      task.depends_on.end()) {
    return from->Error("forEach.from " + Quote(for_each.from) + " must be listed in dependsOn of " +
                       Quote(task.name));
  }
  PG_ASSIGN_OR_RETURN(for_each.file, ReadRelativePath(*file));
  return for_each;
}

Result<std::vector<std::string>> ReadOutputs(const Value& v) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"files"}));
  std::optional<Value> files = v.Field("files");
  if (!files) return v.Missing("files", "the paths or globs to keep");
  PG_ASSIGN_OR_RETURN(std::vector<Value> values, files->List());
  if (values.empty()) return files->Error("must not be empty: leave outputs out instead");
  std::vector<std::string> paths;
  std::set<std::string_view> seen;
  paths.reserve(values.size());
  for (const Value& value : values) {
    PG_ASSIGN_OR_RETURN(std::string path, ReadRelativePath(value));
    paths.push_back(std::move(path));
    if (!seen.insert(paths.back()).second) {
      return value.Error("duplicate path " + Quote(paths.back()));
    }
  }
  return paths;
}

Status CheckForEachSources(const JobSpec& spec) {
  std::unordered_map<std::string_view, const Task*> by_name;
  by_name.reserve(spec.tasks.size());
  for (const Task& t : spec.tasks) by_name.emplace(t.name, &t);
  for (size_t i = 0; i < spec.tasks.size(); ++i) {
    const Task& task = spec.tasks[i];
    if (!task.for_each || task.for_each->literal()) continue;
    const ForEach& fe = *task.for_each;
    const std::string path = IndexPath("spec.tasks", i) + ".forEach";
    auto it = by_name.find(fe.from);
    PG_CHECK(it != by_name.end());  // ReadForEach required it in dependsOn; BuildDag checked those
    const Task& from = *it->second;
    // Each instance of a fan-out keeps its own copy of the file: which one
    // would list the items is not defined (yet), so refuse rather than guess.
    if (from.for_each) {
      return InvalidArgument("forEach.from " + from.name +
                                 " is itself a fan-out task: each of its instances has its own " +
                                 ForMessage(fe.file, 64) + ", so none can list the items",
                             path + ".from");
    }
    bool covered = std::any_of(from.outputs.begin(), from.outputs.end(),
                               [&](const std::string& p) { return Covers(p, fe.file); });
    if (!covered) {
      // Unquoted like the names in "task fetch": the message reads as prose.
      return InvalidArgument("forEach.file " + ForMessage(fe.file, 64) + " is not among task " +
                                 from.name + "'s outputs.files",
                             path + ".file");
    }
  }
  return Status::Ok();
}

}  // namespace pipegrid::spec::internal
