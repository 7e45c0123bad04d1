// `pipegrid run [--on NAME] [--wait] -- CMD ARGS...`: submits a one-task job
// that runs one command, optionally pinned to one worker, and with --wait
// follows its output and exits with the job's code (DESIGN §7).
//
// The command is registered by AddRunCommand (command_support.h); this header
// exposes the pure parts - the quoting and the spec - so tests can check them
// directly. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/render.h"

namespace pipegrid::cli {

// The one task of a `run` job: its logs are at .../tasks/run/logs.
inline constexpr char kRunTaskName[] = "run";
// The built-in label every worker carries with its name (DESIGN §2).
inline constexpr char kWorkerNameLabel[] = "pipegrid.io/worker";

// One argument as a POSIX sh word that expands to exactly `arg`: left bare
// when it holds only characters sh never treats specially, else in single
// quotes (an embedded ' becomes '\''). The empty string is ''.
std::string ShellQuote(std::string_view arg);

// The words quoted and joined by single spaces: `sh -c` on the result runs
// argv[0] with argv[1..] intact, as exec would.
std::string ShellJoin(const std::vector<std::string>& argv);

// "run-<basename of argv[0]>" reduced to the job name alphabet (letters,
// digits, '_', '.', '-'), e.g. "run-python3" for /usr/bin/python3; "run"
// when nothing of it is usable.
std::string DefaultRunJobName(const std::vector<std::string>& argv);

struct RunJobOptions {
  std::vector<std::string> argv;  // the command and its arguments; not empty
  std::string job_name;           // metadata.name
  std::string worker;             // pin to this worker when not empty
  std::string timeout;            // spec.timeout (DESIGN §2 duration) when not empty
};

// The v1 Job spec (DESIGN §2) `run` posts: one task `run` with one step whose
// only command is ShellJoin(argv), and a nodeSelector on kWorkerNameLabel
// when a worker is named.
Json RunJobSpec(const RunJobOptions& options);

}  // namespace pipegrid::cli
