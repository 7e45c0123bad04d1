// A JSON text written front to back, for resources too large to build as an
// nlohmann tree first: a job of 10,000 tasks spent more time allocating,
// sorting and freeing its tree than the store took to commit it.
//
// The text is what DumpJson would print for the same value: no whitespace,
// strings escaped alike (invalid UTF-8 replaced by U+FFFD). Object keys are
// written in the order given: callers give them sorted, as nlohmann's
// std::map objects print them, so both paths print the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pipegrid::api {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // An object member's name; the next call writes its value.
  JsonWriter& Key(std::string_view name);

  JsonWriter& String(std::string_view value);
  JsonWriter& StringOrNull(std::string_view value);  // "" is null
  JsonWriter& Int(int64_t value);
  JsonWriter& Null();
  // A value that is JSON text already (DumpJson's output).
  JsonWriter& Raw(std::string_view json);

  // The text so far; the writer is empty afterwards.
  std::string Take();

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open object or array: true until its first element.
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace pipegrid::api
