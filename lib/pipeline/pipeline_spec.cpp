#include "pipeline/pipeline_spec.hpp"

#include "core/file_io.hpp"
#include "json/yaml_document.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace llmops::pipeline {

using nlohmann::json;

namespace {

bool is_stage_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    auto ok = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    };
    return std::isalnum(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), ok);
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n') {
            if (!word.empty()) words.push_back(std::move(word));
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

class StageParser {
  public:
    explicit StageParser(const YamlDocument& doc) : doc_(doc) {}

    Stage parse(const std::string& name, const json& body, const std::string& pointer) {
        Stage stage;
        stage.name = name;
        stage.where = doc_.location_of(pointer);
        if (!is_stage_name(name))
            throw_bad_input("stage name '" + name +
                                "' must be letters, digits, '_', '-' or '.', starting with a "
                                "letter or digit",
                            stage.where);
        if (!body.is_object()) fail(pointer, "stage '" + name + "' must be a mapping");
        static const std::set<std::string> known = {"cmd", "llmops", "deps", "outs", "desc"};
        for (const auto& [key, value] : body.items())
            if (!known.count(key))
                fail(pointer + "/" + json_pointer_token(key),
                     "stage '" + name + "': unknown key '" + key +
                         "' (expected cmd, llmops, deps, outs, desc)");
        bool has_cmd = body.contains("cmd");
        bool has_step = body.contains("llmops");
        if (has_cmd == has_step)
            fail(pointer, "stage '" + name + "' needs exactly one of 'cmd' or 'llmops'");
        if (has_cmd) {
            const json& cmd = body["cmd"];
            if (!cmd.is_string() || cmd.get<std::string>().empty())
                fail(pointer + "/cmd", "stage '" + name + "': 'cmd' must be a non-empty string");
            stage.cmd = cmd.get<std::string>();
        } else {
            stage.llmops_args = parse_step(body["llmops"], pointer + "/llmops", name);
        }
        if (body.contains("deps")) parse_deps(stage, body["deps"], pointer + "/deps");
        if (body.contains("outs")) parse_outs(stage, body["outs"], pointer + "/outs");
        if (body.contains("desc") && !body["desc"].is_string())
            fail(pointer + "/desc", "stage '" + name + "': 'desc' must be a string");
        return stage;
    }

