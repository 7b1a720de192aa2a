#include "provider/cost.hpp"

namespace llmops::provider {

double cost_usd(const std::optional<ModelPrice>& price, std::int64_t prompt_tokens,
                std::int64_t completion_tokens) {
    if (!price) return 0;
    return (static_cast<double>(prompt_tokens) * price->input_per_million +
            static_cast<double>(completion_tokens) * price->output_per_million) /
           1e6;
}

} // namespace llmops::provider
