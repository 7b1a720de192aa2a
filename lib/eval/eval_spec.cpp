// Reading an eval spec: the schema first (shape, types, unknown fields), then the rules a
// schema cannot say (labels, references between fields, files, templates), each error at the
// YAML line:column of the value it is about.
#include "eval/eval_spec.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "core/closest_match.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "data/dataset_ref.hpp"
#include "eval/eval_schema.hpp"
#include "mustache/mustache.hpp"
#include "json/canonical_json.hpp"

namespace llmops::eval {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The overall pass rate in `thresholds:`; no metric may be labelled so.
constexpr std::string_view kOverallPassRate = "pass_rate";

[[noreturn]] void fail(std::string message, ErrorLocation where) {
    throw Error(ErrorKind::BadInput, std::move(message), std::move(where));
}

std::string child(const std::string& pointer, std::string_view key) {
    return pointer + "/" + json_pointer_token(key);
}

std::string child(const std::string& pointer, std::size_t index) {
    return pointer + "/" + std::to_string(index);
}

std::string quoted_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "'" : ", '") + item + "'";
    return out;
}

// `prompts:` and `providers:` take one value or a list of them: (pointer, value) pairs.
std::vector<std::pair<std::string, const json*>> one_or_many(const json& value,
                                                             const std::string& pointer) {
    std::vector<std::pair<std::string, const json*>> out;
    if (!value.is_array()) {
        out.emplace_back(pointer, &value);
        return out;
    }
    for (std::size_t i = 0; i < value.size(); ++i)
        out.emplace_back(child(pointer, i), &value[i]);
    return out;
}

// Checks that a template compiles, so a typo is reported now, at its place in the spec,
// rather than once per case during the run.
void check_template(const json& value, const std::string& field, const std::string& pointer,
                    const YamlDocument& doc) {
    try {
        (void)mustache::compile(value.get_ref<const std::string&>(),
                                mustache::CompileOptions{.name = doc.source_name});
    } catch (const Error& e) {
        std::string inside;
        if (e.where().line > 0)
            inside = " (template line " + std::to_string(e.where().line) + ", column " +
                     std::to_string(e.where().column) + ")";
        fail(field + ": invalid template: " + e.message() + inside, doc.location_of(pointer));
    }
}

class SpecReader {
  public:
    explicit SpecReader(EvalSpec& spec) : spec_(spec), doc_(spec.yaml), root_(spec.yaml.value) {}

    void read() {
        spec_.description = root_.value("description", "");
        spec_.id_field = root_.value("case_id", "id");
        if (root_.contains("dataset")) read_dataset();
        read_prompts();
        read_providers();
        if (root_.contains("vars")) read_vars();
        if (root_.contains("metrics")) {
            spec_.metrics = read_metrics(root_["metrics"], "/metrics");
            assign_labels(spec_.metrics, spec_labels_);
            all_labels_ = spec_labels_;
        }
        if (root_.contains("cases")) read_cases();
        if (root_.contains("thresholds")) read_thresholds();
        if (root_.contains("baseline")) read_baseline();
        if (root_.contains("concurrency"))
            spec_.concurrency = root_["concurrency"].get<std::size_t>();
        if (root_.contains("limit")) spec_.limit = root_["limit"].get<long>();
    }

  private:
    // Metric labels in use, with where each was first given.
    using Labels = std::map<std::string, ErrorLocation>;

    // A metric entry before labelling: its label is only the explicit one, if any.
    struct PendingMetric {
        std::string label_pointer; // empty when the entry has no `label:`
    };

    ErrorLocation at(const std::string& pointer) const { return doc_.location_of(pointer); }

