# SPDX-License-Identifier: Apache-2.0
# Every dependency comes from Debian's packages (scripts/install-deps).
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(LibArchive REQUIRED)
find_package(LibLZMA REQUIRED) # threaded xz decoding in unpack (libarchive decodes on one thread)
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter) # cmake/check_layers.py runs in the build
if(CUDAPKGS_BUILD_TESTS)
    find_package(Catch2 2 REQUIRED)
endif()
