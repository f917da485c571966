// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>

namespace cudapkgs {

int exit_code(ErrorKind kind) noexcept {
    switch (kind) {
    case ErrorKind::Internal:
        return 1;
    case ErrorKind::Usage:
        return 2;
    case ErrorKind::InvalidInput:
        return 3;
    case ErrorKind::Fetch:
        return 4;
    case ErrorKind::Integrity:
        return 5;
    case ErrorKind::BuildFailed:
        return 6;
    case ErrorKind::Environment:
        return 7;
    case ErrorKind::TestSkipped:
        return 77;
    case ErrorKind::Interrupted:
        return 130;
    }
    return 1;
}

int severity(ErrorKind kind) noexcept {
    switch (kind) {
    case ErrorKind::Interrupted:
        return 9;
    case ErrorKind::Internal:
        return 8;
    case ErrorKind::Integrity:
        return 7;
    case ErrorKind::Environment:
        return 6;
    case ErrorKind::BuildFailed:
        return 5;
    case ErrorKind::Fetch:
        return 4;
    case ErrorKind::InvalidInput:
        return 3;
    case ErrorKind::Usage:
        return 2;
    case ErrorKind::TestSkipped:
        return 1;
    }
    return 0;
}

namespace {

ErrorKind most_serious_kind(const std::vector<Error>& errors) {
    ErrorKind kind = errors.empty() ? ErrorKind::Internal : errors.front().kind();
    for (const auto& e : errors) {
        if (severity(e.kind()) > severity(kind)) {
            kind = e.kind();
        }
    }
    return kind;
}

std::string render_one(const Error& error, bool color);

} // namespace

ErrorList::ErrorList(std::string summary, std::vector<Error> errors)
    : Error(most_serious_kind(errors), std::move(summary)), m_errors(std::move(errors)) {}

std::string render_error(const Error& error, bool color) {
    const auto* list = dynamic_cast<const ErrorList*>(&error);
    if (list == nullptr) {
        return render_one(error, color);
    }
    std::string out = render_one(error, color);
    for (const auto& e : list->errors()) {
        out += render_one(e, color);
    }
    return out;
}

namespace {

std::string render_one(const Error& error, bool color) {
    const char* red = color ? "\033[1;31m" : "";
    const char* cyan = color ? "\033[1;36m" : "";
    const char* reset = color ? "\033[0m" : "";
    std::string out;
    if (error.origin().empty()) {
        out = fmt::format("cudapkgs: {}error:{} {}\n", red, reset, error.what());
    } else {
        out = fmt::format("{}: {}error:{} {}\n", error.origin(), red, reset, error.what());
    }
    for (const auto& note : error.notes()) {
        out += fmt::format("{}note:{} {}\n", cyan, reset, note);
    }
    return out;
}

} // namespace

} // namespace cudapkgs
