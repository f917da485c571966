// SPDX-License-Identifier: Apache-2.0
// Honest skips for Catch2 v2 (which has no SKIP): a test that cannot run here records why and
// returns; the test binary then exits 77 when nothing failed, and CTest (SKIP_RETURN_CODE 77)
// shows that test as skipped instead of passed. catch_discover_tests runs each test case in a
// process of its own, so one skip marks exactly one CTest test.
#pragma once

#include <catch2/catch.hpp>

#include <string>

namespace cudapkgs::unit_skip {

/// Records that the running test could not run here, and why.
void record_skip(const std::string& reason);
/// How many tests recorded a skip in this process.
int skipped_count() noexcept;

} // namespace cudapkgs::unit_skip

/// Ends the current test case as skipped (exit 77 when it is the only test run).
#define CUDAPKGS_SKIP(reason)                                                                      \
    do {                                                                                           \
        ::cudapkgs::unit_skip::record_skip(reason);                                                \
        return;                                                                                    \
    } while (false)