  private:
    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
        throw_bad_input(message, doc_.location_of(pointer));
    }

    std::vector<std::string> parse_step(const json& value, const std::string& pointer,
                                        const std::string& name) {
        std::vector<std::string> args;
        if (value.is_string()) {
            args = split_words(value.get<std::string>());
        } else if (value.is_array()) {
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_string())
                    fail(pointer + "/" + std::to_string(i),
                         "stage '" + name + "': llmops arguments must be strings");
                args.push_back(value[i].get<std::string>());
            }
        } else {
            fail(pointer, "stage '" + name + "': 'llmops' must be a string or a list of strings");
        }
        for (const auto& step : allowed_llmops_steps()) {
            auto words = split_words(step);
            if (args.size() >= words.size() && std::equal(words.begin(), words.end(), args.begin()))
                return args;
        }
        std::string allowed;
        for (const auto& step : allowed_llmops_steps())
            allowed += (allowed.empty() ? "" : ", ") + step;
        fail(pointer, "stage '" + name + "': llmops step must start with one of: " + allowed);
    }

    void parse_deps(Stage& stage, const json& deps, const std::string& pointer) {
        if (!deps.is_array()) fail(pointer, "stage '" + stage.name + "': 'deps' must be a list");
        std::set<std::string> seen;
        for (std::size_t i = 0; i < deps.size(); ++i) {
            std::string item = pointer + "/" + std::to_string(i);
            Dependency dep = parse_dep(stage.name, deps[i], item);
            if (!seen.insert(dep.id()).second)
                fail(item,
                     "stage '" + stage.name + "': dependency '" + dep.id() + "' is listed twice");
            stage.deps.push_back(std::move(dep));
        }
    }

    Dependency parse_dep(const std::string& stage, const json& value, const std::string& pointer) {
        Dependency dep;
        dep.where = doc_.location_of(pointer);
        if (value.is_object()) {
            if (!value.contains("params") || !value["params"].is_string())
                fail(pointer, "stage '" + stage +
                                  "': a mapping dependency needs 'params: FILE' (and 'keys')");
            for (const auto& [key, unused] : value.items())
                if (key != "params" && key != "keys")
                    fail(pointer + "/" + json_pointer_token(key),
                         "stage '" + stage + "': unknown key '" + key + "' in a params dependency");
            dep.kind = DepKind::Params;
            dep.target = normalise_relative_path(value["params"].get<std::string>(), dep.where);
            const json& keys = value.value("keys", json::array());
            if (!keys.is_array() || keys.empty())
                fail(pointer + "/keys",
                     "stage '" + stage + "': 'keys' must be a non-empty list of dotted keys");
            for (const auto& key : keys) {
                if (!key.is_string() || key.get<std::string>().empty())
                    fail(pointer + "/keys", "stage '" + stage + "': each key must be a string");
                dep.keys.push_back(key.get<std::string>());
            }
            std::sort(dep.keys.begin(), dep.keys.end());
            return dep;
        }
        if (!value.is_string() || value.get<std::string>().empty())
            fail(pointer, "stage '" + stage +
                              "': a dependency must be a path, data:REF, "
                              "prompt:REF, provider:ID or {params: FILE, keys}");
        std::string text = value.get<std::string>();
        auto prefixed = [&](std::string_view prefix, DepKind kind) {
            if (text.rfind(prefix, 0) != 0) return false;
            dep.kind = kind;
            dep.target = text.substr(prefix.size());
            if (dep.target.empty())
                fail(pointer, "stage '" + stage + "': '" + text + "' names nothing after '" +
                                  std::string(prefix) + "'");
            return true;
        };
        if (prefixed("data:", DepKind::Dataset) || prefixed("prompt:", DepKind::Prompt) ||
            prefixed("provider:", DepKind::Provider))
            return dep;
        dep.kind = DepKind::Path;
        dep.target = normalise_relative_path(text, dep.where);
        return dep;
    }

    void parse_outs(Stage& stage, const json& outs, const std::string& pointer) {
        if (!outs.is_array()) fail(pointer, "stage '" + stage.name + "': 'outs' must be a list");
        for (std::size_t i = 0; i < outs.size(); ++i) {
            std::string item = pointer + "/" + std::to_string(i);
            if (!outs[i].is_string() || outs[i].get<std::string>().empty())
                fail(item, "stage '" + stage.name + "': an output must be a path or data:NAME");
            Output out;
            out.where = doc_.location_of(item);
            std::string text = outs[i].get<std::string>();
            if (text.rfind("data:", 0) == 0) {
                out.kind = OutKind::Dataset;
                out.target = text.substr(5);
                if (out.target.empty() || out.target.find('@') != std::string::npos)
                    fail(item,
                         "stage '" + stage.name + "': a dataset output is data:NAME (no @version)");
            } else {
                out.target = normalise_relative_path(text, out.where);
            }
            stage.outs.push_back(std::move(out));
        }
    }

    const YamlDocument& doc_;
};

} // namespace

std::string Dependency::id() const {
    switch (kind) {
    case DepKind::Path:
        return target;
    case DepKind::Dataset:
        return "data:" + target;
    case DepKind::Prompt:
        return "prompt:" + target;
    case DepKind::Provider:
        return "provider:" + target;
    case DepKind::Params: {
        std::string id = "params:" + target + ":";
        for (std::size_t i = 0; i < keys.size(); ++i)
            id += (i ? "," : "") + keys[i];
        return id;
    }
    }
    return target;
}

std::string Output::id() const {
    return kind == OutKind::Dataset ? "data:" + target : target;
}

std::string Stage::command_text() const {
    if (!cmd.empty()) return "sh:" + cmd;
    std::string text = "llmops:";
    for (std::size_t i = 0; i < llmops_args.size(); ++i)
        text += (i ? "\x1f" : "") + llmops_args[i];
    return text;
}

