// A read-only cursor on one value of the document tree (spec/document.h) with
// its path, and typed reads whose errors are InvalidArgument at that path.
//
// YAML scalars arrive as strings; when the document came from YAML the number
// and boolean reads accept them ("5", "true", "0.5"), JSON ones do not: a JSON
// client that sends "5" for a number has a bug worth reporting. A null value
// counts as absent, so `timeout: null` (or `timeout:` in YAML) is "not set".
//
// Private to src/spec/. A Value refers into a tree it does not own.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::spec::internal {

class Value {
 public:
  Value(const nlohmann::json& json, std::string path, bool from_yaml)
      : json_(&json), path_(std::move(path)), from_yaml_(from_yaml) {}

  const nlohmann::json& json() const { return *json_; }
  const std::string& path() const { return path_; }

  // InvalidArgument about this value.
  Status Error(std::string message) const;
  // InvalidArgument: this object lacks the required field `key` ("name is
  // required", at "<path>.name"), with an optional explanation.
  Status Missing(std::string_view key, std::string_view why = {}) const;

  Result<std::string> String() const;
  // Whole numbers in [min, max].
  Result<int64_t> Integer(int64_t min, int64_t max) const;
  // Finite numbers.
  Result<double> Number() const;
  Result<bool> Bool() const;
  // ParseDuration syntax ("1h30m"); a string, not a number, even in JSON.
  Result<Millis> Duration() const;
  // ParseSize syntax ("256Mi"), or a whole number of bytes.
  Result<int64_t> Size() const;

  // Succeeds if this is an object whose keys are all in `known`; the error
  // names the first other key (they are sorted) and lists the known ones.
  Status ExpectObject(std::initializer_list<std::string_view> known) const;
  // A field of an object; nullopt when absent or null.
  std::optional<Value> Field(std::string_view key) const;
  // The elements of a list.
  Result<std::vector<Value>> List() const;
  // An object of strings to strings, e.g. labels; the values are not checked.
  Result<std::map<std::string, std::string>> StringMap() const;

 private:
  Value Child(const nlohmann::json& json, std::string path) const {
    return Value(json, std::move(path), from_yaml_);
  }

  const nlohmann::json* json_;
  std::string path_;
  bool from_yaml_;
};

}  // namespace pipegrid::spec::internal
