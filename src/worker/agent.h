// The worker agent: runs assigned attempts as supervised process groups, each
// in a private workspace, capturing output to per-attempt log files
// (DESIGN §2-§4).
//
// For each Assignment it recreates <work_dir>/<job_id>/<task_name>/, runs every
// command of every step in order as `/bin/sh -c CMD` in a new process group
// (cwd = the workspace, stdin = /dev/null, stdout+stderr merged into the log;
// environment: the process's own as of Create(), then PIPEGRID_WORKSPACE,
// PIPEGRID_JOB_ID, PIPEGRID_TASK, PIPEGRID_ATTEMPT, PIPEGRID_ATTEMPT_ID, then
// Assignment::env),
// and reports Started once the first process exists and exactly one Finished
// once the attempt's processes are gone. When a command's leader exits, its
// whole group is SIGKILLed, so no background child outlives its command.
// Outcomes: succeeded; exit (first nonzero exit); signal (a signal the agent
// did not send); timeout; or the outcome of a StopRequest / Shutdown. An
// attempt that cannot even be set up (workspace, log file, spawn) ends `exit`
// without an exit code, the reason saying why.
//
// It knows nothing of the scheduler: the embedded worker of `pipegrid up` and
// a remote worker use it the same way.
//
// Threading: a control thread (an EventLoop reading the injected Clock for
// timeouts and grace periods) owns every attempt; an I/O thread drains output
// pipes into log files and watches process exits. The WorkerChannel methods
// are thread-safe and never block; MasterChannel reports come from the control
// thread, except that after Shutdown() Assign() and Stop() answer on the
// caller's thread (Finished(interrupted), resp. the unknown-attempt answer).
// MasterChannel methods must not call back into the agent synchronously, and
// Shutdown() must not be called from one.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "common/worker_protocol.h"

namespace pipegrid::worker {

struct AgentOptions {
  std::string work_dir;   // workspaces: <work_dir>/<job_id>/<task_name>/
  std::string log_dir;    // logs: see LogPath()
  std::string state_dir;  // running attempts' process groups, for crash recovery
  bool keep_workspaces = false;
  int64_t max_log_bytes = 64LL << 20;  // per attempt, then one truncation line
  // SIGTERM -> SIGKILL when an attempt times out.
  Millis kill_grace{5'000};
  // After a command's group is killed, how long to wait for its output pipe
  // to reach EOF: only a process that left the group can hold it open longer.
  Millis output_drain_timeout{2'000};
  // How long Create() waits for a crashed run's leftover processes to exit
  // after SIGKILL (only processes stuck in the kernel take that long).
  Millis cleanup_wait{5'000};
  // Attempts run at once; 0: no limit. Assignments beyond it (the master's
  // prefetch) wait in arrival order and start as soon as a slot frees, so a
  // slot never idles for a round trip to the master.
  int slots = 0;
};

// Where an attempt's merged stdout+stderr goes:
// <log_dir>/<job_id>/<task_name>.<attempt_number>.log (task names have no
// '.'). One directory per job, not per task: a directory costs an inode,
// which on ext4 is a large part of a short task's overhead.
std::string LogPath(const std::string& log_dir, const std::string& job_id,
                    const std::string& task_name, int attempt_number);
// Where a reader finds that log: LogPath(), or the layout of data dirs
// written before it (<log_dir>/<job_id>/<task_name>/<attempt_number>.log)
// when only that file exists.
std::string FindLogPath(const std::string& log_dir, const std::string& job_id,
                        const std::string& task_name, int attempt_number);

class Agent : public protocol::WorkerChannel {
 public:
  // Creates the directories, kills what a previous, crashed run left in
  // state_dir (and removes its records) before returning, then starts the
  // agent's threads. `clock` and `master` must outlive the agent.
  static Result<std::unique_ptr<Agent>> Create(AgentOptions options, const Clock& clock,
                                               protocol::MasterChannel& master);
  ~Agent() override;  // Shutdown(0)

  // A duplicate of an attempt that is running, waiting for a slot or was
  // recently reported is ignored (its one Finished is on its way or sent).
  void Assign(protocol::Assignment msg) override;
  // An attempt still waiting for a slot ends at once with msg.outcome (it
  // never started; no Started is sent).
  // Unknown attempt: ignored if it was recently reported finished, otherwise
  // reported Finished(msg.outcome) so the master's bookkeeping ends. A second
  // Stop of a stopping attempt keeps the first outcome but may shorten the
  // grace (cancel, then kill).
  void Stop(protocol::StopRequest msg) override;
  // Removes <work_dir>/<job_id> unless keep_workspaces; if an attempt of the
  // job still runs, once it has finished.
  void ReleaseJob(const std::string& job_id) override;

  // Stops every running attempt (outcome interrupted, SIGKILL after `grace`),
  // waits for their processes to be gone and their Finished reports sent,
  // then ends the agent's threads. Idempotent.
  void Shutdown(Millis grace);

 private:
  class Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pipegrid::worker
