// SPDX-License-Identifier: Apache-2.0
#include "database.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace cudapkgs::store::detail {

namespace {
constexpr int kBusyTimeoutMs = 10 * 60 * 1000; // builders may hold the write lock briefly only

/// SQLite answers SQLITE_BUSY without calling the busy handler where waiting could deadlock:
/// an autocommit statement whose read snapshot went stale before it could write
/// (SQLITE_BUSY_SNAPSHOT), two connections switching a new database to WAL at once. Such a
/// statement is simply run again, after a short sleep, for as long as the busy timeout.
class BusyRetry {
  public:
    bool again(int rc) {
        if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() - m_start >
                                              std::chrono::milliseconds(kBusyTimeoutMs)) {
            return false;
        }
        std::this_thread::sleep_for(m_delay);
        m_delay = std::min(m_delay * 2, std::chrono::milliseconds(50));
        return true;
    }

  private:
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::milliseconds m_delay{1};
};

/// A full file system is the user's to fix (exit 6, like a full disk while unpacking), not an
/// internal error; nothing was registered because the transaction did not commit.
[[noreturn]] void fail_database(sqlite3* db, const std::filesystem::path& path, std::string msg) {
    const bool full = sqlite3_errcode(db) == SQLITE_FULL || sqlite3_system_errno(db) == ENOSPC ||
                      sqlite3_system_errno(db) == EDQUOT;
    if (!full) {
        const int err = sqlite3_system_errno(db);
        const int code = sqlite3_errcode(db);
        if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM ||
            util::os_error_kind(err) == ErrorKind::Environment) {
            Error error = util::os_error(err != 0 ? err : EACCES, "write the store database", path);
            error.add_note(fmt::format("SQLite said: {}", msg));
            throw error;
        }
        fail(ErrorKind::Internal, "store database {}: {}", path.string(), msg);
    }
    Error error(ErrorKind::BuildFailed, fmt::format("store database {}: {}: {}", path.string(), msg,
                                                    std::strerror(ENOSPC)));
    error.add_note("the store's file system is full; nothing was registered. Free space (or "
                   "run 'cudapkgs store gc') and build again");
    throw error;
}
} // namespace

Database::Database(const std::filesystem::path& path) : m_path(path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &m_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        const int err = m_db ? sqlite3_system_errno(m_db) : 0;
        sqlite3_close(m_db);
        m_db = nullptr;
        if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY || rc == SQLITE_PERM ||
            util::os_error_kind(err) == ErrorKind::Environment) {
            Error error = util::os_error(err != 0 ? err : EACCES, "open the store database", path);
            error.add_note(fmt::format("SQLite said: {}", msg));
            throw error;
        }
        fail(ErrorKind::Internal, "cannot open the store database {}: {}", path.string(), msg);
    }
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

Database::~Database() {
    sqlite3_close(m_db);
}

void Database::fail_sqlite(std::string_view what) const {
    fail_database(m_db, m_path, fmt::format("{}: {}", what, sqlite3_errmsg(m_db)));
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    char* err = nullptr;
    BusyRetry retry;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &err)) != SQLITE_OK &&
           retry.again(rc)) {
        sqlite3_free(err);
        err = nullptr;
    }
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        fail_database(m_db, m_path, msg);
    }
}

Statement::Statement(Database& db, std::string_view sql) : m_db(db) {
    if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &m_stmt,
                           nullptr) != SQLITE_OK) {
        db.fail_sqlite(fmt::format("cannot prepare '{}'", sql));
    }
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
        m_db.fail_sqlite("cannot bind");
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(m_stmt, index, value) != SQLITE_OK) {
        m_db.fail_sqlite("cannot bind");
    }
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(m_stmt, index) != SQLITE_OK) {
        m_db.fail_sqlite("cannot bind");
    }
    return *this;
}

bool Statement::step() {
    BusyRetry retry;
    int rc = sqlite3_step(m_stmt);
    // Only before the first row and outside an explicit transaction (which must restart as a
    // whole) is running the statement again the same as waiting.
    while (!m_started && sqlite3_get_autocommit(m_db.handle()) != 0 && retry.again(rc)) {
        sqlite3_reset(m_stmt);
        rc = sqlite3_step(m_stmt);
    }
    if (rc == SQLITE_ROW) {
        m_started = true;
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    m_db.fail_sqlite("statement failed");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    m_started = false;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::string Statement::column_text(int index) const {
    const auto* text = sqlite3_column_text(m_stmt, index);
    return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

std::optional<std::string> Statement::column_optional_text(int index) const {
    if (sqlite3_column_type(m_stmt, index) == SQLITE_NULL) {
        return std::nullopt;
    }
    return column_text(index);
}

std::int64_t Statement::column_int(int index) const {
    return sqlite3_column_int64(m_stmt, index);
}

Transaction::Transaction(Database& db) : m_db(db) {
    m_db.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!m_done) {
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
            // Rolling back can only fail when the transaction is already gone.
        }
    }
}

void Transaction::commit() {
    m_db.exec("COMMIT");
    m_done = true;
}

} // namespace cudapkgs::store::detail
