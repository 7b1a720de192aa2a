#pragma once
// Whether a URL in a markdown image or link, or an HTML image, carries data out: the check
// behind the exfiltration rules. A model that renders ![x](https://host/?q=<secret>) in an
// answer sends the secret to that host as soon as the client loads the image.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::safety {

// A one-line reason when `url` carries a data payload (a template placeholder, a long encoded
// query value, encoded prose, an over-long query string or an encoded path segment); nullopt
// for an ordinary URL.
std::optional<std::string> url_payload_reason(std::string_view url);

// The URL's host in lower case ("" when it has none).
std::string url_host(std::string_view url);

// True when `host` is one of `allowed` or a subdomain of one.
bool host_is_allowed(std::string_view host, const std::vector<std::string>& allowed);

} // namespace llmops::safety
