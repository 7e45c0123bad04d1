#include "master/retention.h"

#include "common/thread_name.h"

#include <filesystem>
#include <future>

#include <spdlog/spdlog.h>

namespace pipegrid::master {

RetentionSweeper::RetentionSweeper(store::Store& store, PurgeFn purge, const Clock& clock,
                                   RetentionOptions options)
    : store_(store), purge_(std::move(purge)), clock_(clock), options_(std::move(options)) {}

RetentionSweeper::~RetentionSweeper() { Stop(); }

void RetentionSweeper::Start() {
  if (options_.retention.count() == 0) return;  // keep everything
  thread_ = std::thread([this] {
    NameThisThread("pg-retention");
    ThreadMain();
  });
}

void RetentionSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<int> RetentionSweeper::SweepOnce() {
  int deleted = 0;
  for (;;) {
    WallTime cutoff = clock_.Wall() - options_.retention;
    PG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                        store_.ListExpiredJobs(cutoff, options_.batch_size));
    if (ids.empty()) return deleted;
    std::promise<Status> committed;
    purge_(ids, [&committed](Status s) { committed.set_value(s); });
    PG_RETURN_IF_ERROR(committed.get_future().get());
    for (const std::string& id : ids) {
      std::error_code ec;
      if (!options_.log_dir.empty()) std::filesystem::remove_all(options_.log_dir + "/" + id, ec);
      if (!options_.outputs_dir.empty()) {
        std::filesystem::remove_all(options_.outputs_dir + "/" + id, ec);
      }
    }
    deleted += static_cast<int>(ids.size());
    if (static_cast<int>(ids.size()) < options_.batch_size) return deleted;
    std::lock_guard lock(mu_);
    if (stopping_) return deleted;
  }
}

void RetentionSweeper::ThreadMain() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto n = SweepOnce();
    if (!n.ok()) {
      spdlog::warn("retention sweep failed: {}", n.status().ToString());
    } else if (*n > 0) {
      spdlog::info("retention deleted jobs={}", *n);
    }
    lock.lock();
    // Real time here: the sweep interval is not part of any test's logic.
    cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

}  // namespace pipegrid::master
