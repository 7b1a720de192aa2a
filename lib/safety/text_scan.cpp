#include "safety/text_scan.hpp"

#include <algorithm>

namespace llmops::safety {

using nlohmann::json;

void TextScan::add_findings(std::vector<Finding> more) {
    findings.insert(findings.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        return a.span.byte_begin < b.span.byte_begin;
    });
}

void TextScan::redact(const RedactionOperator& op) {
    redacted = redact_text(text, findings, op);
}

std::map<std::string, std::size_t> TextScan::counts() const {
    std::map<std::string, std::size_t> out;
    for (const auto& f : findings)
        ++out[f.type];
    return out;
}

json finding_to_json(const Finding& f, std::string_view text) {
    json out{{"kind", f.kind == FindingKind::pii ? "pii" : "injection"},
             {"type", f.type},
             {"rule_id", f.rule_id},
             {"score", f.score},
             {"validation", f.validation},
             {"start", f.span.code_point_begin},
             {"end", f.span.code_point_end},
             {"byte_start", f.span.byte_begin},
             {"byte_end", f.span.byte_end}};
    if (f.span.byte_end <= text.size())
        out["text"] = text.substr(f.span.byte_begin, f.span.byte_end - f.span.byte_begin);
    if (!f.reason.empty()) out["reason"] = f.reason;
    return out;
}

json TextScan::to_json() const {
    json list = json::array();
    for (const auto& f : findings)
        list.push_back(finding_to_json(f, text));
    json out{{"bytes", text.size()}, {"findings", std::move(list)}, {"counts", counts()}};
    if (redacted) out["redacted"] = *redacted;
    return out;
}

TextScan scan_pii(const PiiEngine& engine, std::string text) {
    TextScan scan;
    scan.findings = engine.scan(text);
    scan.text = std::move(text);
    return scan;
}

} // namespace llmops::safety
