// The generic pieces of render.h: defensive field access, tables, durations.
#include <algorithm>

#include "cli/render.h"

namespace pipegrid::cli {

std::string FieldText(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    std::string text;
    for (const auto& [k, v] : it->items()) {
      if (!text.empty()) text += ',';
      text += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    return text;
  }
  return it->dump();
}

int64_t FieldInt(const Json& obj, std::string_view key, int64_t fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return fallback;
  return it->get<int64_t>();
}

const Json& FieldArray(const Json& obj, std::string_view key) {
  static const Json kEmpty = Json::array();
  if (!obj.is_object()) return kEmpty;
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

std::string RenderTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 1);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string& cell = row[i].empty() ? std::string("-") : row[i];
      line += cell;
      if (i + 1 < row.size()) line.append(widths[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatElapsed(int64_t millis) {
  if (millis < 0) millis = 0;
  if (millis < 1000) return std::to_string(millis) + "ms";
  if (millis < 60'000) {
    int64_t tenths = millis / 100;
    std::string text = std::to_string(tenths / 10);
    if (tenths % 10 != 0) text += "." + std::to_string(tenths % 10);
    return text + "s";
  }
  auto two_digits = [](int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  int64_t seconds = millis / 1000;
  if (seconds < 3600) return std::to_string(seconds / 60) + "m" + two_digits(seconds % 60) + "s";
  return std::to_string(seconds / 3600) + "h" + two_digits(seconds / 60 % 60) + "m";
}

}  // namespace pipegrid::cli
