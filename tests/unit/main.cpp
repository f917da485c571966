// SPDX-License-Identifier: Apache-2.0
// The unit-test entry point: Catch2's session, and exit 77 when the tests that ran were skipped
// (tests/unit/skip.hpp).
#define CATCH_CONFIG_RUNNER
#include "skip.hpp"

#include <cstdio>
#include <string>

namespace cudapkgs::unit_skip {

namespace {
int g_skipped = 0;
} // namespace

void record_skip(const std::string& reason) {
    ++g_skipped;
    std::fprintf(stderr, "SKIPPED: %s\n", reason.c_str());
}

int skipped_count() noexcept {
    return g_skipped;
}

} // namespace cudapkgs::unit_skip

int main(int argc, char* argv[]) {
    Catch::Session session;
    if (int rc = session.applyCommandLine(argc, argv); rc != 0) {
        return rc;
    }
    int failed = session.run();
    if (failed == 0 && cudapkgs::unit_skip::skipped_count() > 0 &&
        session.configData().testsOrTags.size() > 0) {
        return 77; // only when a chosen test skipped; a whole-binary run still passes
    }
    return failed;
}
