#pragma once
// The SQL of each schema migration, one constant per step, defined in the file of its lifecycle
// stage. migrations.cpp lists them in the order they run; the number is the schema version.
#include <string_view>

namespace llmops::store::migration_sql {

// migrations_core_data.cpp
extern const std::string_view project_metadata;  // 1
extern const std::string_view datasets;          // 2
extern const std::string_view prompts;           // 3
extern const std::string_view response_cache;    // 4
extern const std::string_view runs;              // 5
extern const std::string_view eval_runs;         // 6
extern const std::string_view retrieval_indexes; // 7
extern const std::string_view cached_latency;    // 9
extern const std::string_view run_owner;         // 10

// migrations_deploy_serve.cpp
extern const std::string_view deployments;      // 8
extern const std::string_view gateway;          // 11
extern const std::string_view serve_guardrails; // 15
extern const std::string_view shared_key_rates; // 16

// migrations_monitor.cpp
extern const std::string_view compact_request_log_and_alerts; // 12

// migrations_pipeline_feedback.cpp
extern const std::string_view pipelines;     // 13
extern const std::string_view feedback_loop; // 14

} // namespace llmops::store::migration_sql