    void read_dataset() {
        const std::string& dataset = root_["dataset"].get_ref<const std::string&>();
        spec_.dataset = dataset;
        if (names_a_file(dataset)) {
            // Relative to the spec file, so a spec works from any working directory.
            fs::path base = fs::path(doc_.source_name).parent_path();
            fs::path file = (base / fs::path(dataset)).lexically_normal();
            std::error_code ec;
            if (!fs::exists(file, ec))
                fail("dataset: no such file '" + file.string() + "'" +
                         (base.empty() ? std::string()
                                       : " ('" + dataset + "' relative to the spec's folder)"),
                     at("/dataset"));
            spec_.dataset_file = file;
            return;
        }
        try {
            (void)data::parse_dataset_ref(dataset);
        } catch (const Error& e) {
            fail("dataset: " + e.message() +
                     "; a data file needs a '/' in its path or a .jsonl, .ndjson, .csv or .json "
                     "name",
                 at("/dataset"));
        }
    }

    static bool names_a_file(std::string_view dataset) {
        if (dataset.find('/') != std::string_view::npos) return true;
        const std::string lower = ascii_lower(dataset);
        for (std::string_view suffix : {".jsonl", ".ndjson", ".csv", ".json"})
            if (lower.size() > suffix.size() && lower.ends_with(suffix)) return true;
        return false;
    }

    void read_prompts() {
        std::map<std::string, ErrorLocation> seen;
        for (const auto& [pointer, value] : one_or_many(root_["prompts"], "/prompts")) {
            const std::string& ref = value->get_ref<const std::string&>();
            ErrorLocation where = at(pointer);
            if (auto it = seen.find(ref); it != seen.end())
                fail("prompts: '" + ref + "' is listed twice (first at " + it->second.to_string() +
                         ")",
                     where);
            seen.emplace(ref, where);
            spec_.prompts.push_back(ref);
            spec_.prompt_locations.push_back(where);
        }
    }

    void read_providers() {
        std::map<std::string, ErrorLocation> seen;
        for (const auto& [pointer, value] : one_or_many(root_["providers"], "/providers")) {
            ProviderEntry entry;
            entry.where = at(pointer);
            std::string label_pointer = pointer;
            if (value->is_string()) {
                entry.id = value->get<std::string>();
            } else {
                for (const auto& [key, field] : value->items()) {
                    if (key == "id")
                        entry.id = field.get<std::string>();
                    else if (key == "model")
                        entry.model = field.get<std::string>();
                    else if (key == "label") {
                        entry.label = field.get<std::string>();
                        label_pointer = child(pointer, "label");
                    } else
                        entry.parameters[key] = field;
                }
            }
            if (entry.label.empty())
                entry.label = entry.model.empty() ? entry.id : entry.id + ":" + entry.model;
            if (auto it = seen.find(entry.label); it != seen.end())
                fail("providers: two entries are labelled '" + entry.label + "' (the first at " +
                         it->second.to_string() + "); give them different 'label:' values",
                     at(label_pointer));
            seen.emplace(entry.label, entry.where);
            spec_.providers.push_back(std::move(entry));
        }
    }

    void read_vars() {
        for (const auto& [name, value] : root_["vars"].items()) {
            std::string pointer = child("/vars", name);
            if (value.is_object() && value.contains("retrieve")) {
                // The schema has checked the shape: index and query present, k >= 1.
                const json& r = value["retrieve"];
                RetrieveSpec retrieve;
                retrieve.variable = name;
                retrieve.index = r["index"].get<std::string>();
                retrieve.query = r["query"].get<std::string>();
                retrieve.k = r.value("k", 5);
                retrieve.where = at(child(pointer, "retrieve"));
                check_template(r["query"], "vars." + name + ".retrieve.query",
                               child(child(pointer, "retrieve"), "query"), doc_);
                spec_.retrieve.push_back(std::move(retrieve));
                continue;
            }
            if (value.is_string()) check_template(value, "vars." + name, pointer, doc_);
            spec_.vars[name] = value;
        }
    }

