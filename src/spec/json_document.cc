// JSON bodies, through nlohmann's SAX interface rather than json::parse: its
// parser keeps its own stack (no recursion), and a handler of our own can stop
// at kMaxDepth and refuse duplicate keys, which json::parse silently merges.
#include <string>
#include <utility>
#include <vector>

#include "spec/document.h"

namespace pipegrid::spec::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxParserMessageBytes = 256;

// Builds the DOM like nlohmann's own dom parser, plus the two limits. Each open
// container is on stack_; keys_[i] is the key being filled in stack_[i] when
// that is an object. Pointers stay valid: only the last child of a container is
// ever open, and nothing is appended to a container while a child is open.
class BoundedDomBuilder final : public json::json_sax_t {
 public:
  json& root() { return root_; }
  Status TakeError() { return std::move(error_); }

  bool null() override { return Add(nullptr); }
  bool boolean(bool v) override { return Add(v); }
  bool number_integer(number_integer_t v) override { return Add(v); }
  bool number_unsigned(number_unsigned_t v) override { return Add(v); }
  bool number_float(number_float_t v, const string_t&) override { return Add(v); }
  bool string(string_t& v) override { return Add(std::move(v)); }
  bool binary(binary_t&) override { return Fail("binary values are not JSON", Path()); }

  bool start_object(std::size_t) override { return Open(json::object()); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }

  bool key(string_t& k) override {
    json& object = *stack_.back();
    if (object.contains(k)) {
      return Fail("duplicate key " + Quote(k), ChildPath(ParentPath(), k));
    }
    keys_.back() = std::move(k);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    // what() is "[json.exception.parse_error.101] parse error at line 3, column
    // 7: syntax error ...; last read: '<raw bytes>'"; the bracketed id means
    // nothing to a user, and the raw bytes may be huge or not UTF-8.
    std::string_view what = e.what();
    size_t bracket = what.find("] ");
    if (what.starts_with("[json.exception.") && bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    return Fail("invalid JSON: " + ForMessage(what, kMaxParserMessageBytes), "");
  }

 private:
  // Path of the innermost open container.
  std::string ParentPath() const {
    std::string path;
    for (size_t i = 0; i + 1 < stack_.size(); ++i) {
      path = stack_[i]->is_array() ? IndexPath(path, stack_[i]->size() - 1)
                                   : ChildPath(path, keys_[i]);
    }
    return path;
  }
  // Path of the value being added to the innermost open container.
  std::string Path() const {
    if (stack_.empty()) return "";
    const json& top = *stack_.back();
    return top.is_array() ? IndexPath(ParentPath(), top.size())
                          : ChildPath(ParentPath(), keys_.back());
  }

  json* Place(json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
      return &top.back();
    }
    json& slot = top[keys_.back()];
    slot = std::move(value);
    return &slot;
  }

  bool Add(json&& value) {
    Place(std::move(value));
    return true;
  }

  bool Open(json&& container) {
    if (static_cast<int>(stack_.size()) >= kMaxDepth) {
      return Fail("nested deeper than " + std::to_string(kMaxDepth) + " levels", Path());
    }
    stack_.push_back(Place(std::move(container)));
    keys_.emplace_back();
    return true;
  }

  bool Close() {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }

  bool Fail(std::string message, std::string field) {
    error_ = InvalidArgument(std::move(message), std::move(field));
    return false;  // stops the parser
  }

  json root_;
  std::vector<json*> stack_;
  std::vector<std::string> keys_;
  Status error_;
};

}  // namespace

Result<json> ParseJsonDocument(std::string_view body) {
  if (body.size() > kMaxBodyBytes) {
    return ResourceExhausted("body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  BoundedDomBuilder builder;
  bool ok = false;
  try {
    ok = json::sax_parse(body.begin(), body.end(), &builder);
  } catch (const json::exception& e) {
    // The SAX parser reports errors through parse_error(); this is a guard for
    // anything it throws regardless.
    return InvalidArgument("invalid JSON: " + ForMessage(e.what(), kMaxParserMessageBytes));
  }
  if (!ok) return builder.TakeError();
  return std::move(builder.root());
}

}  // namespace pipegrid::spec::internal
