#include "pipeline/stage_graph.hpp"

#include <algorithm>
#include <filesystem>
#include <queue>

namespace llmops::pipeline {

namespace {

bool produces(const Output& out, const Dependency& dep) {
    if (out.kind == OutKind::Dataset)
        return dep.kind == DepKind::Dataset &&
               dep.target.substr(0, dep.target.find('@')) == out.target;
    if (dep.kind != DepKind::Path && dep.kind != DepKind::Params) return false;
    return path_within(dep.target, out.target) || path_within(out.target, dep.target);
}

bool outputs_overlap(const Output& a, const Output& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == OutKind::Dataset) return a.target == b.target;
    return path_within(a.target, b.target) || path_within(b.target, a.target);
}

// Depth-first search for a cycle; returns it as stage indices, first == last.
std::vector<std::size_t> find_cycle(const std::vector<std::vector<std::size_t>>& upstream) {
    enum Mark { White, Grey, Black };
    std::vector<Mark> mark(upstream.size(), White);
    std::vector<std::size_t> path;
    std::vector<std::size_t> cycle;
    auto visit = [&](auto&& self, std::size_t node) -> bool {
        mark[node] = Grey;
        path.push_back(node);
        for (std::size_t next : upstream[node]) {
            if (mark[next] == Grey) {
                auto start = std::find(path.begin(), path.end(), next);
                cycle.assign(start, path.end());
                cycle.push_back(next);
                return true;
            }
            if (mark[next] == White && self(self, next)) return true;
        }
        path.pop_back();
        mark[node] = Black;
        return false;
    };
    for (std::size_t i = 0; i < upstream.size(); ++i)
        if (mark[i] == White && visit(visit, i)) return cycle;
    return {};
}

} // namespace

bool path_within(std::string_view inner, std::string_view outer) {
    if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
    return inner.size() == outer.size() || inner[outer.size()] == '/';
}

std::optional<std::size_t> StageGraph::find(std::string_view name) const {
    for (std::size_t i = 0; i < spec.stages.size(); ++i)
        if (spec.stages[i].name == name) return i;
    return std::nullopt;
}

std::optional<std::size_t> StageGraph::producer_of(std::size_t stage, std::size_t dep_index) const {
    const Dependency& dep = spec.stages[stage].deps[dep_index];
    for (std::size_t up : upstream[stage])
        for (const auto& out : spec.stages[up].outs)
            if (produces(out, dep)) return up;
    return std::nullopt;
}

std::vector<std::size_t> StageGraph::select(const std::vector<std::string>& targets) const {
    if (targets.empty()) return order;
    std::vector<bool> wanted(spec.stages.size(), false);
    std::vector<std::size_t> stack;
    for (const auto& name : targets) {
        auto index = find(name);
        if (!index) {
            std::string names;
            for (const auto& s : spec.stages)
                names += (names.empty() ? "" : ", ") + s.name;
            throw_usage("no stage '" + name + "' in " + spec.file.string(), "stages: " + names);
        }
        stack.push_back(*index);
    }
    while (!stack.empty()) {
        std::size_t node = stack.back();
        stack.pop_back();
        if (wanted[node]) continue;
        wanted[node] = true;
        for (std::size_t up : upstream[node])
            stack.push_back(up);
    }
    std::vector<std::size_t> selected;
    for (std::size_t i : order)
        if (wanted[i]) selected.push_back(i);
    return selected;
}

StageGraph build_graph(PipelineSpec spec) {
    StageGraph graph;
    const auto& stages = spec.stages;
    const std::size_t n = stages.size();
    graph.upstream.assign(n, {});
    graph.downstream.assign(n, {});
    // Two stages writing the same output (or one inside the other's folder).
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = a; b < n; ++b)
            for (std::size_t i = 0; i < stages[a].outs.size(); ++i)
                for (std::size_t j = (a == b ? i + 1 : 0); j < stages[b].outs.size(); ++j)
                    if (outputs_overlap(stages[a].outs[i], stages[b].outs[j]))
                        throw_bad_input("output '" + stages[b].outs[j].id() + "' of stage '" +
                                            stages[b].name + "' overlaps output '" +
                                            stages[a].outs[i].id() + "' of stage '" +
                                            stages[a].name + "'",
                                        stages[b].outs[j].where);
    for (std::size_t s = 0; s < n; ++s) {
        for (const auto& dep : stages[s].deps) {
            bool produced = false;
            for (std::size_t p = 0; p < n; ++p)
                for (const auto& out : stages[p].outs)
                    if (produces(out, dep)) {
                        produced = true;
                        graph.upstream[s].push_back(p);
                    }
            std::error_code ec;
            if (!produced && dep.kind == DepKind::Path &&
                !std::filesystem::exists(spec.root / dep.target, ec))
                throw_bad_input("stage '" + stages[s].name + "': dependency '" + dep.target +
                                    "' does not exist and no stage produces it",
                                dep.where);
        }
        auto& up = graph.upstream[s];
        std::sort(up.begin(), up.end());
        up.erase(std::unique(up.begin(), up.end()), up.end());
        for (std::size_t p : up)
            graph.downstream[p].push_back(s);
    }
    if (auto cycle = find_cycle(graph.upstream); !cycle.empty()) {
        // upstream edges point from a stage to what it needs; say it in the order data flows.
        std::reverse(cycle.begin(), cycle.end());
        std::string text;
        for (std::size_t i : cycle)
            text += (text.empty() ? "" : " -> ") + stages[i].name;
        throw_bad_input("the stages form a cycle: " + text, stages[cycle.front()].where);
    }
    // Kahn's algorithm, taking the earliest stage in the file among those ready.
    std::vector<std::size_t> waiting(n);
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < n; ++i) {
        waiting[i] = graph.upstream[i].size();
        if (waiting[i] == 0) ready.push(i);
    }
    while (!ready.empty()) {
        std::size_t node = ready.top();
        ready.pop();
        graph.order.push_back(node);
        for (std::size_t down : graph.downstream[node])
            if (--waiting[down] == 0) ready.push(down);
    }
    graph.spec = std::move(spec);
    return graph;
}

} // namespace llmops::pipeline