    std::vector<MetricSpec> read_metrics(const json& entries, const std::string& pointer) {
        std::vector<MetricSpec> metrics;
        pending_.clear();
        for (std::size_t i = 0; i < entries.size(); ++i) {
            std::string entry_pointer = child(pointer, i);
            const json& entry = entries[i];
            MetricSpec metric;
            metric.where = at(entry_pointer);
            PendingMetric pending;
            if (entry.is_string()) {
                metric.name = entry.get<std::string>(); // `- is_json`
            } else {
                auto only = entry.begin(); // the schema allows exactly one key
                const std::string& name = only.key();
                const json& params = only.value();
                metric.name = name;
                if (params.is_object()) {
                    metric.params = params;
                    if (auto t = params.find("threshold"); t != params.end()) {
                        metric.threshold = t->get<double>();
                        metric.params.erase("threshold");
                    }
                    if (auto l = params.find("label"); l != params.end()) {
                        metric.label = l->get<std::string>();
                        metric.params.erase("label");
                        pending.label_pointer = child(child(entry_pointer, name), "label");
                    }
                } else if (!params.is_null()) {
                    metric.params = json{{"value", params}}; // `- contains: Paris`
                }
            }
            metrics.push_back(std::move(metric));
            pending_.push_back(std::move(pending));
        }
        return metrics;
    }

    // Gives every metric of one scope a distinct label: explicit labels first (a repeat is an
    // error), then each unlabelled metric its name, or "name#2", "name#3" ... when taken.
    // `taken` holds the labels of enclosing scopes on entry and this scope's on return.
    void assign_labels(std::vector<MetricSpec>& metrics, Labels& taken) {
        for (std::size_t i = 0; i < metrics.size(); ++i) {
            MetricSpec& metric = metrics[i];
            if (metric.label.empty()) continue;
            ErrorLocation where = at(pending_[i].label_pointer);
            if (metric.label == kOverallPassRate)
                fail("metrics: the label 'pass_rate' is reserved for the overall pass rate in "
                     "'thresholds'",
                     where);
            if (auto it = taken.find(metric.label); it != taken.end())
                fail("metrics: the label '" + metric.label + "' is used twice (first at " +
                         it->second.to_string() + ")",
                     where);
            taken.emplace(metric.label, metric.where);
        }
        for (MetricSpec& metric : metrics) {
            if (!metric.label.empty()) continue;
            std::string label = metric.name;
            for (int n = 2; taken.count(label) || label == kOverallPassRate; ++n)
                label = metric.name + "#" + std::to_string(n);
            metric.label = label;
            taken.emplace(label, metric.where);
        }
    }

    void read_cases() {
        const json& cases = root_["cases"];
        std::map<std::string, ErrorLocation> seen;
        for (std::size_t i = 0; i < cases.size(); ++i) {
            std::string pointer = child("/cases", i);
            const json& entry = cases[i];
            CaseSpec c;
            c.where = at(pointer);
            if (auto id = entry.find("id"); id != entry.end())
                c.id = id->is_string() ? id->get<std::string>() : id->dump();
            else
                c.id = "case-" + std::to_string(i + 1);
            ErrorLocation id_where = at(child(pointer, "id"));
            if (auto it = seen.find(c.id); it != seen.end())
                fail("cases: the id '" + c.id + "' is used twice (first at " +
                         it->second.to_string() + ")",
                     id_where);
            seen.emplace(c.id, id_where);
            c.vars = entry["vars"];
            if (entry.contains("metrics")) {
                c.metrics = read_metrics(entry["metrics"], child(pointer, "metrics"));
                // A case's metrics join the spec-wide ones, so labels are unique across both.
                Labels scope = spec_labels_;
                assign_labels(c.metrics, scope);
                all_labels_.insert(scope.begin(), scope.end());
            }
            spec_.cases.push_back(std::move(c));
        }
    }

    static std::vector<std::string> with_pass_rate(std::vector<std::string> labels) {
        labels.push_back(std::string(kOverallPassRate));
        return labels;
    }

    // `thresholds:` a map for every cell, or a list of maps, each optionally scoped with
    // `prompt:` and/or `provider:`.
    void read_thresholds() {
        const json& thresholds = root_["thresholds"];
        if (!thresholds.is_array()) {
            read_threshold_map(thresholds, "/thresholds", {}, {});
            return;
        }
        for (std::size_t i = 0; i < thresholds.size(); ++i) {
            const std::string pointer = child("/thresholds", i);
            const json& entry = thresholds[i];
            std::string prompt = entry.value("prompt", "");
            std::string provider = entry.value("provider", "");
            if (!prompt.empty()) check_prompt(prompt, child(pointer, "prompt"), "thresholds");
            if (!provider.empty())
                check_provider(provider, child(pointer, "provider"), "thresholds");
            read_threshold_map(entry, pointer, prompt, provider);
        }
    }

