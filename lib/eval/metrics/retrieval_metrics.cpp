// Retrieval quality as eval metrics: recall_at_k, precision_at_k, mrr and ndcg_at_k of the
// passages a case retrieved (a prompt variable holding [{"id", "text", "score"}, ...], best
// first) against the case's relevant ids. Formulas: retrieval.hpp (trec_eval's definitions).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "eval/metric_definitions.hpp"
#include "index/ranking_metrics.hpp"
#include "prompt/prompt_spec.hpp"

namespace llmops::eval {

namespace {

using nlohmann::json;

enum class RetrievalScore { Recall, Precision, ReciprocalRank, Ndcg };

std::optional<std::string> id_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
    return std::nullopt;
}

// A passage list: every element an object with an "id". Where the variable is named
// explicitly, bare ids (["d1", "d2"]) are accepted too.
bool is_passage_list(const json& value, bool allow_bare_ids) {
    if (!value.is_array()) return false;
    for (const auto& item : value) {
        if (item.is_object()) {
            auto id = item.find("id");
            if (id == item.end() || !id_text(*id)) return false;
        } else if (!allow_bare_ids || !id_text(item)) {
            return false;
        }
    }
    return true;
}

// "{{name}}", "{{{name}}}" or "{{&name}}" alone: the name; else empty.
std::string single_tag_name(std::string_view text) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    text = trim(text);
    if (text.size() < 5 || !text.starts_with("{{") || !text.ends_with("}}")) return {};
    text = text.substr(2, text.size() - 4);
    if (text.starts_with("{") && text.ends_with("}"))
        text = text.substr(1, text.size() - 2);
    else if (text.starts_with("&"))
        text.remove_prefix(1);
    text = trim(text);
    if (text.empty()) return {};
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok) return {};
    }
    return std::string(text);
}

// The relevant ids of one case, with grades (1 for binary relevance).
struct Relevance {
    std::map<std::string, double> grades;
    std::string error;

    std::vector<std::string> relevant_ids() const {
        std::vector<std::string> ids;
        for (const auto& [id, grade] : grades)
            if (grade > 0) ids.push_back(id);
        return ids;
    }
};

// Where the relevant ids come from: a row field (its value: an id, an array of ids, or an
// object of id -> grade), a template rendering one id, or ids written in the spec.
class RelevantSource {
  public:
    static RelevantSource from_parameter(const MetricParameters& params) {
        RelevantSource source;
        const json& value = params.raw("relevant");
        if (value.is_array()) {
            source.templates_ = *params.text_template_list({"relevant"}, false);
            return source;
        }
        if (!value.is_string())
            params.fail_type("relevant", "a field name, a template or an array of ids");
        std::string text = value.get<std::string>();
        // "{{relevant_ids}}" names the field as "relevant_ids" does: keep its array whole
        // instead of rendering it into text.
        if (auto name = single_tag_name(text); !name.empty()) {
            source.field_ = name;
        } else if (text.find("{{") != std::string::npos) {
            source.templates_.push_back(*params.text_template({"relevant"}));
        } else {
            source.field_ = text;
        }
        return source;
    }

    Relevance read(const json& fields) const {
        Relevance out;
        if (field_.empty()) {
            auto rendered = render_all(templates_, fields);
            if (!rendered.error.empty()) return {{}, std::move(rendered.error)};
            for (auto& id : rendered.texts)
                out.grades[id] = 1.0;
            return out;
        }
        const json* value = lookup(fields);
        if (value == nullptr)
            return {{}, "missing field '" + field_ + "' for parameter 'relevant'"};
        if (auto id = id_text(*value)) {
            out.grades[*id] = 1.0;
        } else if (value->is_array()) {
            for (const auto& item : *value) {
                auto item_id = id_text(item);
                if (!item_id) return {{}, bad_field(*value)};
                out.grades[*item_id] = 1.0;
            }
        } else if (value->is_object()) {
            for (auto it = value->begin(); it != value->end(); ++it) {
                if (!it->is_number()) return {{}, bad_field(*value)};
                out.grades[it.key()] = it->get<double>();
            }
        } else {
            return {{}, bad_field(*value)};
        }
        return out;
    }

  private:
    const json* lookup(const json& fields) const {
        const json* at = &fields;
        std::size_t start = 0;
        while (true) {
            std::size_t dot = field_.find('.', start);
            std::string part = field_.substr(start, dot == std::string::npos ? dot : dot - start);
            if (!at->is_object() || !at->contains(part)) return nullptr;
            at = &(*at)[part];
            if (dot == std::string::npos) return at;
            start = dot + 1;
        }
    }

    std::string bad_field(const json& value) const {
        return "field '" + field_ +
               "' must hold an id, an array of ids or an object of id -> grade, got " +
               prompt::json_type_name(value);
    }

    std::string field_;                        // a row field (dotted path), or
    std::vector<ParameterTemplate> templates_; // ids rendered per case
};

