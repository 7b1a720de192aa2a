#pragma once
// The graph between stages: a stage depends on the stage that produces one of its
// dependencies (the same path, a path inside a produced folder, a folder holding a produced
// path, or the dataset a stage writes). Building it refuses cycles (naming them), two stages
// writing the same output, and path dependencies that neither exist nor are produced.
#include "pipeline/pipeline_spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace llmops::pipeline {

struct StageGraph {
    PipelineSpec spec;
    std::vector<std::size_t> order; // indices into spec.stages, dependencies first
    // By stage index: the stages it depends on / that depend on it (sorted indices).
    std::vector<std::vector<std::size_t>> upstream;
    std::vector<std::vector<std::size_t>> downstream;

    std::optional<std::size_t> find(std::string_view name) const;
    // The targets and everything they depend on, in `order`; every stage when targets is
    // empty. Throws Error(Usage) for a name that is no stage.
    std::vector<std::size_t> select(const std::vector<std::string>& targets) const;
    // The stage producing dependency `dep_index` of stage `stage`, if any.
    std::optional<std::size_t> producer_of(std::size_t stage, std::size_t dep_index) const;
};

// Throws Error(BadInput) at the offending stage's file:line:column.
StageGraph build_graph(PipelineSpec spec);

// Whether path `inner` is `outer` or lies inside it ("a/b" is inside "a", "ab" is not).
bool path_within(std::string_view inner, std::string_view outer);

} // namespace llmops::pipeline