std::string Stage::display_command() const {
    if (!cmd.empty()) return cmd;
    std::string text = "llmops";
    for (const auto& arg : llmops_args)
        text += " " + arg;
    return text;
}

const std::vector<std::string>& allowed_llmops_steps() {
    static const std::vector<std::string> steps = {"data add", "data transform", "eval run",
                                                   "deploy",   "drift",          "finetune create"};
    return steps;
}

std::string normalise_relative_path(std::string_view path, const ErrorLocation& where) {
    if (path.empty()) throw_bad_input("empty path", where);
    if (path.front() == '/')
        throw_bad_input(
            "path '" + std::string(path) + "' must be relative to the pipeline's folder", where);
    std::filesystem::path normal = std::filesystem::path(path).lexically_normal();
    std::string text = normal.generic_string();
    while (text.size() > 1 && text.back() == '/')
        text.pop_back();
    if (text == "." || text == ".." || text.rfind("../", 0) == 0)
        throw_bad_input("path '" + std::string(path) + "' leaves the pipeline's folder", where);
    return text;
}

namespace {

// The stages of `doc` under `base` ("" for pipeline.yaml, "/pipelines" for llmops.yaml), whose
// only key is `stages:`; `what` names that mapping in messages.
void parse_stages(const YamlDocument& doc, const std::string& base, const std::string& what,
                  PipelineSpec& spec) {
    const json& section = base.empty() ? doc.value : doc.value.at(json::json_pointer(base));
    if (!section.is_object())
        throw_bad_input(what + " needs a 'stages:' mapping", doc.location_of(base));
    // Unknown keys first: `stage:` is a typo of `stages:`, not a missing section.
    for (const auto& [key, unused] : section.items())
        if (key != "stages")
            throw_bad_input("unknown key '" + key + "' in " + what + " (expected stages)",
                            doc.location_of(base + "/" + json_pointer_token(key)));
    if (!section.contains("stages"))
        throw_bad_input(what + " needs a 'stages:' mapping", doc.location_of(base));
    const json& stages = section["stages"];
    if (!stages.is_object() || stages.empty())
        throw_bad_input("'stages' must be a mapping of stage names to stages",
                        doc.location_of(base + "/stages"));
    StageParser parser(doc);
    for (const auto& [name, body] : stages.items())
        spec.stages.push_back(
            parser.parse(name, body, base + "/stages/" + json_pointer_token(name)));
    // nlohmann::json orders keys; the file's order is the one people expect to see.
    std::stable_sort(spec.stages.begin(), spec.stages.end(), [](const Stage& a, const Stage& b) {
        return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
}

std::filesystem::path folder_of(const std::filesystem::path& file) {
    return file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
}

} // namespace

PipelineSpec parse_pipeline(std::string_view yaml_text, const std::filesystem::path& file) {
    YamlDocument doc = parse_yaml(yaml_text, file.string());
    PipelineSpec spec;
    spec.file = file;
    spec.root = folder_of(file);
    parse_stages(doc, "", "the pipeline file", spec);
    return spec;
}

PipelineSpec parse_pipeline_section(const YamlDocument& config,
                                    const std::filesystem::path& config_file) {
    PipelineSpec spec;
    spec.file = config_file;
    spec.root = folder_of(config_file);
    if (!has_pipeline_section(config))
        throw_bad_input(config_file.filename().string() + " has no 'pipelines:' section",
                        ErrorLocation::in_file(config_file));
    parse_stages(config, "/pipelines", "'pipelines:'", spec);
    return spec;
}

bool has_pipeline_section(const YamlDocument& config) {
    return config.value.is_object() && config.value.contains("pipelines");
}

PipelineSpec load_pipeline(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw_bad_input("no pipeline file '" + file.string() + "'", ErrorLocation::in_file(file));
    return parse_pipeline(read_file(file), file);
}

} // namespace llmops::pipeline
