// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/spelling.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs::util;

TEST_CASE("edit distance counts single edits", "[util]") {
    CHECK(edit_distance("cuda_nvcc", "cuda_nvcc") == 0);
    CHECK(edit_distance("cuda_nvc", "cuda_nvcc") == 1);
    CHECK(edit_distance("cdunn", "cudnn") == 2);
    CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("find_closest suggests plausible typos only", "[util]") {
    std::vector<std::string> names{"cuda_nvcc", "cuda_cudart", "cudnn", "libcublas"};
    CHECK(find_closest("cuda_nvc", names) == "cuda_nvcc");
    CHECK(find_closest("libcublsa", names) == "libcublas");
    CHECK_FALSE(find_closest("tensorflow", names).has_value());
}
