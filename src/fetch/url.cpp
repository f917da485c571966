// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/url.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace cudapkgs::fetch {

namespace {

constexpr std::string_view kMask = "***";

/// The parts of a URL that may hold secrets, as offsets into the URL.
struct UrlParts {
    std::size_t authority_begin = std::string_view::npos; ///< after "://"
    std::size_t userinfo_end = std::string_view::npos;    ///< position of '@' (if any)
    std::size_t query_begin = std::string_view::npos;     ///< after '?'
    std::size_t query_end = std::string_view::npos;       ///< at '#' or the end
};

UrlParts split_url(std::string_view url) {
    UrlParts parts;
    std::size_t sep = url.find("://");
    std::size_t path_begin = 0;
    if (sep != std::string_view::npos) {
        parts.authority_begin = sep + 3;
        std::size_t end = url.find_first_of("/?#", parts.authority_begin);
        std::size_t auth_end = end == std::string_view::npos ? url.size() : end;
        std::size_t at = url.substr(0, auth_end).rfind('@');
        if (at != std::string_view::npos && at >= parts.authority_begin) {
            parts.userinfo_end = at;
        }
        path_begin = auth_end;
    }
    std::size_t hash = url.find('#', path_begin);
    std::size_t question = url.find('?', path_begin);
    if (question != std::string_view::npos && (hash == std::string_view::npos || question < hash)) {
        parts.query_begin = question + 1;
        parts.query_end = hash == std::string_view::npos ? url.size() : hash;
    }
    return parts;
}

/// Each `key=value` (or bare token) of a query string.
std::vector<std::string_view> split_query(std::string_view query) {
    std::vector<std::string_view> items;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t amp = query.find('&', start);
        std::size_t end = amp == std::string_view::npos ? query.size() : amp;
        items.push_back(query.substr(start, end - start));
        if (amp == std::string_view::npos) {
            break;
        }
        start = amp + 1;
    }
    return items;
}

std::string redact_query(std::string_view query) {
    std::string out;
    bool first = true;
    for (std::string_view item : split_query(query)) {
        if (!first) {
            out += '&';
        }
        first = false;
        if (item.empty()) {
            continue;
        }
        std::size_t eq = item.find('=');
        out += eq == std::string_view::npos ? std::string(kMask)
                                            : std::string(item.substr(0, eq + 1)) + "***";
    }
    return out;
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
    if (needle.empty()) {
        return;
    }
    std::size_t pos = 0;
    while ((pos = text.find(needle, pos)) != std::string::npos) {
        text.replace(pos, needle.size(), with);
        pos += with.size();
    }
}

} // namespace

std::string redact_url(std::string_view url) {
    UrlParts parts = split_url(url);
    std::string out;
    std::size_t pos = 0;
    if (parts.userinfo_end != std::string_view::npos) {
        out += url.substr(0, parts.authority_begin);
        out += kMask;
        pos = parts.userinfo_end; // keeps the '@'
    }
    if (parts.query_begin != std::string_view::npos) {
        out += url.substr(pos, parts.query_begin - pos);
        out += redact_query(url.substr(parts.query_begin, parts.query_end - parts.query_begin));
        pos = parts.query_end;
    }
    out += url.substr(pos);
    return out;
}

std::string url_scheme(std::string_view url) {
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos || sep == 0) {
        return {};
    }
    std::string scheme(url.substr(0, sep));
    bool valid = std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.';
    });
    if (!valid) {
        return {};
    }
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return scheme;
}

std::string scrub_secrets(std::string_view text, std::string_view url) {
    std::string out(text);
    replace_all(out, url, redact_url(url));
    UrlParts parts = split_url(url);
    std::vector<std::string_view> secrets;
    if (parts.userinfo_end != std::string_view::npos) {
        std::string_view userinfo =
            url.substr(parts.authority_begin, parts.userinfo_end - parts.authority_begin);
        secrets.push_back(userinfo);
        std::size_t colon = userinfo.find(':');
        secrets.push_back(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) {
            secrets.push_back(userinfo.substr(colon + 1));
        }
    }
    if (parts.query_begin != std::string_view::npos) {
        for (std::string_view item :
             split_query(url.substr(parts.query_begin, parts.query_end - parts.query_begin))) {
            std::size_t eq = item.find('=');
            secrets.push_back(eq == std::string_view::npos ? item : item.substr(eq + 1));
        }
    }
    // Longest first so a password is not half-replaced through a shorter user name.
    std::sort(secrets.begin(), secrets.end(),
              [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
    for (std::string_view secret : secrets) {
        if (secret.size() >= 3) { // shorter strings would mangle ordinary words
            replace_all(out, secret, kMask);
        }
    }
    return out;
}

} // namespace cudapkgs::fetch
