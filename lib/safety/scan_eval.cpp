#include "safety/scan_eval.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/text.hpp"

#include <chrono>

namespace llmops::safety {

using nlohmann::json;

double MatchCounts::precision(std::size_t predicted) const {
    return predicted ? static_cast<double>(true_positives) / static_cast<double>(predicted) : 1.0;
}
double MatchCounts::recall(std::size_t labelled) const {
    return labelled ? static_cast<double>(found_labels) / static_cast<double>(labelled) : 1.0;
}
double MatchCounts::f1(std::size_t predicted, std::size_t labelled) const {
    const double p = precision(predicted), r = recall(labelled);
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

namespace {

struct Span {
    std::string type;
    std::size_t begin = 0, end = 0; // code points
};

std::vector<Span> labels_of(const json& line, std::size_t length, const ErrorLocation& where) {
    std::vector<Span> out;
    if (!line.contains("entities")) return out;
    const json& entities = line["entities"];
    if (!entities.is_array()) throw_bad_input("\"entities\" must be an array", where);
    for (const auto& e : entities) {
        if (!e.is_object() || !e.contains("type") || !e["type"].is_string() ||
            !e.contains("start") || !e["start"].is_number_unsigned() || !e.contains("end") ||
            !e["end"].is_number_unsigned())
            throw_bad_input("an entity needs \"type\" (a string) and \"start\", \"end\" "
                            "(code point offsets)",
                            where);
        Span s{e["type"].get<std::string>(), e["start"].get<std::size_t>(),
               e["end"].get<std::size_t>()};
        if (s.begin >= s.end || s.end > length)
            throw_bad_input("entity " + s.type + " [" + std::to_string(s.begin) + ", " +
                                std::to_string(s.end) + ") is outside the text of " +
                                std::to_string(length) + " code points",
                            where);
        out.push_back(std::move(s));
    }
    return out;
}

bool overlaps(const Span& a, const Span& b) {
    return a.type == b.type && a.begin < b.end && b.begin < a.end;
}
bool same(const Span& a, const Span& b) {
    return a.type == b.type && a.begin == b.begin && a.end == b.end;
}

void count(const std::vector<Span>& labels, const std::vector<Span>& predicted,
           bool (*match)(const Span&, const Span&), std::map<std::string, EntityScores>& by_type,
           MatchCounts EntityScores::*which) {
    for (const auto& p : predicted)
        for (const auto& l : labels)
            if (match(p, l)) {
                ++(by_type[p.type].*which).true_positives;
                break;
            }
    for (const auto& l : labels)
        for (const auto& p : predicted)
            if (match(p, l)) {
                ++(by_type[l.type].*which).found_labels;
                break;
            }
}

json scores_json(const EntityScores& s) {
    auto block = [&](const MatchCounts& m) {
        return json{{"precision", m.precision(s.predicted)},
                    {"recall", m.recall(s.labelled)},
                    {"f1", m.f1(s.predicted, s.labelled)},
                    {"true_positives", m.true_positives},
                    {"found_labels", m.found_labels}};
    };
    return json{{"labelled", s.labelled},
                {"predicted", s.predicted},
                {"exact", block(s.exact)},
                {"overlap", block(s.overlap)}};
}

} // namespace

json ScanEvaluation::to_json() const {
    json types = json::object();
    for (const auto& [type, s] : by_type)
        types[type] = scores_json(s);
    return json{{"texts", texts},
                {"benign_texts", benign_texts},
                {"benign_texts_with_findings", benign_texts_with_findings},
                {"bytes", bytes},
                {"types", std::move(types)},
                {"total", scores_json(total)}};
}

ScanEvaluation evaluate_scan(const PiiEngine& engine, std::string_view jsonl,
                             const std::string& source_name) {
    ScanEvaluation result;
    long line_number = 0;
    std::size_t start = 0;
    double seconds = 0;
    while (start < jsonl.size()) {
        std::size_t end = jsonl.find('\n', start);
        if (end == std::string_view::npos) end = jsonl.size();
        std::string_view line = jsonl.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (trim_spaces(line).empty()) continue;
        const ErrorLocation where = ErrorLocation::in_file(source_name, line_number, 1);
        json value = json::parse(line, nullptr, false);
        if (value.is_discarded() || !value.is_object() || !value.contains("text") ||
            !value["text"].is_string())
            throw_bad_input("expected a JSON object with a \"text\" string", where);
        const std::string text = value["text"].get<std::string>();
        if (!is_valid_utf8(text)) throw_bad_input("the text is not valid UTF-8", where);
        const auto labels = labels_of(value, code_point_count(text), where);
        std::vector<Span> predicted;
        const auto began = std::chrono::steady_clock::now();
        std::vector<Finding> findings;
        try {
            findings = engine.scan(text);
        } catch (const Error& e) {
            throw Error(e.kind(), e.message(), where);
        }
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        for (const auto& f : findings)
            predicted.push_back({f.type, f.span.code_point_begin, f.span.code_point_end});

        ++result.texts;
        result.bytes += text.size();
        if (labels.empty()) {
            ++result.benign_texts;
            if (!predicted.empty()) ++result.benign_texts_with_findings;
        }
        for (const auto& l : labels)
            ++result.by_type[l.type].labelled;
        for (const auto& p : predicted)
            ++result.by_type[p.type].predicted;
        count(labels, predicted, same, result.by_type, &EntityScores::exact);
        count(labels, predicted, overlaps, result.by_type, &EntityScores::overlap);
    }
    for (const auto& [type, s] : result.by_type) {
        result.total.labelled += s.labelled;
        result.total.predicted += s.predicted;
        result.total.exact.true_positives += s.exact.true_positives;
        result.total.exact.found_labels += s.exact.found_labels;
        result.total.overlap.true_positives += s.overlap.true_positives;
        result.total.overlap.found_labels += s.overlap.found_labels;
    }
    result.seconds = seconds;
    return result;
}

ScanEvaluation evaluate_scan_file(const PiiEngine& engine, const std::filesystem::path& path) {
    return evaluate_scan(engine, read_file(path), path.string());
}

} // namespace llmops::safety
