// Stream: a response body produced over time, pulled piece by piece by the
// HTTP connection that sends it (log and event follow).
//
// Pulling gives back-pressure for free: the next piece is asked for only once
// the previous one is written, so a slow client makes its stream read the
// file or the store less often, never buffer without bound.
//
// Threading: the connection calls Start() once, then Next() again and again,
// never concurrently, on one of the HTTP threads (blocking reads of the store
// or of a file are fine there, as in any handler). After a piece is written
// Next() is called again at once; after kWait, only once `wake` has been
// called. `wake` is thread-safe, cheap and coalescing: call it from any
// thread, as often as there may be something new. The stream is destroyed on
// an HTTP thread or, when the server stops, on the stopping thread.
#pragma once

#include <functional>
#include <string>

namespace pipegrid::logs {

struct Piece {
  enum class Kind {
    kData,  // `data` (not empty) is the next part of the body
    kWait,  // nothing to send until woken
    kEnd,   // `data` (may be empty) is the last part; the response ends
  };
  Kind kind = Kind::kWait;
  std::string data;

  static Piece Data(std::string d) { return {Kind::kData, std::move(d)}; }
  static Piece Wait() { return {Kind::kWait, {}}; }
  static Piece End(std::string d = {}) { return {Kind::kEnd, std::move(d)}; }
};

class Stream {
 public:
  virtual ~Stream() = default;
  virtual void Start(std::function<void()> wake) = 0;
  virtual Piece Next() = 0;
};

}  // namespace pipegrid::logs
