# SPDX-License-Identifier: Apache-2.0
# CUDAPKGS_SANITIZE=address,undefined instruments every target of this project.
set(CUDAPKGS_SANITIZE "" CACHE STRING "Sanitizers to enable, e.g. address,undefined")
if(CUDAPKGS_SANITIZE)
    add_compile_options(-fsanitize=${CUDAPKGS_SANITIZE} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${CUDAPKGS_SANITIZE})
endif()
