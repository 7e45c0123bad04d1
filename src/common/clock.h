// Injected time. Nothing calls std::chrono::*::now() directly: components take
// a Clock& so tests can advance time with FakeClock instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace pipegrid {

using Millis = std::chrono::milliseconds;
using MonoTime = std::chrono::steady_clock::time_point;   // for timeouts
using WallTime = std::chrono::system_clock::time_point;   // for display

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime Monotonic() const = 0;
  virtual WallTime Wall() const = 0;
};

class SystemClock final : public Clock {
 public:
  MonoTime Monotonic() const override { return std::chrono::steady_clock::now(); }
  WallTime Wall() const override { return std::chrono::system_clock::now(); }
  static SystemClock& Instance();
};

// Thread-safe; both clocks move together on Advance().
class FakeClock final : public Clock {
 public:
  FakeClock();
  MonoTime Monotonic() const override {
    return MonoTime(std::chrono::nanoseconds(mono_ns_.load()));
  }
  WallTime Wall() const override {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(
        std::chrono::nanoseconds(wall_ns_.load())));
  }
  void Advance(std::chrono::nanoseconds d) {
    mono_ns_ += d.count();
    wall_ns_ += d.count();
  }

 private:
  std::atomic<long long> mono_ns_;
  std::atomic<long long> wall_ns_;
};

}  // namespace pipegrid
