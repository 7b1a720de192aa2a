#include "deploy/traffic_split.hpp"

#include <cmath>
#include <fmt/format.h>
#include <string>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace llmops::deploy {

std::uint32_t traffic_bucket(std::string_view route, std::string_view user_key) {
    std::string text;
    text.reserve(route.size() + 1 + user_key.size());
    text.append(route);
    text.push_back('\x1f');
    text.append(user_key);
    return static_cast<std::uint32_t>(hash64(text, 0) % kTrafficBuckets);
}

std::uint32_t weight_basis_points(double percent) {
    if (!std::isfinite(percent) || percent < 0 || percent > 100)
        throw Error(ErrorKind::Usage,
                    fmt::format("a traffic weight must be a percentage from 0 to 100, not {:.6g}",
                                percent));
    return static_cast<std::uint32_t>(std::lround(percent * 100));
}

} // namespace llmops::deploy
