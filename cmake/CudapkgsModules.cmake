# SPDX-License-Identifier: Apache-2.0
# One library per module, linked as docs/architecture.md draws them. The cudapkgs_module() calls
# in src/CMakeLists.txt are the only place the layer graph is written down:
#   - each module's library links exactly the modules named in its DEPS (PUBLIC), so using a
#     symbol of a module outside them is a link error;
#   - the graph goes to <build>/module-graph.json, and cmake/check_layers.py runs before each
#     module is compiled: an #include of a module the module may not use (or of another module's
#     private src/ header) fails the build, naming the file, the line and the edge;
#   - the tests check docs/architecture.md's table and graph against the same file.
#
# cudapkgs_module(NAME [EXECUTABLE target] [DEPS module...] [PUBLIC_LIBS lib...]
#                 [PRIVATE_LIBS lib...] [DEFINES def...] [EMBED file...])
# Sources are src/NAME/**.cpp, public headers include/cudapkgs/NAME/. The library is
# cudapkgs_NAME (or the EXECUTABLE). A module without sources (headers only, or not written yet)
# is an INTERFACE library, so DEPS may already name it. EMBED compiles data files into the module
# (cmake/CudapkgsEmbed.cmake).

set(CUDAPKGS_LAYERS_CHECKER ${CMAKE_CURRENT_LIST_DIR}/check_layers.py)
set(CUDAPKGS_MODULE_GRAPH ${PROJECT_BINARY_DIR}/module-graph.json)

function(cudapkgs_module name)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "EXECUTABLE" "DEPS;PUBLIC_LIBS;PRIVATE_LIBS;DEFINES;EMBED")
    set(src_dir ${PROJECT_SOURCE_DIR}/src/${name})
    set(include_dir ${PROJECT_SOURCE_DIR}/include/cudapkgs/${name})
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${src_dir}/*.cpp)
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${src_dir}/*.hpp ${include_dir}/*.hpp)
    set(checked ${sources} ${headers})
    if(arg_EMBED)
        set(embedded ${CMAKE_CURRENT_BINARY_DIR}/${name}_embedded_data.cpp)
        cudapkgs_embed(${embedded} ${name} ${arg_EMBED})
        list(APPEND sources ${embedded})
    endif()
    set(dep_targets)
    foreach(dep IN LISTS arg_DEPS)
        list(APPEND dep_targets cudapkgs_${dep})
    endforeach()

    if(arg_EXECUTABLE)
        set(target ${arg_EXECUTABLE})
        add_executable(${target} ${sources})
        target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(${target} PRIVATE ${dep_targets} ${arg_PUBLIC_LIBS}
                              ${arg_PRIVATE_LIBS} cudapkgs::warnings)
        target_compile_definitions(${target} PRIVATE ${arg_DEFINES})
    elseif(sources)
        set(target cudapkgs_${name})
        add_library(${target} STATIC ${sources})
        target_include_directories(${target}
            PUBLIC ${PROJECT_SOURCE_DIR}/include
            PRIVATE ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(${target}
            PUBLIC ${dep_targets} ${arg_PUBLIC_LIBS}
            PRIVATE cudapkgs::warnings ${arg_PRIVATE_LIBS})
        target_compile_definitions(${target} PRIVATE ${arg_DEFINES})
        set_property(GLOBAL APPEND PROPERTY CUDAPKGS_MODULE_LIBRARIES ${target})
    else()
        set(target cudapkgs_${name})
        add_library(${target} INTERFACE)
        target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/include)
        target_link_libraries(${target} INTERFACE ${dep_targets} ${arg_PUBLIC_LIBS})
        set_property(GLOBAL APPEND PROPERTY CUDAPKGS_MODULE_LIBRARIES ${target})
    endif()

    # The include check: the module's objects wait for it, so a forbidden include stops the
    # module's build before its first compile.
    set(stamp ${PROJECT_BINARY_DIR}/layers/${name}.ok)
    add_custom_command(OUTPUT ${stamp}
        COMMAND ${Python3_EXECUTABLE} ${CUDAPKGS_LAYERS_CHECKER}
                --graph ${CUDAPKGS_MODULE_GRAPH} --root ${PROJECT_SOURCE_DIR}
                --module ${name} --stamp ${stamp}
        DEPENDS ${checked} ${CUDAPKGS_LAYERS_CHECKER} ${CUDAPKGS_MODULE_GRAPH}
        COMMENT "Checking module ${name}'s includes against the layer graph"
        VERBATIM)
    add_custom_target(cudapkgs_${name}_layers ALL DEPENDS ${stamp})
    if(arg_EXECUTABLE OR sources)
        add_dependencies(${target} cudapkgs_${name}_layers)
    endif()

    set_property(GLOBAL APPEND PROPERTY CUDAPKGS_MODULES ${name})
    set_property(GLOBAL PROPERTY CUDAPKGS_MODULE_DEPS_${name} "${arg_DEPS}")
endfunction()

# After the last cudapkgs_module(): checks that every DEPS entry is a module and writes the graph
# (in declaration order, lowest first) for check_layers.py; defines cudapkgs_all, every module
# library (for the unit tests, fuzzers and benchmarks).
function(cudapkgs_finish_modules)
    get_property(modules GLOBAL PROPERTY CUDAPKGS_MODULES)
    set(entries)
    foreach(name IN LISTS modules)
        get_property(deps GLOBAL PROPERTY CUDAPKGS_MODULE_DEPS_${name})
        set(quoted)
        foreach(dep IN LISTS deps)
            if(NOT dep IN_LIST modules)
                message(FATAL_ERROR "cudapkgs_module(${name}): DEPS names '${dep}', which is not a module")
            endif()
            list(APPEND quoted "\"${dep}\"")
        endforeach()
        list(JOIN quoted ", " quoted)
        list(APPEND entries "    {\"name\": \"${name}\", \"deps\": [${quoted}]}")
    endforeach()
    list(JOIN entries ",\n" entries)
    file(WRITE ${CUDAPKGS_MODULE_GRAPH}.tmp
         "{\"generated_by\": \"src/CMakeLists.txt (cudapkgs_module)\", \"modules\": [\n${entries}\n]}\n")
    configure_file(${CUDAPKGS_MODULE_GRAPH}.tmp ${CUDAPKGS_MODULE_GRAPH} COPYONLY)

    get_property(libraries GLOBAL PROPERTY CUDAPKGS_MODULE_LIBRARIES)
    add_library(cudapkgs_all INTERFACE)
    target_link_libraries(cudapkgs_all INTERFACE ${libraries})
endfunction()
