// API tokens: a small table written directly on the writer connection (not
// through batches) and read from the pool. `pipegrid token --data-dir` opens
// the same file from another process while the master runs; SQLite's WAL
// and busy timeout serialise the two writers.
#include <nlohmann/json.hpp>

#include "store/sqlite/sqlite_store_impl.h"

namespace pipegrid::store::sqlite {
namespace {

constexpr const char* kTokenColumns =
    "SELECT id, secret_hash, role, namespaces, name, created_at, revoked_at FROM tokens";

Result<TokenRecord> ReadToken(const Statement& row) {
  TokenRecord t;
  t.id = row.Text(0);
  t.secret_hash = row.Text(1);
  std::optional<Role> role = ParseRole(row.Text(2));
  if (!role) return Internal("tokens row " + t.id + ": unknown role \"" + row.Text(2) + "\"");
  t.role = *role;
  nlohmann::json namespaces = nlohmann::json::parse(row.Text(3), nullptr, false);
  if (!namespaces.is_array()) return Internal("tokens row " + t.id + ": malformed namespaces");
  for (const auto& ns : namespaces) {
    if (!ns.is_string()) return Internal("tokens row " + t.id + ": malformed namespaces");
    t.namespaces.push_back(ns.get<std::string>());
  }
  t.name = row.Text(4);
  t.created_at = row.OptionalTime(5).value_or(WallTime{});
  t.revoked_at = row.OptionalTime(6);
  return t;
}

Result<std::optional<TokenRecord>> ReadOneToken(Statement& stmt) {
  PG_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<TokenRecord>();
  PG_ASSIGN_OR_RETURN(TokenRecord t, ReadToken(stmt));
  return std::optional<TokenRecord>(std::move(t));
}

}  // namespace

Status SqliteStore::PutToken(const TokenRecord& t) {
  std::lock_guard<std::mutex> lock(write_mu_);
  PG_ASSIGN_OR_RETURN(
      ScopedStatement stmt,
      writer_->Cached("INSERT INTO tokens (id, secret_hash, role, namespaces, name, created_at, "
                      "revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  PG_RETURN_IF_ERROR(stmt->BindText(1, t.id));
  PG_RETURN_IF_ERROR(stmt->BindText(2, t.secret_hash));
  PG_RETURN_IF_ERROR(stmt->BindText(3, Name(t.role)));
  PG_RETURN_IF_ERROR(stmt->BindText(4, nlohmann::json(t.namespaces).dump()));
  PG_RETURN_IF_ERROR(stmt->BindText(5, t.name));
  PG_RETURN_IF_ERROR(stmt->BindTime(6, t.created_at));
  PG_RETURN_IF_ERROR(stmt->BindTime(7, t.revoked_at));
  return stmt->Run();
}

Result<std::optional<TokenRecord>> SqliteStore::GetToken(const std::string& id) {
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql = std::string(kTokenColumns) + " WHERE id = ?1";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, id));
  return ReadOneToken(*stmt);
}

Result<std::optional<TokenRecord>> SqliteStore::GetTokenBySecretHash(
    const std::string& secret_hash) {
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql = std::string(kTokenColumns) + " WHERE secret_hash = ?1";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, secret_hash));
  return ReadOneToken(*stmt);
}

Result<std::vector<TokenRecord>> SqliteStore::ListTokens() {
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql = std::string(kTokenColumns) + " ORDER BY created_at, id";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  std::vector<TokenRecord> out;
  for (;;) {
    PG_ASSIGN_OR_RETURN(bool more, stmt->Step());
    if (!more) return out;
    PG_ASSIGN_OR_RETURN(TokenRecord t, ReadToken(*stmt));
    out.push_back(std::move(t));
  }
}

Status SqliteStore::RevokeToken(const std::string& id, WallTime at) {
  std::lock_guard<std::mutex> lock(write_mu_);
  PG_ASSIGN_OR_RETURN(
      ScopedStatement stmt,
      writer_->Cached("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1"));
  PG_RETURN_IF_ERROR(stmt->BindText(1, id));
  PG_RETURN_IF_ERROR(stmt->BindTime(2, at));
  PG_RETURN_IF_ERROR(stmt->Run());
  if (sqlite3_changes(writer_->raw()) == 0) return NotFound("token " + id + " not found");
  return Status::Ok();
}

}  // namespace pipegrid::store::sqlite
