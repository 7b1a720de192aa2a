#include "pipeline/stage_inputs.hpp"

#include "data/dataset_catalog.hpp"
#include "prompt/prompt_registry.hpp"
#include "provider/provider_config.hpp"
#include "json/canonical_json.hpp"
#include "json/yaml_document.hpp"

namespace llmops::pipeline {

using nlohmann::json;

StageInputs::StageInputs(store::Project* project, std::filesystem::path config_file,
                         std::filesystem::path root, FileHasher& hasher)
    : project_(project), config_file_(std::move(config_file)), root_(std::move(root)),
      hasher_(hasher) {}

const json* find_dotted(const json& value, std::string_view dotted) {
    const json* node = &value;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = dotted.find('.', start);
        std::string part(
            dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
        if (!node->is_object() || !node->contains(part)) return nullptr;
        node = &(*node)[part];
        if (dot == std::string_view::npos) return node;
        start = dot + 1;
    }
}

std::optional<std::string> StageInputs::value_of(const Dependency& dep) {
    auto need_store = [&] {
        if (!project_) throw_bad_input("'" + dep.id() + "' needs a project store", dep.where);
    };
    switch (dep.kind) {
    case DepKind::Path:
        return std::nullopt; // hashed together with the others in dependencies()
    case DepKind::Dataset:
        need_store();
        return data::resolve_version(project_->db(), dep.target).manifest;
    case DepKind::Prompt: {
        need_store();
        prompt::PromptRegistry registry(*project_);
        return registry.resolve(dep.target).hash;
    }
    case DepKind::Provider: {
        auto catalog = provider::load_provider_catalog(config_file_);
        auto config = provider::resolve_provider(catalog, dep.target);
        return hash128(canonical_json(provider::describe_provider(config))).hex();
    }
    case DepKind::Params: {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(root_ / dep.target, ec))
            throw_bad_input("params file '" + dep.target + "' does not exist", dep.where);
        YamlDocument params = load_yaml_file(root_ / dep.target);
        json values = json::object();
        for (const auto& key : dep.keys) {
            const json* value = find_dotted(params.value, key);
            if (!value)
                throw_bad_input("params file '" + dep.target + "' has no key '" + key + "'",
                                dep.where);
            values[key] = *value;
        }
        return hash128(canonical_json(values)).hex();
    }
    }
    return std::nullopt;
}

ValueHashes StageInputs::dependencies(const Stage& stage, bool allow_missing) {
    ValueHashes hashes;
    std::vector<std::string> paths;
    for (const auto& dep : stage.deps)
        if (dep.kind == DepKind::Path) paths.push_back(dep.target);
    auto hashed = hasher_.hash_paths(root_, paths);
    for (const auto& dep : stage.deps) {
        if (dep.kind == DepKind::Path) {
            const PathHash& h = hashed.at(dep.target);
            if (h.exists)
                hashes[dep.id()] = h.hash.hex();
            else if (!allow_missing)
                throw_bad_input("stage '" + stage.name + "': dependency '" + dep.target +
                                    "' does not exist",
                                dep.where);
            continue;
        }
        try {
            if (auto value = value_of(dep)) hashes[dep.id()] = *value;
        } catch (const Error& e) {
            if (!allow_missing || e.kind() != ErrorKind::BadInput) {
                if (e.where().empty())
                    throw Error(e.kind(), "stage '" + stage.name + "': " + e.message(), dep.where,
                                e.hint());
                throw;
            }
        }
    }
    return hashes;
}

ValueHashes StageInputs::outputs(const Stage& stage) {
    ValueHashes hashes;
    std::vector<std::string> paths;
    for (const auto& out : stage.outs)
        if (out.kind == OutKind::Path) paths.push_back(out.target);
    last_paths_ = hasher_.hash_paths(root_, paths);
    for (const auto& out : stage.outs) {
        if (out.kind == OutKind::Path) {
            const PathHash& h = last_paths_.at(out.target);
            if (h.exists) hashes[out.id()] = h.hash.hex();
        } else if (project_) {
            if (auto version = data::latest_version(project_->db(), out.target))
                hashes[out.id()] = version->manifest;
        }
    }
    return hashes;
}

std::string stage_key(const Stage& stage, const ValueHashes& deps) {
    json doc = json::object();
    doc["cmd"] = stage.command_text();
    doc["deps"] = json::object();
    for (const auto& [id, hash] : deps)
        doc["deps"][id] = hash;
    doc["outs"] = json::array();
    for (const auto& out : stage.outs)
        doc["outs"].push_back(out.id());
    return hash128(canonical_json(doc)).hex();
}

} // namespace llmops::pipeline