    void read_threshold_map(const json& map, const std::string& map_pointer,
                            const std::string& prompt, const std::string& provider) {
        for (const auto& [key, value] : map.items()) {
            std::string pointer = child(map_pointer, key);
            if (key == "prompt" || key == "provider") continue; // the scope (list form)
            if (key == kOverallPassRate) {
                spec_.thresholds.push_back(ThresholdSpec{.metric = "",
                                                         .statistic = std::string(key),
                                                         .value = value.get<double>(),
                                                         .where = at(pointer),
                                                         .prompt = prompt,
                                                         .provider = provider});
                continue;
            }
            if (!all_labels_.count(key)) {
                std::vector<std::string> labels;
                for (const auto& [label, where] : all_labels_)
                    labels.push_back(label);
                fail(with_did_you_mean("thresholds: '" + key + "' is not a metric label (" +
                                           (labels.empty() ? std::string("the spec has no metrics")
                                                           : "labels: " + quoted_list(labels)) +
                                           "); 'pass_rate' is the overall pass rate",
                                       key, with_pass_rate(labels)),
                     at(pointer));
            }
            for (const auto& [statistic, bound] : value.items())
                spec_.thresholds.push_back(ThresholdSpec{.metric = key,
                                                         .statistic = statistic,
                                                         .value = bound.get<double>(),
                                                         .where = at(child(pointer, statistic)),
                                                         .prompt = prompt,
                                                         .provider = provider});
        }
    }

    // `baseline: PROMPT` or `baseline: {prompt: P, provider: V}` (either or both).
    void read_baseline() {
        const json& value = root_["baseline"];
        BaselineSpec baseline;
        baseline.where = at("/baseline");
        if (value.is_string()) {
            baseline.prompt = value.get<std::string>();
            check_prompt(baseline.prompt, "/baseline", "baseline");
        } else {
            baseline.prompt = value.value("prompt", "");
            baseline.provider = value.value("provider", "");
            if (!baseline.prompt.empty())
                check_prompt(baseline.prompt, "/baseline/prompt", "baseline");
            if (!baseline.provider.empty())
                check_provider(baseline.provider, "/baseline/provider", "baseline");
        }
        spec_.baseline = std::move(baseline);
        if (spec_.baseline_pairs().empty())
            fail("baseline: there is no other cell to compare with it (the matrix has " +
                     std::to_string(spec_.cell_count()) + " cell" +
                     (spec_.cell_count() == 1 ? "" : "s") + ")",
                 at("/baseline"));
    }

    void check_prompt(const std::string& prompt, const std::string& pointer,
                      std::string_view field) const {
        if (std::find(spec_.prompts.begin(), spec_.prompts.end(), prompt) != spec_.prompts.end())
            return;
        fail(std::string(field) + ": prompt '" + prompt + "' is not in 'prompts' (" +
                 quoted_list(spec_.prompts) + ")",
             at(pointer));
    }

    void check_provider(const std::string& provider, const std::string& pointer,
                        std::string_view field) const {
        std::vector<std::string> labels;
        for (const auto& entry : spec_.providers) {
            if (entry.label == provider) return;
            labels.push_back(entry.label);
        }
        fail(std::string(field) + ": provider '" + provider + "' is not in 'providers' (" +
                 quoted_list(labels) + ")",
             at(pointer));
    }

    EvalSpec& spec_;
    const YamlDocument& doc_;
    const json& root_;
    std::vector<PendingMetric> pending_; // parallel to the metrics list being read
    Labels spec_labels_;                 // labels of the spec-wide metrics
    Labels all_labels_;                  // spec-wide and every case's: what thresholds may name
};

