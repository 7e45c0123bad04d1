// Request body -> one nlohmann::json tree, whatever the syntax, so validation is
// written once (spec/value.h reads the tree).
//
// Both parsers are bounded so that no body can crash or stall the caller: the
// body size, the nesting depth and, for YAML, the expansion of aliases are
// capped. A YAML scalar becomes a JSON string (null for ~, null or nothing):
// whether "5" is a number is decided by the field that reads it, so
// `priority: 5` works and a task named `007` stays a string.
//
// Private to src/spec/. Stateless; safe to call from any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::spec::internal {

// Larger bodies are ResourceExhausted (the API answers 413). 10000 tasks, the
// most a job may have, fit with room to spare.
inline constexpr size_t kMaxBodyBytes = 16u << 20;
// A valid spec nests 8 levels; the slack lets a misplaced block still be
// reported as an unknown field rather than as too deep.
inline constexpr int kMaxDepth = 64;
// What a YAML document may expand to through aliases, and hold under anchors:
// nodes, and bytes of scalars. A 10000-task spec has a few hundred thousand.
inline constexpr size_t kMaxYamlNodes = 1'000'000;
inline constexpr size_t kMaxYamlScalarBytes = 64u << 20;

// Errors are InvalidArgument: a syntax error names line and column; a
// duplicate key, too deep a nesting or (YAML) a non-string key or invalid
// UTF-8 has field() set to where it is. A body over kMaxBodyBytes is
// ResourceExhausted.
Result<nlohmann::json> ParseJsonDocument(std::string_view body);
Result<nlohmann::json> ParseYamlDocument(std::string_view body);

// Paths as errors spell them: "spec.tasks", "spec.tasks[2]", and map keys that
// are not plain words in brackets: `nodeSelector["pipegrid.io/zone"]`. Long
// keys are shortened as by Quote().
std::string ChildPath(std::string_view parent, std::string_view key);
std::string IndexPath(std::string_view parent, size_t index);

// Error messages go out as JSON, which must be valid UTF-8, and should stay
// small whatever the input: ForMessage() replaces ill-formed bytes with U+FFFD
// and cuts the text at about max_bytes on a character boundary ("abc…").
std::string ForMessage(std::string_view text, size_t max_bytes);
// ForMessage(text, 64) in double quotes: how messages show values and keys.
std::string Quote(std::string_view text);

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view text);

}  // namespace pipegrid::spec::internal
