#include "store/sqlite/checkpointer.h"

#include <spdlog/spdlog.h>

#include "common/thread_name.h"

namespace pipegrid::store::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path,
                                                          Connection& writer, int pages) {
  PG_ASSIGN_OR_RETURN(std::unique_ptr<Connection> own,
                      Connection::Open(path, SQLITE_OPEN_READWRITE));
  // A connection reads the file (and learns it is in WAL mode) only at its
  // first statement; until then a checkpoint through it does nothing.
  PG_RETURN_IF_ERROR(own->QueryInt("PRAGMA user_version").status());
  std::unique_ptr<Checkpointer> c(new Checkpointer(writer, std::move(own), pages));
  // Replaces sqlite's own hook, i.e. the automatic checkpoint.
  sqlite3_wal_hook(writer.raw(), &Checkpointer::OnWalCommit, c.get());
  c->thread_ = std::thread([p = c.get()] {
    NameThisThread("pg-checkpoint");
    p->ThreadMain();
  });
  return c;
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_.raw(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wanted_ = true;  // a last one: the WAL is left small for the next start
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int Checkpointer::WaitForRuns(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return runs_ >= n; });
  return runs_;
}

int Checkpointer::OnWalCommit(void* self, sqlite3*, const char*, int wal_pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (wal_pages < c->pages_) return SQLITE_OK;
  {
    std::lock_guard lock(c->mu_);
    if (c->wanted_) return SQLITE_OK;
    c->wanted_ = true;
  }
  c->cv_.notify_all();
  return SQLITE_OK;
}

void Checkpointer::ThreadMain() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_; });
    wanted_ = false;
    const bool last = stopping_;
    lock.unlock();
    int log = 0, done = 0;
    // A connection opens the WAL at the start of a read transaction; one
    // that has not read since the writer reset the WAL would checkpoint
    // nothing ("not in WAL mode"): read first.
    own_->QueryInt("PRAGMA user_version").status().IgnoreError();
    int rc = sqlite3_wal_checkpoint_v2(own_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    // BUSY (log is then -1 too): another checkpoint is under way, or a
    // writer held the WAL index; the next commit's hook asks again.
    if (rc == SQLITE_BUSY) {
      spdlog::debug("sqlite checkpoint busy, left for the next commit");
    } else if (rc != SQLITE_OK) {
      spdlog::warn("sqlite checkpoint failed: {}", sqlite3_errmsg(own_->raw()));
    } else if (log < 0) {
      spdlog::warn("sqlite checkpoint: the database is not in WAL mode");
    }
    lock.lock();
    ++runs_;
    cv_.notify_all();
    if (last) return;
  }
}

}  // namespace pipegrid::store::sqlite
