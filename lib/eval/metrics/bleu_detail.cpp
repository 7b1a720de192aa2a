#include "eval/metrics/bleu_detail.hpp"

namespace llmops::eval {

nlohmann::json bleu_stats_to_json(const BleuStats& stats) {
    return {{"bleu_stats",
             {{"sys_len", stats.sys_len},
              {"ref_len", stats.ref_len},
              {"correct", stats.correct},
              {"total", stats.total}}}};
}

std::optional<BleuStats> bleu_stats_from_json(const nlohmann::json& detail) {
    if (!detail.is_object()) return std::nullopt;
    auto it = detail.find("bleu_stats");
    if (it == detail.end() || !it->is_object()) return std::nullopt;
    try {
        BleuStats stats;
        stats.sys_len = it->at("sys_len").get<std::size_t>();
        stats.ref_len = it->at("ref_len").get<std::size_t>();
        stats.correct = it->at("correct").get<std::array<std::size_t, kBleuMaxOrder>>();
        stats.total = it->at("total").get<std::array<std::size_t, kBleuMaxOrder>>();
        return stats;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt; // not ours: no corpus statistics from this case
    }
}

} // namespace llmops::eval
