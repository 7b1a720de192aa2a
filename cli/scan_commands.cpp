// llmops scan [--text T | FILE | -] [--pii] [--injection] [--redact OP], llmops scan eval
// LABELLED.jsonl, and llmops data scan REF (docs/safety.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/text.hpp"
#include "safety/dataset_scan.hpp"
#include "safety/injection_detector.hpp"
#include "safety/scan_eval.hpp"
#include "safety/text_scan.hpp"

#include <fmt/format.h>
#include <iostream>
#include <iterator>
#include <memory>

namespace llmops::cli {

namespace {

struct ScanCliOptions {
    std::string input; // FILE or "-"
    std::optional<std::string> text;
    bool pii = false;
    bool injection = false;
    std::string injection_mode;
    std::string redact;
    std::string region;
};

// llmops.yaml's safety.pii when run inside a project, else the defaults.
safety::PiiSettings project_pii_settings(const CliContext& ctx) {
    std::filesystem::path config_file;
    try {
        config_file = ctx.project_paths().config_file;
    } catch (const Error&) {
        // Outside a project: the defaults.
    }
    if (!config_file.empty() && !std::filesystem::exists(config_file)) config_file.clear();
    return safety::load_pii_settings(config_file);
}

std::string read_input(const ScanCliOptions& o) {
    if (o.text) {
        if (!o.input.empty()) throw_usage("give either --text or an input file, not both");
        return *o.text;
    }
    if (o.input.empty() || o.input == "-")
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    return read_file(o.input);
}

std::string finding_line(const safety::Finding& f, std::string_view text) {
    const std::string value(text.substr(f.span.byte_begin, f.span.byte_end - f.span.byte_begin));
    // An injection rule says why it fired where a PII recognizer names its validation.
    const std::string& why = f.kind == safety::FindingKind::injection ? f.reason : f.validation;
    return fmt::format("{:<14} {:.2f}  {}-{}  {:<18} {:<22} {}\n", f.type, f.score,
                       f.span.code_point_begin, f.span.code_point_end, f.rule_id,
                       why.empty() ? "-" : why, one_line(value, 80));
}

std::string counts_line(const std::map<std::string, std::size_t>& counts, std::size_t total) {
    std::string out = fmt::format("{} finding{}", total, total == 1 ? "" : "s");
    std::string sep = ": ";
    for (const auto& [type, n] : counts) {
        out += fmt::format("{}{} {}", sep, type, n);
        sep = ", ";
    }
    return out;
}

int cmd_scan(CliContext& ctx, const ScanCliOptions& o) {
    safety::PiiSettings settings = project_pii_settings(ctx);
    if (!o.region.empty()) settings.default_region = o.region;
    std::optional<safety::RedactionOperator> op;
    if (!o.redact.empty()) op = safety::parse_operator(o.redact, settings.hash_key_env);
    safety::InjectionOptions injection;
    if (!o.injection_mode.empty()) {
        auto mode = safety::parse_injection_mode(o.injection_mode);
        if (!mode)
            throw_usage("--injection-mode must be whole, sentence or chunk, not '" +
                        o.injection_mode + "'");
        injection.mode = *mode;
    }
    // Neither flag: both detectors.
    const bool run_pii = o.pii || !o.injection;
    const bool run_injection = o.injection || !o.pii;
    if (op && !run_pii) throw_usage("--redact replaces PII: it needs --pii");
    safety::TextScan scan;
    if (run_pii) {
        safety::PiiEngine engine(std::move(settings));
        scan = safety::scan_pii(engine, read_input(o));
    } else {
        scan.text = read_input(o);
    }
    if (run_injection) scan.add_findings(safety::detect_injection(scan.text, injection));
    if (op) scan.redact(*op);
    if (ctx.json()) {
        ctx.print_json(scan.to_json());
    } else if (op) {
        ctx.out(*scan.redacted);
        ctx.note(counts_line(scan.counts(), scan.findings.size()));
    } else {
        std::string out;
        for (const auto& f : scan.findings)
            out += finding_line(f, scan.text);
        ctx.out(out);
        ctx.note(counts_line(scan.counts(), scan.findings.size()));
    }
    if (op) return 0; // the redacted text is the result
    return scan.findings.empty() ? 0 : 1;
}

std::string eval_table(const safety::ScanEvaluation& e) {
    std::string out = fmt::format("{:<16}{:>9}{:>10}   {:>6}{:>7}{:>7}   {:>6}{:>7}{:>7}\n", "type",
                                  "labelled", "predicted", "exact", "", "", "overlap", "", "");
    out += fmt::format("{:<16}{:>9}{:>10}   {:>6}{:>7}{:>7}   {:>6}{:>7}{:>7}\n", "", "", "", "P",
                       "R", "F1", "P", "R", "F1");
    auto row = [&](const std::string& name, const safety::EntityScores& s) {
        out += fmt::format(
            "{:<16}{:>9}{:>10}   {:>6.3f}{:>7.3f}{:>7.3f}   {:>6.3f}{:>7.3f}{:>7.3f}\n", name,
            s.labelled, s.predicted, s.exact.precision(s.predicted), s.exact.recall(s.labelled),
            s.exact.f1(s.predicted, s.labelled), s.overlap.precision(s.predicted),
            s.overlap.recall(s.labelled), s.overlap.f1(s.predicted, s.labelled));
    };
    for (const auto& [type, s] : e.by_type)
        row(type, s);
    row("all (micro)", e.total);
    out += fmt::format("\n{} texts, {} benign (no labelled entity); {} benign with findings\n",
                       e.texts, e.benign_texts, e.benign_texts_with_findings);
    return out;
}

int cmd_scan_eval(CliContext& ctx, const std::string& file, const std::string& region) {
    safety::PiiSettings settings = project_pii_settings(ctx);
    if (!region.empty()) settings.default_region = region;
    safety::PiiEngine engine(std::move(settings));
    safety::ScanEvaluation e = safety::evaluate_scan_file(engine, file);
    if (ctx.json())
        ctx.print_json(e.to_json());
    else
        ctx.out(eval_table(e));
    return 0;
}

struct DataScanCliOptions {
    safety::DatasetScanRequest request;
};

int cmd_data_scan(CliContext& ctx, const DataScanCliOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    safety::PiiEngine engine(safety::load_pii_settings(project.paths().config_file));
    safety::DatasetScan scan = safety::scan_dataset(project, engine, o.request);
    if (ctx.json()) {
        ctx.print_json(scan.to_json());
    } else {
        std::string out = fmt::format("dataset  {}  ({} rows, {} with findings)\n\n",
                                      scan.version.ref(), scan.rows, scan.rows_with_findings);
        if (!scan.counts.empty())
            out += fmt::format("{:<20} {:<14} {:>8} {:>6}  examples\n", "field", "type", "findings",
                               "rows");
        for (const auto& [key, c] : scan.counts) {
            std::string examples;
            for (const auto& e : c.examples)
                examples += fmt::format("{}row {}: {}", examples.empty() ? "" : "; ", e.row,
                                        one_line(e.text, 40));
            out += fmt::format("{:<20} {:<14} {:>8} {:>6}  {}\n", one_line(key.first, 20),
                               key.second, c.findings, c.rows, examples);
        }
        ctx.out(out);
        ctx.note(fmt::format("{} finding{}", scan.findings, scan.findings == 1 ? "" : "s"));
    }
    return scan.findings ? 1 : 0;
}

} // namespace

void register_scan_commands(CLI::App& app, CliContext& ctx) {
    auto o = std::make_shared<ScanCliOptions>();
    CLI::App* c = ctx.command(app, "scan", [&ctx, o] { return cmd_scan(ctx, *o); });
    c->add_option("input", o->input, "A file to scan, or - for stdin (the default)");
    c->add_option("--text", o->text, "Scan this text instead of a file");
    c->add_flag("--pii", o->pii, "Run the PII recognizers (without --injection: only them)");
    c->add_flag("--injection", o->injection,
                "Run the prompt-injection rules (without --pii: only them)");
    c->add_option("--injection-mode", o->injection_mode,
                  "How the injection rules read a long text: whole (default), sentence, chunk");
    c->add_option("--redact", o->redact,
                  "Print the text with its PII replaced: redact, mask[:N], hash, replace:TEXT")
        ->option_text("OPERATOR");
    c->add_option("--region", o->region,
                  "Default region for national phone numbers (ISO 3166, e.g. GB)")
        ->option_text("CC");

    auto file = std::make_shared<std::string>();
    auto region = std::make_shared<std::string>();
    CLI::App* e = ctx.command(*c, "eval",
                              [&ctx, file, region] { return cmd_scan_eval(ctx, *file, *region); });
    e->add_option("labelled", *file, "JSONL: {\"text\", \"entities\": [{type, start, end}]}")
        ->required();
    e->add_option("--region", *region, "Default region for national phone numbers")
        ->option_text("CC");
}

void register_data_scan_command(CLI::App& data_cmd, CliContext& ctx) {
    auto o = std::make_shared<DataScanCliOptions>();
    CLI::App* c = ctx.command(data_cmd, "scan", [&ctx, o] { return cmd_data_scan(ctx, *o); });
    c->add_option("ref", o->request.ref, "Dataset reference")->required();
    c->add_option("--fields", o->request.fields, "Only these top-level fields (default: all)")
        ->delimiter(',');
    c->add_option("--examples", o->request.examples, "Examples shown per field and type")
        ->capture_default_str();
}

} // namespace llmops::cli
