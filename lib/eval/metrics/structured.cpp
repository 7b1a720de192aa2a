#include "eval/metrics/structured.hpp"

#include "eval/metrics/text_normalize.hpp"

#include <nlohmann/json.hpp>

namespace llmops::eval {

bool is_json(std::string_view text) {
    return nlohmann::json::accept(text);
}

std::size_t token_count(std::string_view text) {
    return (code_point_count(text) + 3) / 4;
}

} // namespace llmops::eval
