// SPDX-License-Identifier: Apache-2.0
#include "output.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace cudapkgs::cli {

void print_json(const nlohmann::json& value, bool pretty) {
    std::string text =
        value.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

void print_line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

namespace {

std::string_view kind_name(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::Internal:
        return "internal";
    case ErrorKind::Usage:
        return "usage";
    case ErrorKind::InvalidInput:
        return "invalid-input";
    case ErrorKind::Fetch:
        return "fetch";
    case ErrorKind::Integrity:
        return "integrity";
    case ErrorKind::BuildFailed:
        return "build-failed";
    case ErrorKind::Environment:
        return "environment";
    case ErrorKind::TestSkipped:
        return "test-skipped";
    case ErrorKind::Interrupted:
        return "interrupted";
    }
    return "internal";
}

nlohmann::json one_error_json(const Error& e) {
    nlohmann::json j = {{"kind", kind_name(e.kind())},
                        {"exitCode", exit_code(e.kind())},
                        {"message", e.what()},
                        {"notes", e.notes()}};
    if (!e.origin().empty()) {
        j["origin"] = e.origin();
    }
    return j;
}

} // namespace

nlohmann::json errors_json(const Error& error) {
    nlohmann::json all = nlohmann::json::array();
    if (const auto* list = dynamic_cast<const ErrorList*>(&error)) {
        for (const auto& e : list->errors()) {
            all.push_back(one_error_json(e));
        }
    } else {
        all.push_back(one_error_json(error));
    }
    return all;
}

} // namespace cudapkgs::cli
