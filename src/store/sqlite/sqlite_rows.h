// Private to the SQLite store: how each record maps to its table's row.
//
// Each table's column list is written once, here; its SELECT (columns
// qualified by table name, so queries may join) and its upsert are built from
// it, and the Bind*/Read* functions follow the same order.
//
// Upserts use INSERT ... ON CONFLICT DO UPDATE, never INSERT OR REPLACE: a
// replace deletes the old row first, which would cascade to the row's
// children (a job's tasks, attempts and dead letters).
#pragma once

#include <string>

#include "common/status.h"
#include "store/records.h"
#include "store/sqlite/sqlite_conn.h"

namespace pipegrid::store::sqlite {

struct TableSql {
  std::string select;  // "SELECT t.c1, t.c2, ... FROM t"
  std::string upsert;  // parameters ?1..?n in column order
};

const TableSql& JobSql();
const TableSql& TaskSql();
const TableSql& AttemptSql();
const TableSql& EventSql();  // upsert is a plain INSERT without seq: the store assigns it
const TableSql& DeadLetterSql();

[[nodiscard]] Status BindJob(Statement& stmt, const JobRecord& job);
[[nodiscard]] Status BindTask(Statement& stmt, const TaskRecord& task);
[[nodiscard]] Status BindAttempt(Statement& stmt, const AttemptRecord& attempt);
[[nodiscard]] Status BindEvent(Statement& stmt, const EventRecord& event);
[[nodiscard]] Status BindDeadLetter(Statement& stmt, const DeadLetterRecord& letter);

// Internal when a row holds something this binary cannot read (an unknown
// state name, malformed JSON): the file was written by something else.
[[nodiscard]] Result<JobRecord> ReadJob(const Statement& row);
[[nodiscard]] Result<TaskRecord> ReadTask(const Statement& row);
[[nodiscard]] Result<AttemptRecord> ReadAttempt(const Statement& row);
[[nodiscard]] Result<EventRecord> ReadEvent(const Statement& row);
[[nodiscard]] Result<DeadLetterRecord> ReadDeadLetter(const Statement& row);

}  // namespace pipegrid::store::sqlite
