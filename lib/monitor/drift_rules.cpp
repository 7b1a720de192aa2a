#include "monitor/drift_rules.hpp"

#include "core/error.hpp"
#include "drift/drift_report.hpp"
#include "monitor/drift_sides.hpp"
#include "monitor/log_column_source.hpp"

#include <memory>

namespace llmops::monitor {

DriftRuleValue evaluate_drift_rule(store::Project& project, const AlertRule& rule,
                                   std::int64_t now_ms) {
    const DriftCheck& check = *rule.drift;
    LogSelection current{rule.selector, now_ms - rule.window_ms, now_ms};
    current.selector = Selector{rule.selector.env, rule.selector.route, {}, {}, {}, {}, {}};
    std::unique_ptr<drift::ColumnSource> reference;
    if (check.reference_offset_ms > 0) {
        LogSelection earlier = current;
        earlier.since_ms -= check.reference_offset_ms;
        earlier.until_ms -= check.reference_offset_ms;
        reference =
            std::make_unique<LogColumnSource>(project.db(), earlier, log_side_label(earlier));
    } else {
        reference = std::make_unique<drift::DatasetColumnSource>(project, check.reference);
    }
    LogColumnSource recent(project.db(), current, log_side_label(current));
    drift::DriftOptions options;
    options.columns = check.columns;
    if (options.columns.empty() && rule.metric.rfind("drift_score.", 0) == 0)
        options.columns = {rule.metric.substr(std::string("drift_score.").size())};
    options.drift_share = check.drift_share;
    DriftRuleValue out;
    drift::DriftReport report;
    try {
        report = drift::run_drift(*reference, recent, options);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        out.note = e.message();
        return out;
    }
    if (rule.metric == "drift") {
        out.value = report.dataset_drifted ? 1.0 : 0.0;
    } else if (rule.metric == "drift_share") {
        out.value = report.drifted_share;
    } else {
        const std::string column = rule.metric.substr(std::string("drift_score.").size());
        for (const auto& c : report.columns) {
            if (c.column != column) continue;
            if (!c.skipped.empty())
                out.note = column + " skipped: " + c.skipped;
            else if (c.content)
                out.value = c.content->roc_auc;
            else if (c.outcome)
                out.value = c.outcome->statistic;
            return out;
        }
        out.note = "column " + column + " was not compared (name it in drift.columns)";
    }
    return out;
}

} // namespace llmops::monitor
