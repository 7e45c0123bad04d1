// Checkpointer: moves WAL checkpoints off the commit path.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses
// wal_autocheckpoint pages, and with synchronous=NORMAL a checkpoint is where
// the fsyncs happen: one commit in a few hundred waited milliseconds for the
// disk, and every reply or assignment batched in it waited too (L1's p99 was
// 6 ms against a 2.4 ms median; without the checkpoint in the way, 2.9 ms).
// Here the writer's WAL hook only notes the WAL's size; a thread of its own,
// with its own connection, runs a PASSIVE checkpoint once the WAL holds
// `pages` frames. A passive checkpoint never blocks the writer (WAL mode lets
// one writer and one checkpointer work at once), so commits only append.
//
// Thread-safety: the hook runs on the writer's thread; everything else is the
// checkpointer's own. Destroy it before the writer connection.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "store/sqlite/sqlite_conn.h"

namespace pipegrid::store::sqlite {

class Checkpointer {
 public:
  // Installs the hook on `writer` (replacing the automatic checkpoint) and
  // starts the thread.
  [[nodiscard]] static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path,
                                                                   Connection& writer, int pages);
  ~Checkpointer();  // removes the hook, checkpoints once more, joins
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Blocks until `n` checkpoints have run or `timeout` passed; how many ran.
  int WaitForRuns(int n, std::chrono::milliseconds timeout) const;

 private:
  Checkpointer(Connection& writer, std::unique_ptr<Connection> own, int pages)
      : writer_(writer), own_(std::move(own)), pages_(pages) {}
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int wal_pages);
  void ThreadMain();

  Connection& writer_;
  std::unique_ptr<Connection> own_;  // used by the thread only
  const int pages_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool wanted_ = false;    // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  int runs_ = 0;           // guarded by mu_
  std::thread thread_;
};

}  // namespace pipegrid::store::sqlite
