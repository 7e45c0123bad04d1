#include "store/sqlite/sqlite_pool.h"

namespace pipegrid::store::sqlite {

ReadPool::ReadPool(std::vector<std::unique_ptr<Connection>> conns)
    : size_(conns.size()), free_(std::move(conns)) {
  PG_CHECK(size_ > 0);
}

ReadPool::~ReadPool() {
  std::lock_guard<std::mutex> lock(mu_);
  // A lease outliving the pool would return into freed memory.
  PG_CHECK(free_.size() == size_);
}

ReadPool::Lease ReadPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  std::unique_ptr<Connection> conn = std::move(free_.back());
  free_.pop_back();
  return Lease(*this, std::move(conn));
}

void ReadPool::Return(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace pipegrid::store::sqlite
