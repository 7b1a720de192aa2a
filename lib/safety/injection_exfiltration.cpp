// Data payloads in URLs, for the exfiltration rules (injection_exfiltration.hpp).
#include "safety/injection_exfiltration.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace llmops::safety {

namespace {

constexpr std::size_t kLongValue = 24;  // a query value this long that looks encoded
constexpr std::size_t kLongQuery = 120; // a query string this long in all
// A path segment this long that looks encoded: longer than a SHA-256 in hex, so commit and
// content-hash URLs pass.
constexpr std::size_t kLongPathSegment = 65;

// Base64, hex or percent-encoded bytes: only the encodings' characters, with letters and
// digits mixed (a long English word or a slug has no digits).
bool looks_encoded(std::string_view value) {
    bool letter = false;
    bool digit = false;
    for (char c : value) {
        if (c >= '0' && c <= '9')
            digit = true;
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            letter = true;
        else if (c != '+' && c != '/' && c != '=' && c != '_' && c != '-' && c != '%' && c != '.')
            return false;
    }
    return letter && digit;
}

// Words joined by '+' or %20: a sentence put into the URL.
bool looks_like_encoded_prose(std::string_view value) {
    std::size_t joins = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '+') ++joins;
        if (value.substr(i, 3) == "%20") ++joins;
    }
    return joins >= 3 && value.size() >= 20;
}

std::string_view after_scheme(std::string_view url) {
    auto scheme = url.find("://");
    return scheme == std::string_view::npos ? url : url.substr(scheme + 3);
}

} // namespace

std::string url_host(std::string_view url) {
    std::string_view rest = after_scheme(url);
    std::size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    if (auto colon = authority.rfind(':');
        colon != std::string_view::npos && authority.find(']') == std::string_view::npos)
        authority = authority.substr(0, colon);
    return ascii_lower(authority);
}

bool host_is_allowed(std::string_view host, const std::vector<std::string>& allowed) {
    for (const auto& entry : allowed) {
        std::string domain = ascii_lower(entry);
        if (host == domain) return true;
        if (host.size() > domain.size() && host.ends_with(domain) &&
            host[host.size() - domain.size() - 1] == '.')
            return true;
    }
    return false;
}

std::optional<std::string> url_payload_reason(std::string_view url) {
    std::string_view rest = after_scheme(url);
    if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    for (std::string_view mark : {"{", "}", "%7B", "%7b", "$", "<", "%3C", "%3c", "[", "]"})
        if (rest.find(mark) != std::string_view::npos)
            return fmt::format("the URL holds a placeholder ('{}') for data to fill in", mark);

    std::size_t question = rest.find('?');
    std::string_view path = rest.substr(0, question);
    std::string_view query =
        question == std::string_view::npos ? std::string_view{} : rest.substr(question + 1);

    for (std::size_t at = 0; at < query.size();) {
        std::size_t amp = query.find('&', at);
        std::string_view pair = query.substr(at, amp == std::string_view::npos ? amp : amp - at);
        std::size_t eq = pair.find('=');
        std::string_view name =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? pair : pair.substr(eq + 1);
        if (value.size() >= kLongValue && looks_encoded(value))
            return fmt::format("query parameter '{}' carries a {}-character encoded value",
                               one_line(name, 40), value.size());
        if (looks_like_encoded_prose(value))
            return fmt::format("query parameter '{}' carries encoded text", one_line(name, 40));
        if (amp == std::string_view::npos) break;
        at = amp + 1;
    }
    if (query.size() >= kLongQuery) return fmt::format("a {}-character query string", query.size());

    std::size_t slash = path.find('/');
    while (slash != std::string_view::npos) {
        std::size_t next = path.find('/', slash + 1);
        std::string_view segment =
            path.substr(slash + 1, next == std::string_view::npos ? next : next - slash - 1);
        if (segment.size() >= kLongPathSegment && looks_encoded(segment) &&
            segment.find('.') == std::string_view::npos) // not a file name
            return fmt::format("a {}-character encoded path segment", segment.size());
        slash = next;
    }
    return std::nullopt;
}

} // namespace llmops::safety
