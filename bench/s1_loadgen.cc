// S1 of issue 6: submit throughput of POST /api/v1/jobs, driven by bench/s1.sh.
//
// A load generator of its own rather than wrk or ab: the figure has to count
// coordinated omission. In the open loop (--rate R) request i is due at
// start + i/R whatever the server does, and its latency runs from that due
// time, so a server that stalls is charged for every request it held back,
// not only for the one it was slow on. In the closed loop (--rate 0) each
// connection sends again as soon as its previous answer is in: saturation.
// Plain sockets and epoll, no project code, so that nothing the server does
// is shared with the side that measures it. Only 127.0.0.1 is ever dialled.
//
// Every request scheduled gets one latency: until its response, until its
// connection broke, or until the drain ended (then it counts as a timeout, or
// as unsent if it never left). 201 counts as accepted, anything else as an
// error, by status.
//
// Last line: `SYSTEM S1@RATE N SECONDS RATE P50 P99 P999` (N accepted, RATE
// accepted/s, latencies in ms), or with --once `SYSTEM S1batch TASKS SECONDS
// TASKS/S` for one body POSTed once.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitUsage = 64;
// Pseudo statuses for requests that got no HTTP answer.
constexpr int kBroken = -1;   // the connection broke with the request in flight
constexpr int kTimeout = -2;  // sent, unanswered at the end of the drain
constexpr int kUnsent = -3;   // due, but no connection was free before the end

const char kUsage[] =
    "usage: s1_loadgen --port PORT [--rate R] [--connections C] [--duration S] [--max N]\n"
    "                  [--drain S] [--system NAME] [--name-prefix P]\n"
    "       s1_loadgen --port PORT --once FILE [--tasks N] [--drain S] [--system NAME]\n"
    "  --rate R: requests/s on a fixed timeline (open loop); 0 = saturation (closed loop)\n";

