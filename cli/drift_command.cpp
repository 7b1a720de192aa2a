// llmops drift REFERENCE CURRENT [--columns C,...] [--test COLUMN=TEST] [--threshold COLUMN=X]
// [--drift-share S] [--json] [--html FILE]: has the data drifted? Sides are datasets, files or
// request-log selections (logs:ROUTE[@ENV][:SINCE[..UNTIL]]). docs/drift.md
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "drift/column_source.hpp"
#include "drift/drift_report.hpp"
#include "monitor/drift_sides.hpp"
#include "report/drift_html.hpp"

#include <charconv>
#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace {

struct DriftCliOptions {
    std::string reference, current;
    std::vector<std::string> columns, tests, thresholds;
    std::string html;
    double drift_share = 0.5;
};

std::pair<std::string, std::string> split_assignment(const std::string& text, const char* flag) {
    const auto eq = text.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw Error(ErrorKind::Usage, fmt::format("{} {}: expected COLUMN=VALUE", flag, text));
    return {text.substr(0, eq), text.substr(eq + 1)};
}

drift::DriftOptions to_options(const DriftCliOptions& o) {
    drift::DriftOptions d;
    d.columns = o.columns;
    d.drift_share = o.drift_share;
    for (const auto& t : o.tests) {
        auto [column, test] = split_assignment(t, "--test");
        d.tests[column] = test;
    }
    for (const auto& t : o.thresholds) {
        auto [column, value] = split_assignment(t, "--threshold");
        double x = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), x);
        if (ec != std::errc() || end != value.data() + value.size())
            throw Error(ErrorKind::Usage,
                        fmt::format("--threshold {}: '{}' is not a number", column, value));
        d.thresholds[column] = x;
    }
    return d;
}

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return fmt::format("{:.4g}", v);
}

std::string outcome_line(const drift::TestOutcome& o) {
    std::string s = fmt::format("{:<16} stat {:>10}", o.test, number(o.statistic));
    s += o.p_value ? fmt::format("  p {:>10}", number(*o.p_value)) : fmt::format("  {:>12}", "");
    s += fmt::format("  threshold {:<6} {:<8}", number(o.threshold), o.drifted ? "DRIFT" : "ok");
    if (o.effect_size) s += fmt::format("  {} {}", o.effect_size_name, number(*o.effect_size));
    return s;
}

std::string report_text(const drift::DriftReport& r) {
    std::string out = fmt::format("reference  {} ({} rows)\ncurrent    {} ({} rows)\n\n",
                                  r.reference, r.reference_rows, r.current, r.current_rows);
    std::size_t width = 6;
    for (const auto& c : r.columns) {
        width = std::max(width, c.column.size() + 2);
        for (const auto& [name, o] : c.descriptors)
            width = std::max(width, c.column.size() + name.size() + 3);
    }
    width = std::min<std::size_t>(width, 48);
    for (const auto& c : r.columns) {
        const std::string kind = c.kind ? drift::kind_name(*c.kind) : "-";
        if (!c.skipped.empty()) {
            out += fmt::format("{:<{}} {:<12} skipped: {}\n", c.column, width, kind, c.skipped);
            continue;
        }
        if (c.outcome)
            out +=
                fmt::format("{:<{}} {:<12} {}\n", c.column, width, kind, outcome_line(*c.outcome));
        for (const auto& [name, o] : c.descriptors)
            out += fmt::format("{:<{}} {:<12} {}\n", c.column + ":" + name, width, kind,
                               outcome_line(o));
        if (c.content) {
            const auto& k = *c.content;
            out += fmt::format("{:<{}} {:<12} {:<16} AUC {:.4f} > {:.4f} ({})  {}\n", c.column,
                               width, "text", "domain_classifier", k.roc_auc, k.threshold,
                               k.threshold_rule, k.drifted ? "DRIFT" : "ok");
            auto terms = [](const std::vector<std::pair<std::string, double>>& list) {
                std::string t;
                for (const auto& [term, weight] : list)
                    t += (t.empty() ? "" : ", ") + term;
                return t.empty() ? std::string("-") : t;
            };
            if (k.drifted) {
                out +=
                    fmt::format("{:<{}} more in current: {}\n", "", width, terms(k.current_terms));
                out += fmt::format("{:<{}} more in reference: {}\n", "", width,
                                   terms(k.reference_terms));
                for (const auto& e : k.current_examples)
                    out += fmt::format("{:<{}} current example: {}\n", "", width, one_line(e, 80));
                for (const auto& e : k.reference_examples)
                    out +=
                        fmt::format("{:<{}} reference example: {}\n", "", width, one_line(e, 80));
            }
        }
        for (const auto& note : c.notes)
            out += fmt::format("{:<{}} note: {}\n", "", width, note);
    }
    out += fmt::format("\n{} of {} tested columns drifted ({:.0f}%; dataset drift at >= "
                       "{:.0f}%): {}\n",
                       r.drifted, r.tested, r.drifted_share * 100, r.drift_share * 100,
                       r.dataset_drifted ? "DATASET DRIFTED" : "no dataset drift");
    return out;
}

int cmd_drift(CliContext& ctx, const DriftCliOptions& o) {
    const drift::DriftOptions options = to_options(o);
    drift::validate_options(options);
    if (!o.html.empty()) check_output_path(o.html); // before the work
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    const std::int64_t now = now_unix_ms();
    auto reference = monitor::open_drift_side(project, o.reference, now);
    auto current = monitor::open_drift_side(project, o.current, now);
    const drift::DriftReport report = drift::run_drift(*reference, *current, options);
    if (!o.html.empty()) {
        OutputFile file(o.html);
        file.write(report::render_drift_html(report));
        file.commit();
        ctx.note(fmt::format("wrote the HTML report to {}", o.html));
    }
    if (ctx.json())
        ctx.print_json(report.to_json());
    else
        ctx.out(report_text(report));
    return report.dataset_drifted ? exit_code_for(ErrorKind::CheckFailed) : 0;
}

} // namespace

void register_drift_command(CLI::App& app, CliContext& ctx) {
    auto o = std::make_shared<DriftCliOptions>();
    CLI::App* c = ctx.command(app, "drift", [&ctx, o] { return cmd_drift(ctx, *o); });
    c->add_option("reference", o->reference,
                  "The reference: a dataset (NAME, NAME@3, NAME@tag), a CSV/JSONL/JSON file, or "
                  "the request log (logs:ROUTE[@ENV][:SINCE[..UNTIL]])")
        ->required();
    c->add_option("current", o->current, "The current side, in the same forms")->required();
    c->add_option("--columns", o->columns,
                  "Compare only these columns (default: every field; of a log side, its input "
                  "variables)")
        ->delimiter(',')
        ->option_text("C,...");
    c->add_option("--test", o->tests,
                  "The test for a column instead of Evidently's default (ks, chisquare, z, "
                  "wasserstein, jensenshannon, psi, kl_div, hellinger, mannw, anderson, "
                  "cramer_von_mises, t_test, welch_t_test, fisher_exact); repeatable")
        ->option_text("COLUMN=TEST");
    c->add_option("--threshold", o->thresholds,
                  "The threshold for a column's test (p-value or distance); repeatable")
        ->option_text("COLUMN=X");
    c->add_option("--drift-share", o->drift_share,
                  "Dataset drift when at least this share of tested columns drifted (default "
                  "0.5)")
        ->option_text("S");
    c->add_option("--html", o->html, "Also write a self-contained HTML report to FILE")
        ->option_text("FILE");
}

} // namespace llmops::cli
