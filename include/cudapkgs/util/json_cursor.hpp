// SPDX-License-Identifier: Apache-2.0
// Validating parsed JSON with errors that name `file:line:col` and the key path.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::util {

/// Tracks the key path while a document is checked, so errors can point at the offending key.
class JsonCursor {
  public:
    JsonCursor(std::string_view file, std::string_view text, std::vector<std::string> path = {})
        : m_file(file), m_text(text), m_path(std::move(path)) {}

    /// Throws Error{InvalidInput} "key 'a.b': what" with the origin of the current path.
    [[noreturn]] void error(const std::string& what) const;
    /// Like error, plus a "did you mean" note when `word` is close to a candidate.
    [[noreturn]] void unknown_key(const std::string& word,
                                  const std::vector<std::string>& candidates) const;

    std::string expect_string(const nlohmann::json& value) const;
    bool expect_bool(const nlohmann::json& value) const;
    std::vector<std::string> expect_strings(const nlohmann::json& value) const;
    void expect_object(const nlohmann::json& value, std::string_view what) const;

    /// Enters a key for the lifetime of the returned guard.
    class Scope {
      public:
        Scope(JsonCursor& cursor, std::string key) : m_cursor(cursor) {
            m_cursor.m_path.push_back(std::move(key));
        }
        ~Scope() { m_cursor.m_path.pop_back(); }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

      private:
        JsonCursor& m_cursor;
    };
    Scope enter(std::string key) { return Scope(*this, std::move(key)); }

    const std::vector<std::string>& path() const noexcept { return m_path; }
    std::string_view file() const noexcept { return m_file; }

  private:
    std::string_view m_file;
    std::string_view m_text;
    std::vector<std::string> m_path;
};

/// Parses JSON text; a syntax error is Error{InvalidInput} with `file:line:col`.
nlohmann::json parse_json_text(std::string_view text, std::string_view file);

} // namespace cudapkgs::util
