#include "pipeline/pipeline_lock.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "json/yaml_document.hpp"

namespace llmops::pipeline {

using nlohmann::json;

namespace {

std::string quoted(const std::string& text) {
    return json(text).dump();
}

// A stage key is a hash we wrote; it is rendered bare, so anything else would not read back.
bool is_hex_key(const std::string& key) {
    if (key.empty() || key.size() > 128) return false;
    for (char c : key)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::map<std::string, std::string> read_map(const YamlDocument& doc, const json& value,
                                            const std::string& pointer) {
    std::map<std::string, std::string> map;
    if (value.is_null()) return map;
    if (!value.is_object()) throw_bad_input("expected a mapping", doc.location_of(pointer));
    for (const auto& [key, hash] : value.items()) {
        if (!hash.is_string())
            throw_bad_input("expected a hash string",
                            doc.location_of(pointer + "/" + json_pointer_token(key)));
        map[key] = hash.get<std::string>();
    }
    return map;
}

} // namespace

std::string render_lock(const PipelineLock& lock) {
    std::string out = "# Written by `llmops pipeline run`; commit it with the pipeline file "
                      "(docs/pipelines.md#the-lock-file).\n";
    out += "schema: " + std::to_string(kLockSchema) + "\n";
    out += lock.stages.empty() ? "stages: {}\n" : "stages:\n";
    for (const auto& [name, stage] : lock.stages) {
        out += "  " + quoted(name) + ":\n";
        out += "    key: " + stage.key + "\n";
        out += "    cmd: " + quoted(stage.command) + "\n";
        out += stage.deps.empty() ? "    deps: {}\n" : "    deps:\n";
        for (const auto& [id, hash] : stage.deps)
            out += "      " + quoted(id) + ": " + quoted(hash) + "\n";
        out += stage.outs.empty() ? "    outs: {}\n" : "    outs:\n";
        for (const auto& [id, hash] : stage.outs)
            out += "      " + quoted(id) + ": " + quoted(hash) + "\n";
    }
    return out;
}

PipelineLock parse_lock(std::string_view text, const std::string& source_name) {
    YamlDocument doc = parse_yaml(text, source_name);
    PipelineLock lock;
    if (doc.value.is_null()) return lock;
    if (!doc.value.is_object() || !doc.value.contains("schema") ||
        doc.value["schema"] != kLockSchema)
        throw_bad_input("not a pipeline lock file of schema " + std::to_string(kLockSchema),
                        doc.location_of("/schema"));
    const json& stages = doc.value.value("stages", json::object());
    if (!stages.is_object())
        throw_bad_input("'stages' must be a mapping", doc.location_of("/stages"));
    for (const auto& [name, body] : stages.items()) {
        std::string pointer = "/stages/" + json_pointer_token(name);
        if (!body.is_object() || !body.contains("key") || !body["key"].is_string())
            throw_bad_input("stage '" + name + "' needs a 'key'", doc.location_of(pointer));
        LockedStage stage;
        stage.key = body["key"].get<std::string>();
        if (!is_hex_key(stage.key))
            throw_bad_input("stage '" + name + "': 'key' must be a lowercase hexadecimal hash",
                            doc.location_of(pointer + "/key"));
        if (body.contains("cmd") && !body["cmd"].is_string())
            throw_bad_input("stage '" + name + "': 'cmd' must be a string",
                            doc.location_of(pointer + "/cmd"));
        stage.command = body.value("cmd", "");
        stage.deps = read_map(doc, body.value("deps", json::object()), pointer + "/deps");
        stage.outs = read_map(doc, body.value("outs", json::object()), pointer + "/outs");
        lock.stages[name] = std::move(stage);
    }
    return lock;
}

PipelineLock load_lock(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return {};
    return parse_lock(read_file(file), file.string());
}

void save_lock(const std::filesystem::path& file, const PipelineLock& lock,
               const std::filesystem::path& tmp_dir) {
    write_file_atomic(file, render_lock(lock), tmp_dir);
}

} // namespace llmops::pipeline
