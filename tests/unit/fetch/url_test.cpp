// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/url.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs::fetch;

TEST_CASE("redact_url hides credentials", "[fetch]") {
    CHECK(redact_url("https://user:pass@example.com/a/b.tar.xz") ==
          "https://***@example.com/a/b.tar.xz");
    CHECK(redact_url("https://token@example.com:8443/x") == "https://***@example.com:8443/x");
    CHECK(redact_url("http://u:p%40ss@h/") == "http://***@h/");
    // An '@' in the path is not userinfo.
    CHECK(redact_url("https://example.com/a@b/c") == "https://example.com/a@b/c");
    CHECK(redact_url("https://example.com/a") == "https://example.com/a");
    CHECK(redact_url("file:///srv/mirror/x.tar.xz") == "file:///srv/mirror/x.tar.xz");
}

TEST_CASE("redact_url hides query values but keeps keys and fragments", "[fetch]") {
    CHECK(redact_url("https://h/x?token=abc&sig=def") == "https://h/x?token=***&sig=***");
    CHECK(redact_url("https://h/x?bare#frag") == "https://h/x?***#frag");
    CHECK(redact_url("https://u:p@h/x?k=v") == "https://***@h/x?k=***");
    CHECK(redact_url("https://h/x#a?b=c") == "https://h/x#a?b=c");
}

TEST_CASE("url_scheme", "[fetch]") {
    CHECK(url_scheme("HTTPS://h/") == "https");
    CHECK(url_scheme("file:///x") == "file");
    CHECK(url_scheme("/just/a/path") == "");
    CHECK(url_scheme("://nothing") == "");
    CHECK(url_scheme("we ird://x") == "");
}

TEST_CASE("scrub_secrets removes every part of the credentials from text", "[fetch]") {
    std::string url = "https://alice:hunter22@h/x?token=t0ken";
    std::string text = "error for https://alice:hunter22@h/x?token=t0ken: login alice:hunter22 "
                       "denied, password hunter22, token t0ken";
    std::string scrubbed = scrub_secrets(text, url);
    CHECK(scrubbed.find("hunter22") == std::string::npos);
    CHECK(scrubbed.find("t0ken") == std::string::npos);
    CHECK(scrubbed.find("https://***@h/x?token=***") != std::string::npos);
    // Nothing to scrub: the text is unchanged.
    CHECK(scrub_secrets("plain message", "https://h/x") == "plain message");
}

TEST_CASE("SanitizedUrl keeps the raw form for libcurl only", "[fetch]") {
    SanitizedUrl url("https://u:secret@h/x");
    CHECK(url.raw() == "https://u:secret@h/x");
    CHECK(url.str() == "https://***@h/x");
    CHECK(url.scheme() == "https");
}