struct Options {
  int port = 0;
  double rate = 0;  // 0: closed loop
  int connections = 32;
  double duration_s = 5;
  int64_t max_requests = 1'000'000;
  double drain_s = -1;  // after the send window; -1: 10 s, 60 s with --once
  std::string once_file;
  int64_t tasks = 1;  // tasks in the --once body, for tasks/s
  std::string system = "pipegrid-up";
  std::string name_prefix = "s1-";
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
Clock::duration FromSeconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// Returns false on anything it does not understand: the caller prints usage.
bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) return false;
    std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--port") {
      ok = ParseNumber(value, o.port) && o.port > 0 && o.port < 65536;
    } else if (flag == "--rate") {
      ok = ParseNumber(value, o.rate) && o.rate >= 0;
    } else if (flag == "--connections") {
      ok = ParseNumber(value, o.connections) && o.connections > 0 && o.connections <= 4096;
    } else if (flag == "--duration") {
      ok = ParseNumber(value, o.duration_s) && o.duration_s > 0 && o.duration_s <= 3600;
    } else if (flag == "--max") {
      ok = ParseNumber(value, o.max_requests) && o.max_requests > 0;
    } else if (flag == "--drain") {
      ok = ParseNumber(value, o.drain_s) && o.drain_s >= 0 && o.drain_s <= 3600;
    } else if (flag == "--once") {
      o.once_file = value;
    } else if (flag == "--tasks") {
      ok = ParseNumber(value, o.tasks) && o.tasks > 0;
    } else if (flag == "--system") {
      o.system = value;
    } else if (flag == "--name-prefix") {
      o.name_prefix = value;
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  if (o.port == 0) return false;
  if (o.drain_s < 0) o.drain_s = o.once_file.empty() ? 10 : 60;
  if (!o.once_file.empty()) {  // one request, on one connection, right away
    o.rate = 0;
    o.connections = 1;
    o.max_requests = 1;
  }
  return true;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IContains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (IEquals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// One HTTP/1.1 response at a time, fed bytes as they arrive. Body bytes are
// dropped as soon as they are counted, so a multi-megabyte answer (a Job of
// 10,000 tasks) costs no copy and no re-scan.
class ResponseParser {
 public:
  enum class Progress { kNeedMore, kDone, kError };

  // Consumes what it can from the front of `buf`.
  Progress Feed(std::string& buf) {
    size_t pos = 0;
    Progress p = Step(buf, pos);
    buf.erase(0, pos);
    return p;
  }
  // The peer closed: that ends a body delimited by the close, nothing else.
  Progress Eof() { return state_ == State::kUntilEof ? Progress::kDone : Progress::kError; }

  void Reset() { *this = ResponseParser(); }
  int status() const { return status_; }
  // The connection cannot carry another request after this response.
  bool must_close() const { return close_ || state_ == State::kUntilEof; }

 private:
  enum class State { kHead, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailer, kUntilEof, kDone };
  static constexpr size_t kMaxHead = 64 << 10;

  Progress Step(const std::string& buf, size_t& pos) {
    while (true) {
      switch (state_) {
        case State::kHead: {
          size_t end = buf.find("\r\n\r\n", pos);
          if (end == std::string::npos) {
            return buf.size() - pos > kMaxHead ? Progress::kError : Progress::kNeedMore;
          }
          if (!ParseHead(std::string_view(buf).substr(pos, end + 2 - pos))) {
            return Progress::kError;
          }
          pos = end + 4;
          break;
        }
        case State::kBody:
        case State::kChunkData: {
          size_t take = static_cast<size_t>(
              std::min<uint64_t>(remaining_, static_cast<uint64_t>(buf.size() - pos)));
          pos += take;
          remaining_ -= take;
          if (remaining_ > 0) return Progress::kNeedMore;
          state_ = state_ == State::kBody ? State::kDone : State::kChunkEnd;
          break;
        }
        case State::kChunkSize: {
          size_t eol = buf.find("\r\n", pos);
          if (eol == std::string::npos) return Progress::kNeedMore;
          std::string_view line = std::string_view(buf).substr(pos, eol - pos);
          line = Trim(line.substr(0, line.find(';')));  // chunk extensions are ignored
          auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), remaining_, 16);
          if (line.empty() || ec != std::errc() || end != line.data() + line.size()) {
            return Progress::kError;
          }
          pos = eol + 2;
          state_ = remaining_ == 0 ? State::kTrailer : State::kChunkData;
          break;
        }
        case State::kChunkEnd:
          if (buf.size() - pos < 2) return Progress::kNeedMore;
          if (buf.compare(pos, 2, "\r\n") != 0) return Progress::kError;
          pos += 2;
          state_ = State::kChunkSize;
          break;
        case State::kTrailer: {  // trailer fields until an empty line
          size_t eol = buf.find("\r\n", pos);
          if (eol == std::string::npos) return Progress::kNeedMore;
          bool empty = eol == pos;
          pos = eol + 2;
          if (empty) state_ = State::kDone;
          break;
        }
        case State::kUntilEof:
          pos = buf.size();
          return Progress::kNeedMore;
        case State::kDone:
          return Progress::kDone;
      }
    }
  }

  // Status line and fields, CRLF-terminated lines without the final empty one.
  bool ParseHead(std::string_view head) {
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    // "HTTP/1.1 201 Created"
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') return false;
    bool http10 = line.substr(5, 3) == "1.0";
    if (!ParseNumber(line.substr(9, 3), status_)) return false;
    bool keep_alive = false, chunked = false, sized = false;
    for (head.remove_prefix(eol + 2); !head.empty();) {
      eol = head.find("\r\n");
      line = head.substr(0, eol);
      head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return false;
      std::string_view name = line.substr(0, colon), value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        if (!ParseNumber(value, remaining_)) return false;
        sized = true;
      } else if (IEquals(name, "transfer-encoding")) {
        chunked = IContains(value, "chunked");
      } else if (IEquals(name, "connection")) {
        close_ = close_ || IContains(value, "close");
        keep_alive = IContains(value, "keep-alive");
      }
    }
    if (http10 && !keep_alive) close_ = true;
    if (status_ >= 100 && status_ < 200) {  // interim: the real answer follows
      state_ = State::kHead;
      close_ = false;
      return true;
    }
    if (status_ == 204 || status_ == 304) {
      state_ = State::kDone;
    } else if (chunked) {  // takes precedence over Content-Length (RFC 9112 6.3)
      state_ = State::kChunkSize;
    } else if (sized) {
      state_ = remaining_ == 0 ? State::kDone : State::kBody;
    } else {
      state_ = State::kUntilEof;
    }
    return true;
  }

  State state_ = State::kHead;
  int status_ = 0;
  uint64_t remaining_ = 0;
  bool close_ = false;
};

