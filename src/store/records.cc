#include "store/records.h"

#include <iterator>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace pipegrid::store {
namespace {

template <typename T>
void MoveAppend(std::vector<T>& to, std::vector<T>&& from) {
  if (to.empty()) {
    to = std::move(from);  // steals the buffer: the common case of one batch
    return;
  }
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Keeps the last element of each id, in the order of those last elements.
// Marks first, moves after: the views in `seen` point into the rows.
template <typename T>
void KeepLastOfEachId(std::vector<T>& rows) {
  if (rows.size() < 2) return;
  std::unordered_set<std::string_view> seen;
  seen.reserve(rows.size());
  std::vector<bool> keep(rows.size());
  size_t kept = 0;
  for (size_t i = rows.size(); i-- > 0;) {
    keep[i] = seen.insert(rows[i].id).second;
    kept += keep[i];
  }
  if (kept == rows.size()) return;
  std::vector<T> out;
  out.reserve(kept);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (keep[i]) out.push_back(std::move(rows[i]));
  }
  rows = std::move(out);
}

}  // namespace

void Batch::DropOverwritten() {
  KeepLastOfEachId(put_jobs);
  KeepLastOfEachId(put_tasks);
  KeepLastOfEachId(put_attempts);
}

// Merging must give what applying the two batches one after the other gives,
// although Apply runs each list in a fixed order (deletes of dead letters
// before puts). So a dead-letter delete in `other` also cancels this batch's
// earlier puts of that letter; otherwise a failure and its requeue landing in
// one group commit would leave the letter behind.
//
// Job deletes run last and so win over a later batch's writes to the same
// job; that is the same as sequential application because a deleted job's id
// is never written again.
void Batch::Append(Batch&& other) {
  if (!other.delete_dead_letters.empty() && !put_dead_letters.empty()) {
    std::unordered_set<std::string> deleted(other.delete_dead_letters.begin(),
                                            other.delete_dead_letters.end());
    std::erase_if(put_dead_letters, [&deleted](const DeadLetterRecord& letter) {
      return deleted.contains(letter.task_id);
    });
  }
  MoveAppend(put_jobs, std::move(other.put_jobs));
  MoveAppend(put_tasks, std::move(other.put_tasks));
  MoveAppend(put_attempts, std::move(other.put_attempts));
  MoveAppend(delete_dead_letters, std::move(other.delete_dead_letters));
  MoveAppend(put_dead_letters, std::move(other.put_dead_letters));
  MoveAppend(events, std::move(other.events));
  MoveAppend(delete_jobs, std::move(other.delete_jobs));
}

}  // namespace pipegrid::store
