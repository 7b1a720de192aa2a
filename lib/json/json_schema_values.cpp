// Value helpers shared by the JSON Schema compiler and validator: JSON equality by value,
// a hash consistent with it, and JSON pointer building.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "json/json_schema_internal.hpp"

namespace llmops::json_schema_detail {

using nlohmann::json;

long double number_as_long_double(const json& number) {
    if (number.is_number_unsigned()) return static_cast<long double>(number.get<std::uint64_t>());
    if (number.is_number_integer()) return static_cast<long double>(number.get<std::int64_t>());
    return number.get<double>();
}

void append_pointer_token(std::string& pointer, std::string_view token) {
    pointer += '/';
    for (char c : token) {
        if (c == '~') {
            pointer += "~0";
        } else if (c == '/') {
            pointer += "~1";
        } else {
            pointer += c;
        }
    }
}

bool json_equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_integer() && b.is_number_integer()) {
            // Exact for the whole int64 / uint64 range, no rounding through double.
            if (a.is_number_unsigned() == b.is_number_unsigned())
                return a.is_number_unsigned() ? a.get<std::uint64_t>() == b.get<std::uint64_t>()
                                              : a.get<std::int64_t>() == b.get<std::int64_t>();
            const json& u = a.is_number_unsigned() ? a : b;
            const json& s = a.is_number_unsigned() ? b : a;
            return s.get<std::int64_t>() >= 0 &&
                   static_cast<std::uint64_t>(s.get<std::int64_t>()) == u.get<std::uint64_t>();
        }
        return number_as_long_double(a) == number_as_long_double(b);
    }
    if (a.type() != b.type()) return false;
    switch (a.type()) {
    case json::value_t::array:
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!json_equal(a[i], b[i])) return false;
        return true;
    case json::value_t::object: {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            auto other = b.find(it.key());
            if (other == b.end() || !json_equal(it.value(), *other)) return false;
        }
        return true;
    }
    default:
        return a == b;
    }
}

std::size_t json_hash(const json& value) {
    auto mix = [](std::size_t seed, std::size_t h) {
        return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
    };
    switch (value.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        // Equal numbers have the same double value, whatever their JSON type.
        return std::hash<double>{}(static_cast<double>(number_as_long_double(value)));
    case json::value_t::array: {
        std::size_t seed = 0x51;
        for (const auto& item : value)
            seed = mix(seed, json_hash(item));
        return seed;
    }
    case json::value_t::object: {
        std::size_t seed = 0x0b;
        for (auto it = value.begin(); it != value.end(); ++it)
            seed = mix(mix(seed, std::hash<std::string>{}(it.key())), json_hash(it.value()));
        return seed;
    }
    default:
        return std::hash<json>{}(value);
    }
}

} // namespace llmops::json_schema_detail