struct Conn {
  int fd = -1;
  bool connecting = false;
  bool busy = false;         // a request is in flight
  bool polling_out = false;  // EPOLLOUT registered
  std::string out;           // request bytes not yet written
  size_t out_off = 0;
  std::string in;
  ResponseParser parser;
  Clock::time_point origin;  // what the latency of the request in flight runs from
};

class LoadGen {
 public:
  explicit LoadGen(const Options& o) : o_(o), conns_(o.connections) {}
  ~LoadGen() {
    for (Conn& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    if (ep_ >= 0) close(ep_);
  }

  int Run() {
    if (!o_.once_file.empty()) {
      std::ifstream in(o_.once_file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in) {
        std::fprintf(stderr, "s1_loadgen: cannot read %s\n", o_.once_file.c_str());
        return kExitUsage;
      }
      once_body_ = ss.str();
    }
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return Fatal("epoll_create1");
    start_ = Clock::now();
    for (size_t i = 0; i < conns_.size(); ++i) Connect(i);

    const bool open_loop = o_.rate > 0;
    const Clock::time_point send_end = start_ + FromSeconds(o_.duration_s);
    const Clock::time_point hard_end = send_end + FromSeconds(o_.drain_s);
    // The open loop's timeline is fixed up front: this many requests, evenly.
    const int64_t planned =
        open_loop
            ? std::clamp<int64_t>(static_cast<int64_t>(o_.rate * o_.duration_s), 1, o_.max_requests)
            : 0;
    std::vector<epoll_event> events(conns_.size());
    Clock::time_point now = start_;
    while (true) {
      now = Clock::now();
      bool sending_done;
      if (open_loop) {
        int64_t due =
            std::min<int64_t>(planned, static_cast<int64_t>(Seconds(now - start_) * o_.rate) + 1);
        while (sent_ < due && !idle_.empty()) Send(PopIdle(), DueTime(sent_));
        sending_done = sent_ == planned;
      } else {
        while (now < send_end && sent_ < o_.max_requests && !idle_.empty()) Send(PopIdle(), now);
        sending_done = now >= send_end || sent_ >= o_.max_requests;
      }
      if (sending_done && in_flight_ == 0) break;
      if (now >= hard_end) break;
      if (live_ == 0) {
        std::fprintf(stderr, "s1_loadgen: no connection to 127.0.0.1:%d is left\n", o_.port);
        lost_server_ = true;
        break;
      }
      // Sleep until the next due request (if a connection is free to take
      // it), else until something happens; never past the end.
      Clock::time_point wake = hard_end;
      if (open_loop && sent_ < planned && !idle_.empty()) wake = DueTime(sent_);
      if (!open_loop && !sending_done) wake = std::min(wake, send_end);
      wake = std::min(wake, now + std::chrono::milliseconds(100));
      int n = Wait(events, wake - now);
      if (n < 0) return Fatal("epoll_wait");
      for (int i = 0; i < n; ++i) OnEvent(events[i].data.u64, events[i].events);
    }
    // Whatever is still open at the end is charged up to now.
    now = Clock::now();
    for (Conn& c : conns_) {
      if (c.busy) Record(kTimeout, c.origin, now);
    }
    if (open_loop) {
      for (; sent_ < planned; ++sent_) Record(kUnsent, DueTime(sent_), now);
    }
    int rc = Report(open_loop, planned);
    return lost_server_ ? 1 : rc;
  }

 private:
  int Fatal(const char* what) {
    std::fprintf(stderr, "s1_loadgen: %s: %s\n", what, std::strerror(errno));
    return 1;
  }

  Clock::time_point DueTime(int64_t i) const {
    return start_ + FromSeconds(static_cast<double>(i) / o_.rate);
  }

  // epoll_pwait2 takes a timespec: epoll_wait's whole milliseconds would send
  // up to 1 ms late, and that lateness would be charged to the server.
  int Wait(std::vector<epoll_event>& events, Clock::duration timeout) {
    auto ns =
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    while (true) {
      int n = epoll_pwait2(ep_, events.data(), static_cast<int>(events.size()), &ts, nullptr);
      if (n < 0 && errno == ENOSYS) {
        n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()),
                       static_cast<int>((ns + 999'999) / 1'000'000));
      }
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  size_t PopIdle() {
    size_t i = idle_.back();
    idle_.pop_back();
    return i;
  }

  void Connect(size_t i) {
    Conn& c = conns_[i];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return;
    int one = 1;
    // A request goes out in one write; Nagle would only hold back a partial one.
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(o_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c.connecting = true;
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 &&
        errno != EINPROGRESS) {
      close(c.fd);
      c.fd = -1;
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    c.polling_out = true;
    ++live_;
  }

  std::string Request(int64_t seq) const {
    std::string body;
    if (!once_body_.empty()) {
      body = once_body_;
    } else {
      body = R"({"apiVersion":"pipegrid/v1","kind":"Job","metadata":{"name":")" + o_.name_prefix +
             std::to_string(seq) +
             R"("},"spec":{"tasks":[{"name":"t","steps":[{"commands":["true"]}]}]}})";
    }
    return "POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(o_.port) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  }

  void Send(size_t i, Clock::time_point origin) {
    Conn& c = conns_[i];
    c.out = Request(sent_++);
    c.out_off = 0;
    c.origin = origin;
    c.busy = true;
    ++in_flight_;
    Flush(i);
  }

  // Writes what the socket takes; asks for EPOLLOUT only while bytes remain.
  void Flush(size_t i) {
    Conn& c = conns_[i];
    while (c.out_off < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0) return Drop(i, true);
      c.out_off += static_cast<size_t>(n);
    }
    bool want_out = c.out_off < c.out.size();
    if (want_out != c.polling_out) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u);
      ev.data.u64 = i;
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      c.polling_out = want_out;
    }
    if (!want_out) {
      c.out.clear();
      c.out.shrink_to_fit();
    }
  }

  void OnEvent(size_t i, uint32_t events) {
    Conn& c = conns_[i];
    if (c.fd < 0) return;
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) return Drop(i, false);
      c.connecting = false;
      Flush(i);  // drops EPOLLOUT
      idle_.push_back(i);
      return;
    }
    if (events & EPOLLOUT) Flush(i);
    if (c.fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) Read(i);
  }

  void Read(size_t i) {
    Conn& c = conns_[i];
    char buf[64 << 10];
    while (true) {
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) {  // closed (or reset)
        if (c.busy && n == 0 && c.parser.Eof() == ResponseParser::Progress::kDone) {
          Answered(i);
        }
        return Drop(i, true);
      }
      if (!c.busy) return Drop(i, true);  // bytes nobody asked for: framing is lost
      c.in.append(buf, static_cast<size_t>(n));
      ResponseParser::Progress p = c.parser.Feed(c.in);
      if (p == ResponseParser::Progress::kError) {
        std::fprintf(stderr, "s1_loadgen: unparsable response\n");
        return Drop(i, true);
      }
      if (p == ResponseParser::Progress::kDone) {
        bool close_after = c.parser.must_close();
        Answered(i);
        if (close_after || !c.in.empty()) return Drop(i, true);
        idle_.push_back(i);
        return;
      }
    }
  }

  void Answered(size_t i) {
    Conn& c = conns_[i];
    Clock::time_point now = Clock::now();
    Record(c.parser.status(), c.origin, now);
    last_answer_ = now;
    c.parser.Reset();
    c.busy = false;
    --in_flight_;
  }

  // Closes the connection; a request in flight on it is lost. The server
  // closing a keep-alive connection is not an error by itself, so one that
  // connected before is dialled again (a refused connect is not).
  void Drop(size_t i, bool reconnect) {
    Conn& c = conns_[i];
    if (c.busy) {
      Record(kBroken, c.origin, Clock::now());
      c.busy = false;
      --in_flight_;
    }
    std::erase(idle_, i);
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c = Conn();
    --live_;
    if (reconnect) {
      ++reconnects_;
      Connect(i);
    }
  }

  void Record(int status, Clock::time_point origin, Clock::time_point end) {
    ++by_status_[status];
    latencies_ms_.push_back(Seconds(end - origin) * 1e3);
  }

  double Percentile(double p) const {
    if (sorted_.empty()) return 0;
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted_.size())));
    return sorted_[std::clamp<size_t>(rank, 1, sorted_.size()) - 1];
  }

  int Report(bool open_loop, int64_t planned) {
    sorted_ = latencies_ms_;
    std::sort(sorted_.begin(), sorted_.end());
    int64_t accepted = by_status_.count(201) ? by_status_[201] : 0;
    int64_t errors = static_cast<int64_t>(latencies_ms_.size()) - accepted;
    Clock::time_point end = last_answer_ == Clock::time_point() ? Clock::now() : last_answer_;
    double seconds = Seconds(end - start_);
    double rate = seconds > 0 ? static_cast<double>(accepted) / seconds : 0;
    std::string statuses;
    for (const auto& [status, n] : by_status_) {
      const char* name = status == kBroken    ? "broken"
                         : status == kTimeout ? "timeout"
                         : status == kUnsent  ? "unsent"
                                              : nullptr;
      statuses +=
          " " + (name ? std::string(name) : std::to_string(status)) + "=" + std::to_string(n);
    }
    if (!o_.once_file.empty()) {
      // From the first byte sent, not from the connect.
      seconds = sorted_.empty() ? 0 : sorted_[0] / 1e3;
      double tasks_per_s =
          accepted == 1 && seconds > 0 ? static_cast<double>(o_.tasks) / seconds : 0;
      std::printf("  one POST of %zu bytes (%lld tasks): status%s, %.3f ms\n", once_body_.size(),
                  static_cast<long long>(o_.tasks), statuses.c_str(), seconds * 1e3);
      std::printf("%s S1batch %lld %.4f %.1f\n", o_.system.c_str(),
                  static_cast<long long>(accepted == 1 ? o_.tasks : 0), seconds, tasks_per_s);
      return accepted == 1 ? 0 : 1;
    }
    std::string label = open_loop ? std::to_string(static_cast<long long>(o_.rate)) : "max";
    if (open_loop) {
      std::printf("  offered %.1f/s (%lld on the timeline, %d connections, %.1f s)\n",
                  static_cast<double>(planned) / o_.duration_s, static_cast<long long>(planned),
                  o_.connections, o_.duration_s);
    } else {
      std::printf("  offered: saturation (closed loop, %d connections, %.1f s)\n", o_.connections,
                  o_.duration_s);
    }
    std::printf(
        "  sent %lld, accepted %lld (%.1f jobs/s), errors %lld, status:%s, reconnects %lld\n",
        static_cast<long long>(sent_), static_cast<long long>(accepted), rate,
        static_cast<long long>(errors), statuses.c_str(), static_cast<long long>(reconnects_));
    std::printf("  latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n", Percentile(0.5),
                Percentile(0.99), Percentile(0.999), sorted_.empty() ? 0.0 : sorted_.back());
    std::printf("%s S1@%s %lld %.4f %.1f %.3f %.3f %.3f\n", o_.system.c_str(), label.c_str(),
                static_cast<long long>(accepted), seconds, rate, Percentile(0.5), Percentile(0.99),
                Percentile(0.999));
    return 0;
  }

  const Options o_;
  std::vector<Conn> conns_;
  std::vector<size_t> idle_;  // connected, nothing in flight
  std::string once_body_;
  int ep_ = -1;
  int live_ = 0;  // open or connecting
  int64_t sent_ = 0;
  int64_t in_flight_ = 0;
  int64_t reconnects_ = 0;
  bool lost_server_ = false;  // every connection was refused: the figures mean nothing
  Clock::time_point start_, last_answer_;
  std::map<int, int64_t> by_status_;
  std::vector<double> latencies_ms_, sorted_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, o)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  return LoadGen(o).Run();
}
