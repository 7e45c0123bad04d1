// YAML bodies, through yaml-cpp's event interface straight into JSON.
//
// Not YAML::Load/LoadAll: LoadAll never returns on some inputs (a stray ","
// yields empty documents forever), and a node graph that shares aliased nodes
// would have to be expanded afterwards anyway. Here each alias is copied as it
// is met, so "billion laughs" is stopped by the node and byte budget before it
// allocates, and nesting stops at kMaxDepth before yaml-cpp recurses far.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "spec/document.h"

namespace pipegrid::spec::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxParserMessageBytes = 256;

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return " at line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

// Thrown by the handler to abandon the parse (yaml-cpp offers no other way);
// caught in ParseYamlDocument, never leaves this file.
struct StopParse {
  Status status;
};

// Builds the JSON tree from parser events. stack_ holds the open containers;
// a finished value is placed into the innermost one (or becomes the root).
class JsonBuilder final : public YAML::EventHandler {
 public:
  bool has_root() const { return has_root_; }
  json& root() { return root_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Charge(1, 0, mark);
    Place(json(nullptr), anchor, {1, 0}, mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!IsValidUtf8(value)) Fail("not valid UTF-8", mark);
    Charge(1, value.size(), mark);
    Place(json(value), anchor, {1, value.size()}, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) Fail("an alias refers to the node that contains it", mark);
    const Anchored& target = it->second;
    Charge(target.cost.nodes, target.cost.bytes, mark);  // before copying: the point of it
    Place(json(target.value), YAML::NullAnchor, target.cost, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(json::array(), anchor, mark);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(json::object(), anchor, mark);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Cost {
    size_t nodes;
    size_t bytes;
  };
  struct Frame {
    json value;
    YAML::anchor_t anchor;
    YAML::Mark mark;
    Cost charged_before;  // the budget spent when it opened
    std::string key;      // maps: the key whose value comes next
    bool has_key = false;
  };
  struct Anchored {
    json value;
    Cost cost;
  };

  [[noreturn]] void Fail(const std::string& message, const YAML::Mark& mark) {
    throw StopParse{InvalidArgument(message + Where(mark), Path())};
  }

  void Charge(size_t nodes, size_t bytes, const YAML::Mark& mark) {
    spent_.nodes += nodes;
    spent_.bytes += bytes;
    if (spent_.nodes > kMaxYamlNodes) {
      Fail("document expands to more than " + std::to_string(kMaxYamlNodes) +
               " nodes (through YAML aliases?)",
           mark);
    }
    if (spent_.bytes > kMaxYamlScalarBytes) {
      Fail("document expands to more than " + std::to_string(kMaxYamlScalarBytes) +
               " bytes of text (through YAML aliases?)",
           mark);
    }
  }

  // Keeps a copy of an anchored value for its aliases. The copies have their
  // own budget: anchors nested in anchors copy the same nodes again.
  void Remember(YAML::anchor_t anchor, const json& value, Cost cost, const YAML::Mark& mark) {
    anchor_copies_.nodes += cost.nodes;
    anchor_copies_.bytes += cost.bytes;
    if (anchor_copies_.nodes > kMaxYamlNodes || anchor_copies_.bytes > kMaxYamlScalarBytes) {
      Fail("too much content under YAML anchors", mark);
    }
    anchors_[anchor] = Anchored{value, cost};
  }

  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key;
  }

  void Open(json&& container, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (ExpectingKey()) Fail("keys must be strings", mark);
    if (static_cast<int>(stack_.size()) >= kMaxDepth) {
      Fail("nested deeper than " + std::to_string(kMaxDepth) + " levels", mark);
    }
    Cost before = spent_;
    Charge(1, 0, mark);
    stack_.push_back(Frame{std::move(container), anchor, mark, before});
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Cost cost{spent_.nodes - frame.charged_before.nodes, spent_.bytes - frame.charged_before.bytes};
    Place(std::move(frame.value), frame.anchor, cost, frame.mark);
  }

  // Puts a finished value where it belongs; its cost is already charged.
  void Place(json&& value, YAML::anchor_t anchor, Cost cost, const YAML::Mark& mark) {
    if (anchor != YAML::NullAnchor) Remember(anchor, value, cost, mark);
    if (stack_.empty()) {
      root_ = std::move(value);
      has_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
    } else if (!top.has_key) {
      if (!value.is_string()) Fail("keys must be strings", mark);
      std::string key = value.get<std::string>();
      if (top.value.contains(key)) {
        top.key = key;
        top.has_key = true;  // so that Path() names it
        Fail("duplicate key " + Quote(key), mark);
      }
      top.key = std::move(key);
      top.has_key = true;
    } else {
      top.value.emplace(std::move(top.key), std::move(value));
      top.has_key = false;
    }
  }

  // Where the next value goes: e.g. "spec.tasks[2].name".
  std::string Path() const {
    std::string path;
    for (const Frame& f : stack_) {
      if (f.value.is_array()) {
        path = IndexPath(path, f.value.size());
      } else if (f.has_key) {
        path = ChildPath(path, f.key);
      }
    }
    return path;
  }

  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  Cost spent_{0, 0};          // the document's nodes, aliases expanded
  Cost anchor_copies_{0, 0};  // what anchors_ holds
  json root_;
  bool has_root_ = false;
};

}  // namespace

Result<json> ParseYamlDocument(std::string_view body) {
  if (body.size() > kMaxBodyBytes) {
    return ResourceExhausted("body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  std::istringstream in{std::string(body)};
  JsonBuilder builder;
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder) || !builder.has_root()) {
      return InvalidArgument("the body is empty");
    }
    if (parser) {
      return InvalidArgument(
          "unexpected content after the first YAML document: send one document per job");
    }
  } catch (const StopParse& stop) {
    return stop.status;
  } catch (const YAML::DeepRecursion& e) {
    // Its message is a misleading "bad file" in yaml-cpp 0.7.
    return InvalidArgument("invalid YAML" + Where(e.mark) + ": nested too deeply");
  } catch (const YAML::Exception& e) {
    return InvalidArgument("invalid YAML" + Where(e.mark) + ": " +
                           ForMessage(e.msg, kMaxParserMessageBytes));
  }
  return std::move(builder.root());
}

}  // namespace pipegrid::spec::internal