// Two schema messages are unclear in an eval spec and are said plainly here: the root's
// "dataset or cases" anyOf, and `/metrics/0: must have at most 1 properties`, which comes from
// parameters indented level with the metric's name. Everything else is validate_or_throw's.
void validate_against_schema(const YamlDocument& doc) {
    auto errors = eval_spec_schema().validate(doc.value, 1);
    if (errors.empty()) return;
    const SchemaError& first = errors.front();
    // The root's anyOf is "dataset or cases"; its generic message would start with ": ".
    if (first.instance_pointer.empty() && first.keyword == "anyOf")
        fail("an eval spec needs 'dataset' (a dataset reference or a data file) or inline "
             "'cases'",
             doc.location_of(""));
    const json* entry = nullptr;
    if (first.keyword == "maxProperties") {
        json::json_pointer pointer(first.instance_pointer);
        if (doc.value.contains(pointer)) entry = &doc.value.at(pointer);
    }
    std::string parent = first.instance_pointer.substr(0, first.instance_pointer.rfind('/'));
    if (entry && entry->is_object() && parent.ends_with("/metrics")) {
        std::vector<std::string> keys;
        for (const auto& item : entry->items())
            keys.push_back(item.key());
        fail(first.instance_pointer +
                 ": a metric entry is one name with its parameters under it (" +
                 "`- rouge_l: {expected: ...}`), but this one has " + std::to_string(keys.size()) +
                 " keys: " + quoted_list(keys) + "; indent the parameters below the name",
             doc.location_of(first.instance_pointer));
    }
    validate_or_throw(eval_spec_schema(), doc);
}

} // namespace

std::vector<int> EvalSpec::threshold_cells(const ThresholdSpec& threshold) const {
    std::vector<int> cells;
    if (threshold.prompt.empty() && threshold.provider.empty()) return cells;
    for (std::size_t p = 0; p < prompts.size(); ++p)
        for (std::size_t v = 0; v < providers.size(); ++v)
            if ((threshold.prompt.empty() || prompts[p] == threshold.prompt) &&
                (threshold.provider.empty() || providers[v].label == threshold.provider))
                cells.push_back(cell_index(p, v));
    return cells;
}

std::vector<std::pair<int, int>> EvalSpec::baseline_pairs() const {
    std::vector<std::pair<int, int>> pairs;
    if (!baseline) return pairs;
    auto prompt_at = [&](const std::string& prompt) {
        return static_cast<std::size_t>(std::find(prompts.begin(), prompts.end(), prompt) -
                                        prompts.begin());
    };
    auto provider_at = [&](const std::string& label) {
        std::size_t v = 0;
        while (v < providers.size() && providers[v].label != label)
            ++v;
        return v;
    };
    for (std::size_t p = 0; p < prompts.size(); ++p)
        for (std::size_t v = 0; v < providers.size(); ++v) {
            // The cell's baseline: the named prompt and/or provider, the rest its own.
            std::size_t bp = baseline->prompt.empty() ? p : prompt_at(baseline->prompt);
            std::size_t bv = baseline->provider.empty() ? v : provider_at(baseline->provider);
            if (bp >= prompts.size() || bv >= providers.size() || (bp == p && bv == v)) continue;
            pairs.emplace_back(cell_index(bp, bv), cell_index(p, v));
        }
    return pairs;
}

EvalSpec parse_eval_spec(std::string_view yaml_text, std::string source_name) {
    EvalSpec spec;
    spec.source = source_name;
    spec.yaml = parse_yaml(yaml_text, std::move(source_name));
    validate_against_schema(spec.yaml);
    SpecReader(spec).read();
    spec.document = spec.yaml.value;
    // The data layer's canonical form (sorted keys, numbers by value): the same spec hashes the
    // same however its YAML is spelled, and like prompt versions are hashed.
    spec.hash = hash128(canonical_json(spec.document)).hex();
    return spec;
}

EvalSpec load_eval_spec(const fs::path& path) {
    return parse_eval_spec(read_file(path), path.string());
}

} // namespace llmops::eval
