#include "spec/value.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/units.h"
#include "spec/document.h"

namespace pipegrid::spec::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxUnitText = 40;

// YAML 1.2 core-schema integers, decimal only: "42", "-7", "+3".
std::optional<int64_t> ParseYamlInteger(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseYamlFloat(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<bool> ParseYamlBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

std::string Join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

Status Value::Error(std::string message) const {
  return InvalidArgument(std::move(message), path_);
}

Status Value::Missing(std::string_view key, std::string_view why) const {
  std::string message(key);
  message += " is required";
  if (!why.empty()) {
    message += ": ";
    message += why;
  }
  return InvalidArgument(std::move(message), ChildPath(path_, key));
}

Result<std::string> Value::String() const {
  if (!json_->is_string()) return Error("must be a string");
  return json_->get<std::string>();
}

Result<int64_t> Value::Integer(int64_t min, int64_t max) const {
  std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  std::optional<int64_t> value;
  if (json_->is_number_unsigned()) {
    // Above INT64_MAX is out of any range we accept.
    uint64_t u = json_->get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) return Error("must be " + range);
    value = static_cast<int64_t>(u);
  } else if (json_->is_number_integer()) {
    value = json_->get<int64_t>();
  } else if (from_yaml_ && json_->is_string()) {
    value = ParseYamlInteger(json_->get_ref<const std::string&>());
  }
  if (!value) return Error("must be an integer " + range);
  if (*value < min || *value > max) return Error("must be " + range);
  return *value;
}

Result<double> Value::Number() const {
  std::optional<double> value;
  if (json_->is_number()) {
    value = json_->get<double>();
  } else if (from_yaml_ && json_->is_string()) {
    value = ParseYamlFloat(json_->get_ref<const std::string&>());
  }
  if (!value || !std::isfinite(*value)) return Error("must be a number");
  return *value;
}

Result<bool> Value::Bool() const {
  std::optional<bool> value;
  if (json_->is_boolean()) {
    value = json_->get<bool>();
  } else if (from_yaml_ && json_->is_string()) {
    value = ParseYamlBool(json_->get_ref<const std::string&>());
  }
  if (!value) return Error("must be true or false");
  return *value;
}

Result<Millis> Value::Duration() const {
  if (!json_->is_string()) return Error("must be a duration string like \"10m\" or \"1h30m\"");
  const std::string& text = json_->get_ref<const std::string&>();
  // No valid duration is this long; the check keeps a huge value out of the message.
  if (text.size() > kMaxUnitText) return Error("invalid duration " + Quote(text));
  Result<Millis> d = ParseDuration(text);
  if (!d.ok()) return Error(d.status().message());
  return d;
}

Result<int64_t> Value::Size() const {
  if (json_->is_number_unsigned()) {
    uint64_t bytes = json_->get<uint64_t>();
    if (bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error("too large");
    }
    return static_cast<int64_t>(bytes);
  }
  if (json_->is_number_integer()) {
    int64_t bytes = json_->get<int64_t>();
    if (bytes < 0) return Error("must not be negative");
    return bytes;
  }
  if (!json_->is_string()) return Error("must be a size like \"256Mi\" or a number of bytes");
  const std::string& text = json_->get_ref<const std::string&>();
  if (text.size() > kMaxUnitText) return Error("invalid size " + Quote(text));
  Result<int64_t> size = ParseSize(text);
  if (!size.ok()) return Error(size.status().message());
  return size;
}

Status Value::ExpectObject(std::initializer_list<std::string_view> known) const {
  if (!json_->is_object()) return Error("must be an object");
  for (const auto& [key, unused] : json_->items()) {
    bool is_known = false;
    for (std::string_view k : known) is_known = is_known || k == key;
    if (!is_known) {
      return InvalidArgument("unknown field " + Quote(key) + " (known: " + Join(known) + ")",
                             ChildPath(path_, key));
    }
  }
  return Status::Ok();
}

std::optional<Value> Value::Field(std::string_view key) const {
  PG_DCHECK(json_->is_object());
  auto it = json_->find(key);
  if (it == json_->end() || it->is_null()) return std::nullopt;
  return Child(*it, ChildPath(path_, key));
}

Result<std::vector<Value>> Value::List() const {
  if (!json_->is_array()) return Error("must be a list");
  std::vector<Value> out;
  out.reserve(json_->size());
  for (size_t i = 0; i < json_->size(); ++i) out.push_back(Child((*json_)[i], IndexPath(path_, i)));
  return out;
}

Result<std::map<std::string, std::string>> Value::StringMap() const {
  if (!json_->is_object()) return Error("must be an object of names to strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : json_->items()) {
    PG_ASSIGN_OR_RETURN(std::string s, Child(value, ChildPath(path_, key)).String());
    out.emplace(key, std::move(s));
  }
  return out;
}

}  // namespace pipegrid::spec::internal
