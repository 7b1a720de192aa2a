#include "eval/eval_evidence.hpp"

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "json/canonical_json.hpp"

namespace llmops::eval {

std::optional<std::int64_t> find_evidence(store::Database& db, const EvidenceKey& key) {
    if (!key.dataset_version_id && key.data_source != "inline") return std::nullopt;
    store::Statement st = db.prepare(
        "SELECT e.id, r.provider_config FROM eval_runs e "
        "JOIN eval_cells c ON c.eval_id = e.id JOIN runs r ON r.id = c.run_id "
        "WHERE e.spec_hash = ? AND e.status = 'completed' AND e.case_count = ? "
        "AND e.data_source = ? AND e.dataset_version_id IS ? AND r.prompt_version_id = ? "
        "AND (SELECT COUNT(*) FROM eval_cells n WHERE n.eval_id = e.id) = 1 "
        "ORDER BY e.id DESC");
    st.bind(1, key.spec_hash)
        .bind(2, key.case_count)
        .bind(3, key.data_source)
        .bind(4, key.dataset_version_id)
        .bind(5, key.prompt_version_id);
    while (st.step()) {
        auto recorded = nlohmann::json::parse(st.column_text(1));
        if (hash128(canonical_json(recorded)).hex() == key.provider_config_hash)
            return st.column_int(0);
    }
    return std::nullopt;
}

} // namespace llmops::eval
