#include "eval/metrics/structured.hpp"

#include <nlohmann/json.hpp>

namespace llmops::eval {

bool is_json(std::string_view text) {
    return nlohmann::json::accept(text);
}

} // namespace llmops::eval
