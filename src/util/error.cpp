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
    case ErrorKind::TestSkipped:
        return 77;
    case ErrorKind::Interrupted:
        return 130;
    }
    return 1;
}

std::string render_error(const Error& error, bool color) {
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

} // namespace cudapkgs
