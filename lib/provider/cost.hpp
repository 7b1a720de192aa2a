#pragma once
// Cost of a call from the token usage the provider reported and the price table.
#include <cstdint>
#include <optional>

#include "provider/provider_config.hpp"

namespace llmops::provider {

// USD; 0 when the price is unknown.
double cost_usd(const std::optional<ModelPrice>& price, std::int64_t prompt_tokens,
                std::int64_t completion_tokens);

} // namespace llmops::provider
