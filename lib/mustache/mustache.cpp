// Template handles, the partial cache, and static analysis of templates (which names and
// partials a template uses). Compiling is in mustache_parser.cpp, rendering in
// mustache_renderer.cpp.
#include "mustache/mustache.hpp"
#include "mustache/mustache_ast.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace llmops::mustache {

namespace {

std::shared_ptr<const detail::TemplateData> empty_template() {
    static const auto empty = std::make_shared<const detail::TemplateData>();
    return empty;
}

void collect(const std::vector<detail::Node>& nodes, int depth, std::vector<VariableRef>& out) {
    using detail::NodeKind;
    for (const detail::Node& node : nodes) {
        auto add = [&](VariableUse use) {
            out.push_back(VariableRef{node.name.text, use, depth, node.line, node.column});
        };
        switch (node.kind) {
        case NodeKind::Text:
            break;
        case NodeKind::Variable:
            add(VariableUse::Interpolation);
            break;
        case NodeKind::Section:
            add(VariableUse::Section);
            collect(node.children, depth + 1, out); // names inside look in the item first
            break;
        case NodeKind::Inverted:
            add(VariableUse::InvertedSection);
            collect(node.children, depth, out); // no new context
            break;
        case NodeKind::Partial:
            if (node.dynamic) add(VariableUse::PartialName);
            break;
        case NodeKind::Parent:
            if (node.dynamic) add(VariableUse::PartialName);
            collect(node.children, depth, out);
            break;
        case NodeKind::Block:
            collect(node.children, depth, out);
            break;
        }
    }
}

void collect_partials(const std::vector<detail::Node>& nodes, std::set<std::string>& out) {
    for (const detail::Node& node : nodes) {
        if ((node.kind == detail::NodeKind::Partial || node.kind == detail::NodeKind::Parent) &&
            !node.dynamic)
            out.insert(node.text);
        collect_partials(node.children, out);
    }
}

} // namespace

Template::Template() : data_(empty_template()) {}

Template::Template(std::shared_ptr<const detail::TemplateData> data)
    : data_(data ? std::move(data) : empty_template()) {}

const std::string& Template::name() const {
    return data_->name;
}

PartialCache::PartialCache() = default;

PartialCache::PartialCache(PartialResolver resolver, CompileOptions options)
    : resolver_(std::move(resolver)), options_(std::move(options)) {}

PartialCache::PartialCache(std::map<std::string, std::string> sources, CompileOptions options)
    : options_(std::move(options)) {
    auto shared = std::make_shared<const std::map<std::string, std::string, std::less<>>>(
        sources.begin(), sources.end());
    resolver_ = [shared](std::string_view name) -> std::optional<std::string> {
        auto it = shared->find(name);
        if (it == shared->end()) return std::nullopt;
        return it->second;
    };
}

const Template* PartialCache::find(std::string_view name) const {
    {
        std::shared_lock lock(mutex_);
        auto it = cache_.find(name);
        if (it != cache_.end()) return it->second.get();
    }
    if (!resolver_) return nullptr;
    // Resolve and compile outside the lock: the resolver may read files.
    std::unique_ptr<const Template> compiled;
    if (std::optional<std::string> source = resolver_(name)) {
        CompileOptions options = options_;
        options.name = std::string(name);
        compiled = std::make_unique<const Template>(compile(*source, options));
    }
    std::unique_lock lock(mutex_);
    auto [it, inserted] = cache_.emplace(std::string(name), std::move(compiled));
    return it->second.get();
}

void PartialCache::clear() {
    std::unique_lock lock(mutex_);
    cache_.clear();
}

std::vector<VariableRef> list_variables(const Template& tmpl) {
    std::vector<VariableRef> out;
    collect(tmpl.data().root, 0, out);
    return out;
}

std::vector<std::string> top_level_variables(const Template& tmpl) {
    std::set<std::string> names;
    for (const VariableRef& ref : list_variables(tmpl)) {
        if (ref.section_depth != 0 || ref.name == ".") continue;
        names.insert(ref.name.substr(0, ref.name.find('.')));
    }
    return {names.begin(), names.end()};
}

std::vector<std::string> referenced_partials(const Template& tmpl) {
    std::set<std::string> names;
    collect_partials(tmpl.data().root, names);
    return {names.begin(), names.end()};
}

} // namespace llmops::mustache
