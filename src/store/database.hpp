// SPDX-License-Identifier: Apache-2.0
// A thin RAII wrapper over SQLite for the store database (module-private).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace cudapkgs::store::detail {

class Database;

/// A prepared statement; bind with 1-based indexes, then step() until it returns false.
class Statement {
  public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    /// Advances; true when a row is available. Throws Error{Internal} on failure.
    bool step();
    /// Runs to completion (for statements without results) and resets.
    void run();
    void reset();

    std::string column_text(int index) const;
    std::optional<std::string> column_optional_text(int index) const;
    std::int64_t column_int(int index) const;

  private:
    Database& m_db;
    sqlite3_stmt* m_stmt = nullptr;
    bool m_started = false; ///< a row was returned since the last reset
};

/// An open database with WAL journaling, a busy timeout and foreign keys on.
class Database {
  public:
    explicit Database(const std::filesystem::path& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs one or more statements without results.
    void exec(std::string_view sql);
    sqlite3* handle() noexcept { return m_db; }
    const std::filesystem::path& path() const noexcept { return m_path; }
    [[noreturn]] void fail_sqlite(std::string_view what) const;

  private:
    sqlite3* m_db = nullptr;
    std::filesystem::path m_path;
};

/// BEGIN IMMEDIATE … COMMIT; rolls back when destroyed before commit().
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Database& m_db;
    bool m_done = false;
};

} // namespace cudapkgs::store::detail