class RetrievalMetric final : public DeterministicMetric {
  public:
    RetrievalMetric(MetricSpec spec, RetrievalScore kind, std::size_t k,
                    std::string retrieved_variable, RelevantSource relevant)
        : DeterministicMetric(std::move(spec)), kind_(kind), k_(k),
          retrieved_variable_(std::move(retrieved_variable)), relevant_(std::move(relevant)) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        std::string error;
        auto retrieved = retrieved_ids(context.vars, error);
        if (!error.empty()) return error_result(std::move(error));
        Relevance relevance = relevant_.read(context.fields);
        if (!relevance.error.empty()) return error_result(std::move(relevance.error));
        auto relevant = relevance.relevant_ids();

        std::optional<double> score;
        switch (kind_) {
        case RetrievalScore::Recall:
            score = index::recall_at_k(retrieved, relevant, k_);
            break;
        case RetrievalScore::Precision:
            score = index::precision_at_k(retrieved, relevant, k_);
            break;
        case RetrievalScore::ReciprocalRank:
            score = index::reciprocal_rank(retrieved, relevant, k_);
            break;
        case RetrievalScore::Ndcg:
            score = index::ndcg_at_k(retrieved, relevance.grades, k_);
            break;
        }
        if (!score)
            return error_result("the case has no relevant ids, so " + spec().name +
                                " is undefined");
        return scored(*score, explain(retrieved, relevant));
    }

    // The ids of the retrieved passages, best first.
    std::vector<std::string> retrieved_ids(const json& vars, std::string& error) const {
        std::string name = retrieved_variable_;
        if (name.empty()) name = find_passage_variable(vars, error);
        if (!error.empty()) return {};
        if (!vars.is_object() || !vars.contains(name)) {
            error = "no prompt variable '" + name + "' holds retrieved passages";
            return {};
        }
        const json& passages = vars[name];
        if (!is_passage_list(passages, true)) {
            error = "variable '" + name +
                    "' must be an array of passages ({\"id\", \"text\", \"score\"}), got " +
                    prompt::json_type_name(passages);
            return {};
        }
        std::vector<std::string> ids;
        for (const auto& item : passages)
            ids.push_back(*id_text(item.is_object() ? item["id"] : item));
        return ids;
    }

    // Without `retrieved:`, the one variable that holds passages. When several do, the one
    // that is not empty; more than that is ambiguous.
    static std::string find_passage_variable(const json& vars, std::string& error) {
        std::vector<std::string> candidates, non_empty;
        if (vars.is_object()) {
            for (auto it = vars.begin(); it != vars.end(); ++it) {
                if (!is_passage_list(*it, false)) continue;
                candidates.push_back(it.key());
                if (!it->empty()) non_empty.push_back(it.key());
            }
        }
        if (candidates.size() == 1) return candidates.front();
        if (non_empty.size() == 1) return non_empty.front();
        if (candidates.empty())
            error = "no prompt variable holds retrieved passages (an array of {\"id\", ...}); "
                    "name it with 'retrieved:'";
        else
            error = fmt::format("several prompt variables hold passages ({}); name one with "
                                "'retrieved:'",
                                fmt::join(candidates, ", "));
        return {};
    }

    std::string explain(const std::vector<std::string>& retrieved,
                        const std::vector<std::string>& relevant) const {
        std::vector<std::string> top;
        std::set<std::string> seen;
        for (const auto& id : retrieved) {
            if (top.size() >= k_) break;
            if (seen.insert(id).second) top.push_back(id);
        }
        std::string text = fmt::format("top {} retrieved [{}], relevant [{}]", k_,
                                       fmt::join(top, ", "), fmt::join(relevant, ", "));
        return text.size() > 300 ? text.substr(0, 300) + "…" : text;
    }

    RetrievalScore kind_;
    std::size_t k_;
    std::string retrieved_variable_; // empty: found per case
    RelevantSource relevant_;
};

MetricDefinition retrieval_metric(std::string name, RetrievalScore kind) {
    MetricDefinition d{std::move(name), {"k", "retrieved", "relevant"}, false, {}};
    d.make = [kind](MetricSpec spec, const MetricParameters& params,
                    const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto k = static_cast<std::size_t>(params.integer("k", 1).value_or(5));
        auto retrieved = params.plain_string("retrieved").value_or("");
        if (!params.has("relevant"))
            params.fail("needs the parameter 'relevant' (the row field holding the relevant ids)");
        auto relevant = RelevantSource::from_parameter(params);
        return std::make_unique<RetrievalMetric>(std::move(spec), kind, k, std::move(retrieved),
                                                 std::move(relevant));
    };
    return d;
}

} // namespace

std::vector<MetricDefinition> retrieval_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back(retrieval_metric("recall_at_k", RetrievalScore::Recall));
    out.push_back(retrieval_metric("precision_at_k", RetrievalScore::Precision));
    out.push_back(retrieval_metric("mrr", RetrievalScore::ReciprocalRank));
    out.push_back(retrieval_metric("ndcg_at_k", RetrievalScore::Ndcg));
    return out;
}

} // namespace llmops::eval
