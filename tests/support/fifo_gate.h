// A FIFO a task blocks on (`read x < PATH`) until the test calls Open(): the
// test decides when the task may go on, with nothing polled on either side.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace pipegrid::testing {

class FifoGate {
 public:
  explicit FifoGate(std::string path) : path_(std::move(path)) {
    EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  }
  ~FifoGate() {
    if (fd_ >= 0) ::close(fd_);
  }
  FifoGate(const FifoGate&) = delete;
  FifoGate& operator=(const FifoGate&) = delete;

  const std::string& path() const { return path_; }
  // O_RDWR never blocks on a FIFO; held open until the end so the line stays
  // readable even if the task opens the FIFO only later.
  void Open() {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
    ASSERT_EQ(::write(fd_, "go\n", 3), 3);
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace pipegrid::testing
