// SPDX-License-Identifier: Apache-2.0
// Helpers for the ELF tests: compile tiny C programs and libraries with the system's `cc`.
#pragma once

#include <cudapkgs/util/file.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace cudapkgs::elf::test {

inline void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
}

/// Runs a shell command; returns its exit status (or -1).
inline int run(const std::string& command) {
    int rc = std::system(command.c_str());
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string quote(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

/// Compiles tiny C sources in `dir`:
///   libbar.so (soname libbar.so): bar() returns 30
///   libfoo.so (soname libfoo.so, NEEDED libbar.so): foo() returns bar() + 12
///   main: NEEDED libfoo.so, exits with foo() (42), linked with `main_link_flags`
struct TinyProject {
    std::filesystem::path dir;

    explicit TinyProject(const std::filesystem::path& d, const std::string& main_link_flags = "")
        : dir(d) {
        write_text(dir / "bar.c", "int bar(void) { return 30; }\n");
        write_text(dir / "foo.c", "int bar(void);\nint foo(void) { return bar() + 12; }\n");
        write_text(dir / "main.c", "int foo(void);\nint main(void) { return foo(); }\n");
        std::string d_ = quote(dir);
        ok = run("cd " + d_ + " && cc -shared -fPIC -Wl,-soname,libbar.so -o libbar.so bar.c && " +
                 "cc -shared -fPIC -Wl,-soname,libfoo.so -o libfoo.so foo.c -L. -lbar && " +
                 "cc -o main main.c -L. -lfoo -Wl,--allow-shlib-undefined " + main_link_flags) == 0;
    }
    bool ok = false;
};

} // namespace cudapkgs::elf::test
