// Private to the SQLite store: a fixed set of read-only connections lent to
// one thread at a time. In WAL mode readers never block the writer nor each
// other, so HTTP threads read while the group committer writes.
//
// Thread-safety: Acquire() may be called from any thread; a Lease and its
// connection belong to the acquiring thread until the Lease dies.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/sqlite/sqlite_conn.h"

namespace pipegrid::store::sqlite {

class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Connection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Return(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Takes ownership of `conns` (at least one).
  explicit ReadPool(std::vector<std::unique_ptr<Connection>> conns);
  // Every Lease must have been returned.
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Blocks while every connection is lent out.
  Lease Acquire();

 private:
  void Return(std::unique_ptr<Connection> conn);

  const size_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;  // guarded by mu_
};

}  // namespace pipegrid::store::sqlite
