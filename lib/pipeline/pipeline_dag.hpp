#pragma once
// The stage graph for people (text), for Markdown renderers (Mermaid) and for scripts (JSON).
#include "pipeline/stage_graph.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace llmops::pipeline {

// One line per stage in run order: "train <- prepare, featurize" ("prepare" for a root).
std::string render_dag_text(const StageGraph& graph);
// A Mermaid flowchart: one node per stage, one edge per dependency, in run order.
std::string render_dag_mermaid(const StageGraph& graph);
// {"stages": [{"name", "command", "deps", "outs", "upstream"}] } in run order.
nlohmann::json dag_to_json(const StageGraph& graph);

} // namespace llmops::pipeline
