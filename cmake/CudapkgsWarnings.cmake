# SPDX-License-Identifier: Apache-2.0
# cudapkgs::warnings — only our own targets link it.
add_library(cudapkgs_warnings INTERFACE)
add_library(cudapkgs::warnings ALIAS cudapkgs_warnings)
target_compile_options(cudapkgs_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wimplicit-fallthrough -Wmissing-declarations
    $<$<CXX_COMPILER_ID:GNU>:-Wsuggest-override>
    -Werror=switch-enum -Werror=return-type)
if(CUDAPKGS_WERROR)
    target_compile_options(cudapkgs_warnings INTERFACE -Werror)
endif()
