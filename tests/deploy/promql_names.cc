#include "deploy/promql_names.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace pipegrid::deploy {
namespace {

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Reserved words, never metric names even when no '(' follows: an
// aggregation may be followed by its grouping ("sum by (x) (...)").
constexpr std::array<std::string_view, 19> kOperatorWords = {
    "and",   "or",           "unless",  "bool", "offset",  "inf",    "nan",
    "sum",   "min",          "max",     "avg",  "group",   "stddev", "stdvar",
    "count", "count_values", "bottomk", "topk", "quantile"};
// Words followed by a parenthesised list of label names, not an expression.
constexpr std::array<std::string_view, 6> kGroupingWords = {
    "by", "without", "on", "ignoring", "group_left", "group_right"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  Result<std::set<std::string>> Run() {
    std::set<std::string> names;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"' || c == '\'' || c == '`') {
        PG_RETURN_IF_ERROR(SkipString());
      } else if (c == '{') {
        PG_RETURN_IF_ERROR(SkipBlock('{', '}'));
      } else if (c == '[') {
        PG_RETURN_IF_ERROR(SkipBlock('[', ']'));
      } else if (c == '$') {
        SkipVariable();
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
        // Numbers and durations: 0.9, 1e3, 5m, 1h30m.
        while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      } else if (IsIdentStart(c)) {
        std::string_view word = Identifier();
        if (OneOf(kGroupingWords, word)) {
          SkipSpace();
          if (pos_ < text_.size() && text_[pos_] == '(') PG_RETURN_IF_ERROR(SkipBlock('(', ')'));
        } else if (!OneOf(kOperatorWords, word) && !FollowedByParen()) {
          names.insert(std::string(word));
        }
      } else {
        if (c == '(') ++depth_;
        if (c == ')' && --depth_ < 0) return InvalidArgument("unbalanced ')' in: " + Expr());
        ++pos_;
      }
    }
    if (depth_ != 0) return InvalidArgument("unclosed '(' in: " + Expr());
    return names;
  }

 private:
  std::string Expr() const { return std::string(text_); }

  std::string_view Identifier() {
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool FollowedByParen() {
    size_t saved = pos_;
    SkipSpace();
    bool paren = pos_ < text_.size() && text_[pos_] == '(';
    pos_ = saved;
    return paren;
  }

  Status SkipString() {
    char quote = text_[pos_++];
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '\\' && quote != '`') {
        ++pos_;
      } else if (c == quote) {
        return Status::Ok();
      }
    }
    return InvalidArgument("unterminated string in: " + Expr());
  }

  // From an opening bracket to its match, strings inside included.
  Status SkipBlock(char open, char close) {
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"' || c == '\'' || c == '`') {
        PG_RETURN_IF_ERROR(SkipString());
        continue;
      }
      ++pos_;
      if (c == open) ++depth;
      if (c == close && --depth == 0) return Status::Ok();
    }
    return InvalidArgument(std::string("unclosed '") + open + "' in: " + Expr());
  }

  // $name, ${name}, ${name:format}, $__rate_interval.
  void SkipVariable() {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '{') {
      while (pos_ < text_.size() && text_[pos_] != '}') ++pos_;
      if (pos_ < text_.size()) ++pos_;
      return;
    }
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;  // open '(' of calls and sub-expressions
};

}  // namespace

Result<std::set<std::string>> MetricNamesIn(std::string_view expr) { return Scanner(expr).Run(); }

}  // namespace pipegrid::deploy
