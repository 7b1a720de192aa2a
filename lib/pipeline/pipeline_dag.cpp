#include "pipeline/pipeline_dag.hpp"

namespace llmops::pipeline {

using nlohmann::json;

std::string render_dag_text(const StageGraph& graph) {
    std::string out;
    for (std::size_t s : graph.order) {
        out += graph.spec.stages[s].name;
        const auto& up = graph.upstream[s];
        for (std::size_t i = 0; i < up.size(); ++i)
            out += (i ? ", " : " <- ") + graph.spec.stages[up[i]].name;
        out += "\n";
    }
    return out;
}

std::string render_dag_mermaid(const StageGraph& graph) {
    // Node ids are positions, so any stage name (dots, dashes) is safe; labels are quoted
    // with '"' written as the entity Mermaid understands.
    std::string out = "flowchart TD\n";
    for (std::size_t s : graph.order) {
        std::string label;
        for (char c : graph.spec.stages[s].name)
            label += c == '"' ? std::string("#quot;") : std::string(1, c);
        out += "    s" + std::to_string(s) + "[\"" + label + "\"]\n";
    }
    for (std::size_t s : graph.order)
        for (std::size_t up : graph.upstream[s])
            out += "    s" + std::to_string(up) + " --> s" + std::to_string(s) + "\n";
    return out;
}

json dag_to_json(const StageGraph& graph) {
    json stages = json::array();
    for (std::size_t s : graph.order) {
        const Stage& st = graph.spec.stages[s];
        json deps = json::array();
        for (const auto& d : st.deps)
            deps.push_back(d.id());
        json outs = json::array();
        for (const auto& o : st.outs)
            outs.push_back(o.id());
        json up = json::array();
        for (std::size_t u : graph.upstream[s])
            up.push_back(graph.spec.stages[u].name);
        stages.push_back({{"name", st.name},
                          {"command", st.display_command()},
                          {"deps", deps},
                          {"outs", outs},
                          {"upstream", up}});
    }
    return {{"stages", stages}};
}

} // namespace llmops::pipeline
