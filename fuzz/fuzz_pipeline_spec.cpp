// libFuzzer target: arbitrary bytes as pipeline.yaml, then as pipeline.lock. Parsing and
// building the stage graph must end in a graph or an llmops::Error, never a crash, hang or
// other exception; a graph's order must list every stage once, and a lock that parses must
// read back unchanged from its own rendering.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "pipeline/pipeline_lock.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "pipeline/stage_graph.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        // The root does not exist: path dependencies must be produced by a stage to pass.
        auto graph = llmops::pipeline::build_graph(
            llmops::pipeline::parse_pipeline(text, "/nonexistent-llmops-fuzz/pipeline.yaml"));
        std::vector<bool> seen(graph.spec.stages.size(), false);
        for (std::size_t i : graph.order) {
            if (i >= seen.size() || seen[i]) std::abort();
            seen[i] = true;
        }
        if (graph.order.size() != graph.spec.stages.size()) std::abort();
    } catch (const llmops::Error&) {
        // Expected for malformed input.
    }
    try {
        auto lock = llmops::pipeline::parse_lock(text, "pipeline.lock");
        auto again = llmops::pipeline::parse_lock(llmops::pipeline::render_lock(lock), "again");
        if (!(again == lock)) std::abort();
    } catch (const llmops::Error&) {
    }
    return 0;
}
