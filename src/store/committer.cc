#include "store/committer.h"

#include "common/thread_name.h"

#include <chrono>
#include <utility>

namespace pipegrid::store {

GroupCommitter::GroupCommitter(Store& store, const Clock& clock,
                               std::chrono::microseconds lazy_delay)
    : store_(store), clock_(clock), lazy_delay_(lazy_delay) {
  // Started last, once every member the thread reads is initialised.
  thread_ = std::thread([this] {
    NameThisThread("pg-committer");
    ThreadMain();
  });
}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Commit(Batch batch, Done done) {
  Enqueue(std::move(batch), std::move(done), /*lazy=*/false);
}

void GroupCommitter::CommitLazily(Batch batch, Done done) {
  Enqueue(std::move(batch), std::move(done), /*lazy=*/lazy_delay_.count() > 0);
}

void GroupCommitter::Enqueue(Batch batch, Done done, bool lazy) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      if (!lazy) {
        ++urgent_;
      } else if (pending_.empty()) {
        oldest_lazy_ = clock_.Monotonic();
      }
      pending_.emplace_back(std::move(batch), std::move(done));
      cv_.notify_one();
      return;
    }
  }
  // Outside the lock: the callback may call back into the committer.
  done(Unavailable("store committer is stopped"));
}

void GroupCommitter::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Joining itself would deadlock: a done callback must not stop (or
    // destroy) the committer that runs it.
    PG_CHECK(std::this_thread::get_id() != thread_.get_id());
    stopping_ = true;
    // Taken under the lock so that concurrent Stop() calls join only once;
    // a second caller returns without waiting for the flush.
    thread = std::move(thread_);
  }
  cv_.notify_one();
  if (thread.joinable()) thread.join();
}

void GroupCommitter::SetObserver(Observer observer) {
  auto shared = observer ? std::make_shared<const Observer>(std::move(observer)) : nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(shared);
}

CommitStats GroupCommitter::stats() const {
  CommitStats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = stats_;
  }
  s.seconds = seconds_.Snapshot();
  s.merged = merged_.Snapshot();
  return s;
}

void GroupCommitter::ThreadMain() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    // Stop() drains: the thread ends only once nothing is pending.
    if (pending_.empty()) return;
    // Only lazy batches: they wait for an urgent one, up to lazy_delay_.
    while (urgent_ == 0 && !stopping_ && !pending_.empty()) {
      auto left = oldest_lazy_ + lazy_delay_ - clock_.Monotonic();
      if (left <= left.zero()) break;
      cv_.wait_for(lock, left);
    }
    std::vector<std::pair<Batch, Done>> group = std::move(pending_);
    pending_.clear();
    urgent_ = 0;
    lock.unlock();

    // Batches handed in while this commit runs wait in pending_ and form the
    // next group: the more load, the more batches share each commit.
    Batch merged;
    for (auto& [batch, done] : group) merged.Append(std::move(batch));
    merged.DropOverwritten();
    MonoTime start = clock_.Monotonic();
    Status status = store_.Apply(merged);
    std::chrono::duration<double> elapsed = clock_.Monotonic() - start;

    seconds_.Observe(elapsed.count());
    merged_.Observe(static_cast<double>(group.size()));
    lock.lock();
    stats_.commits += 1;
    stats_.batches += group.size();
    stats_.commit_seconds += elapsed.count();
    std::shared_ptr<const Observer> observer = observer_;
    lock.unlock();
    // In submission order, outside the lock so callbacks may Commit() again.
    for (auto& [batch, done] : group) done(status);
    if (status.ok() && observer) (*observer)(merged);
    lock.lock();
  }
}

}  // namespace pipegrid::store
