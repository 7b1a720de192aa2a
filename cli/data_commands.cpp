// llmops data: add (files, or --from-logs), list, show, log, cat, export (also as fine-tuning
// JSONL), diff, tag, rm.
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_export.hpp"
#include "data/dataset_import.hpp"
#include "data/dataset_json.hpp"
#include "data/dataset_ref.hpp"
#include "data/ops/dataset_diff.hpp"
#include "data/ops/ops_json.hpp"
#include "data/ops/row_filter.hpp"
#include "feedback/finetune_format.hpp"
#include "feedback/log_dataset.hpp"
#include "monitor/time_window.hpp"
#include "option_rules.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace fs = std::filesystem;
using data::DatasetVersion;

namespace {

std::string version_line(const DatasetVersion& v) {
    std::string tags = v.tags.empty() ? "" : fmt::format("  [{}]", fmt::join(v.tags, ", "));
    return fmt::format("{:<24} {:>10} rows  {:>10}  {}  {}{}{}", v.ref(), v.rows,
                       human_bytes(static_cast<std::uint64_t>(v.bytes)), v.manifest.substr(0, 12),
                       v.created_at, v.message.empty() ? "" : "  " + v.message, tags);
}

struct AddOptions {
    std::vector<std::string> paths;
    data::ImportOptions import;
    std::string format;
    std::string compression = "zstd";
    // --from-logs ROUTE (lib/feedback/log_dataset.hpp)
    std::string from_logs;
    std::string env;
    std::string since;
    std::vector<std::string> where;
    std::vector<std::string> fields;
};

int cmd_add_from_logs(CliContext& ctx, AddOptions& o) {
    if (!o.paths.empty())
        throw_usage("give files or --from-logs ROUTE, not both",
                    "'data add --from-logs ROUTE --name NAME' reads the gateway's request log");
    if (!o.format.empty()) throw_usage("--format applies to files, not to --from-logs");
    feedback::FromLogsRequest request;
    request.selection.route = o.from_logs;
    request.selection.env = o.env;
    if (!o.since.empty())
        request.selection.since_ms = monitor::parse_time_or_ago(o.since, now_unix_ms(), "--since");
    request.selection.where = o.where;
    request.fields = o.fields;
    request.name = o.import.name;
    request.message = o.import.message;
    request.tags = o.import.tags;
    request.allow_empty = o.import.allow_empty;
    data::RowFilter check(o.where); // a malformed --where is a usage error before the store opens
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    feedback::FromLogsReport r = feedback::add_from_logs(project, request);
    if (ctx.json()) {
        ctx.print_json(feedback::to_json(r));
    } else if (r.commit.created) {
        ctx.out(fmt::format("{}  {} rows  {}  {} request(s) added, {} already present\n",
                            r.commit.version.ref(), r.commit.version.rows,
                            r.commit.version.manifest, r.added.size(), r.already_present));
    } else {
        ctx.out(fmt::format("{}  unchanged: {} matching request(s), all already present\n",
                            r.commit.version.ref(), r.matched));
    }
    return 0;
}

int cmd_add(CliContext& ctx, AddOptions& o) {
    if (!o.from_logs.empty()) return cmd_add_from_logs(ctx, o);
    if (o.paths.empty()) throw_usage("data add: give files to read, or --from-logs ROUTE");
    if (!o.env.empty() || !o.since.empty() || !o.where.empty() || !o.fields.empty())
        throw_usage("--env, --since, --where and --fields apply only with --from-logs ROUTE");
    if (!o.format.empty()) o.import.format = o.format;
    o.import.chunks = o.compression == "none" ? store::Compression::None : store::Compression::Zstd;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    std::vector<fs::path> inputs(o.paths.begin(), o.paths.end());
    data::CommitResult r = data::import_files(project, inputs, o.import);
    if (ctx.json()) {
        ctx.print_json(data::to_json(r));
    } else if (r.created) {
        ctx.out(fmt::format("{}  {} rows  {}  stored {} new\n", r.version.ref(), r.version.rows,
                            r.version.manifest, human_bytes(r.new_object_bytes)));
    } else {
        ctx.out(fmt::format("{}  unchanged: identical to the latest version\n", r.version.ref()));
    }
    return 0;
}

int cmd_list(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto datasets = data::list_datasets(project.db());
    if (ctx.json()) {
        ctx.print_json(data::to_json(datasets));
        return 0;
    }
    for (const auto& d : datasets)
        ctx.out(fmt::format("{:<24} {:>4} version(s)  latest {}\n", d.name, d.versions,
                            version_line(d.latest)));
    if (datasets.empty())
        ctx.note("no datasets yet: add one with 'llmops data add FILE --name NAME'");
    return 0;
}

int cmd_show(CliContext& ctx, const std::string& ref) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    DatasetVersion v = data::resolve_version(project.db(), ref);
    if (ctx.json()) {
        ctx.print_json(data::version_with_chunks_json(v, data::version_chunks(project.db(), v.id)));
        return 0;
    }
    std::string text = fmt::format(
        "dataset   {}\nmanifest  {}\nparent    {}\nrows      {}\nbytes     {} ({} stored new)\n"
        "created   {}\nmessage   {}\ntags      {}\n",
        v.ref(), v.manifest,
        v.parent_number ? v.name + "@" + std::to_string(*v.parent_number) : "-", v.rows,
        human_bytes(static_cast<std::uint64_t>(v.bytes)),
        human_bytes(static_cast<std::uint64_t>(v.stored_bytes)), v.created_at,
        v.message.empty() ? "-" : v.message,
        v.tags.empty() ? "-" : fmt::format("{}", fmt::join(v.tags, ", ")));
    text += "fields\n";
    for (const auto& [name, types] : v.schema.at("fields").items()) {
        std::vector<std::string> parts;
        for (const auto& [type, count] : types.items())
            parts.push_back(fmt::format("{} {}", type, count.get<std::int64_t>()));
        text += fmt::format("  {:<22} {}\n", name, fmt::join(parts, ", "));
    }
    text += "sources\n";
    for (const auto& s : v.sources)
        text += fmt::format("  {} ({}, {} rows, {})\n", s.value("path", ""), s.value("format", ""),
                            s.value("rows", 0), s.value("hash", "").substr(0, 12));
    text += fmt::format("provenance {}\n", v.provenance.dump());
    ctx.out(text);
    return 0;
}

int cmd_log(CliContext& ctx, const std::string& name) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto versions = data::dataset_log(project.db(), name);
    if (ctx.json()) {
        ctx.print_json(data::to_json(versions));
        return 0;
    }
    for (const auto& v : versions)
        ctx.out(version_line(v) + "\n");
    return 0;
}

struct CatOptions {
    std::string ref;
    std::int64_t limit = -1;
    std::string format = "jsonl";
    std::string output;
    // Fine-tuning formats (lib/feedback/finetune_format.hpp)
    std::string prompt;
    std::string target_field;
    std::int64_t max_tokens = 0;
};

int cmd_export_for_tuning(CliContext& ctx, const CatOptions& o, feedback::TuneFormat format) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    DatasetVersion v = data::resolve_version(project.db(), o.ref);
    feedback::TuneOptions options{.format = format,
                                  .prompt_ref = o.prompt,
                                  .target_field = o.target_field,
                                  .max_tokens = o.max_tokens,
                                  .limit = o.limit};
    // Every example is built and checked before the file is opened.
    feedback::TuneExport result = feedback::build_tune_export(project, v, options);
    OutputFile out(o.output);
    out.write(result.jsonl);
    out.commit();
    if (ctx.json())
        ctx.print_json(feedback::tune_export_json(v, result, o.output, format));
    else
        ctx.note(fmt::format("wrote {} {} examples of {} to {} (about {} tokens, largest {})",
                             result.examples, feedback::to_string(format), v.ref(), o.output,
                             result.tokens, result.max_tokens));
    return 0;
}

int cmd_cat(CliContext& ctx, const CatOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    DatasetVersion v = data::resolve_version(project.db(), o.ref);
    data::ExportOptions options{.format = data::parse_output_format(o.format), .limit = o.limit};
    data::export_rows(project, v, options, [&ctx](std::string_view block) { ctx.out(block); });
    return 0;
}

int cmd_export(CliContext& ctx, const CatOptions& o) {
    // An empty name would mean stdout to write_rows: a silent cat, and two documents with --json.
    if (o.output.empty())
        throw_usage("--output: expected a file name, got ''",
                    "use 'llmops data cat' to write rows to stdout");
    check_output_path(o.output);
    if (auto tune = feedback::parse_tune_format(o.format))
        return cmd_export_for_tuning(ctx, o, *tune);
    if (!o.prompt.empty() || !o.target_field.empty() || o.max_tokens > 0)
        throw_usage("--prompt, --target-field and --max-tokens apply to the fine-tuning formats",
                    "use --format openai-chat, anthropic or alpaca");
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    DatasetVersion v = data::resolve_version(project.db(), o.ref);
    data::ExportOptions options{.format = data::parse_output_format(o.format), .limit = o.limit};
    std::int64_t n = data::export_rows_to_file(project, v, options, o.output);
    if (ctx.json())
        ctx.print_json(data::export_json(v, n, o.output, o.format));
    else
        ctx.note(fmt::format("wrote {} rows of {} to {}", n, v.ref(), o.output));
    return 0;
}

struct DiffCliOptions {
    std::string a, b, key;
    std::size_t limit = 20;
    bool stat = false;
    bool no_key = false;
};

std::string optional_text(const std::optional<std::string>& s) {
    return s ? *s : "(absent)";
}

int cmd_diff(CliContext& ctx, const DiffCliOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    DatasetVersion a = data::resolve_version(project.db(), o.a);
    DatasetVersion b = data::resolve_version(project.db(), o.b);
    data::DiffOptions options;
    if (!o.key.empty()) {
        options.key = o.key;
    } else if (!o.no_key) {
        options.key = data::default_diff_key(a, b);
        if (options.key)
            ctx.note(fmt::format("pairing rows by their '{}' field (every row has one); --key "
                                 "FIELD picks another, --no-key lists changes as removed + added",
                                 *options.key));
    }
    options.limit = o.stat ? 0 : o.limit;
    data::DatasetDiff d = data::diff_versions(project, a, b, options);
    if (ctx.json()) {
        ctx.print_json(data::to_json(d, a, b, options.key));
        return 0;
    }
    std::string text;
    for (const auto& r : d.removed_rows)
        text += "- " + r + "\n";
    for (const auto& r : d.added_rows)
        text += "+ " + r + "\n";
    for (const auto& c : d.changed_rows) {
        text += fmt::format("~ {}={}\n", *options.key, c.key);
        for (const auto& f : c.fields)
            text += fmt::format("    {}: {} -> {}\n", f.field, optional_text(f.before),
                                optional_text(f.after));
    }
    text += fmt::format("{} -> {}: {} added, {} removed{} ({} -> {} rows; read {} of {} chunks)\n",
                        a.ref(), b.ref(), d.added, d.removed,
                        options.key ? fmt::format(", {} changed", d.changed) : "", d.rows_a,
                        d.rows_b, d.chunks_read, d.chunks_total);
    ctx.out(text);
    return 0;
}

int cmd_tag(CliContext& ctx, const std::string& ref, const std::string& tag) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    DatasetVersion v = data::resolve_version(project.db(), ref);
    data::tag_version(project.db(), v, tag);
    if (ctx.json())
        ctx.print_json(data::tag_json(v, tag));
    else
        ctx.note(fmt::format("tagged {} as {}@{}", v.ref(), v.name, tag));
    return 0;
}

int cmd_rm(CliContext& ctx, const std::string& ref) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    data::DatasetRef parsed = data::parse_dataset_ref(ref);
    std::int64_t n = data::remove_dataset(project.db(), parsed.name, parsed.selector);
    if (ctx.json())
        ctx.print_json(data::removal_json(ref, n));
    else
        ctx.note(fmt::format("removed {} version(s) of {}; run 'llmops gc' to free their space", n,
                             parsed.name));
    return 0;
}

} // namespace

void register_data_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* data_cmd = ctx.group(app, "data");

    auto add = std::make_shared<AddOptions>();
    CLI::App* c = ctx.command(*data_cmd, "add", [&ctx, add] { return cmd_add(ctx, *add); });
    c->add_option("paths", add->paths, "Files or folders to read");
    c->add_option("-n,--name", add->import.name, "Dataset name")->required();
    c->add_option("-m,--message", add->import.message, "What this version is");
    c->add_option("-t,--tag", add->import.tags, "Tag the new version (repeatable)");
    c->add_option("--format", add->format,
                  "Input format: jsonl, csv or json (default: by extension)");
    c->add_flag("--infer-types", add->import.infer_types,
                "CSV: numbers, booleans and empty fields get JSON types");
    c->add_flag("--allow-empty", add->import.allow_empty, "Accept inputs with no rows");
    c->add_option("--compression", add->compression,
                  "How new chunks are stored: zstd (default) or none (faster, larger)")
        ->check(CLI::IsMember({"zstd", "none"}));
    c->add_option("--from-logs", add->from_logs,
                  "Rows from the requests of this gateway route (instead of files)")
        ->option_text("ROUTE");
    c->add_option("--env", add->env, "--from-logs: only requests of this environment");
    c->add_option("--since", add->since,
                  "--from-logs: only requests at or after this time (ISO 8601, or 24h ago)")
        ->option_text("TIME");
    c->add_option("--where", add->where,
                  "--from-logs: keep requests whose columns match (as data transform; "
                  "repeatable): 'feedback.helpful==false', 'latency_ms>2000'")
        ->option_text("EXPR");
    c->add_option("--fields", add->fields,
                  "--from-logs: the columns rows keep besides request_id (default: the "
                  "variables, answer, feedback)")
        ->delimiter(',')
        ->option_text("F,...");

    ctx.command(*data_cmd, "list", [&ctx] { return cmd_list(ctx); });

    auto show_ref = std::make_shared<std::string>();
    ctx.command(*data_cmd, "show", [&ctx, show_ref] { return cmd_show(ctx, *show_ref); })
        ->add_option("ref", *show_ref, "NAME, NAME@N, NAME@tag or NAME@hash")
        ->required();

    auto log_name = std::make_shared<std::string>();
    ctx.command(*data_cmd, "log", [&ctx, log_name] { return cmd_log(ctx, *log_name); })
        ->add_option("name", *log_name, "Dataset name")
        ->required();

    auto cat = std::make_shared<CatOptions>();
    c = ctx.command(*data_cmd, "cat", [&ctx, cat] { return cmd_cat(ctx, *cat); });
    c->add_option("ref", cat->ref, "Dataset reference")->required();
    c->add_option("--limit", cat->limit, "Stop after N rows (N >= 1)")
        ->check(whole_number(1))
        ->option_text("N");
    c->add_option("--format", cat->format, "jsonl (default) or csv");

    auto exp = std::make_shared<CatOptions>();
    c = ctx.command(*data_cmd, "export", [&ctx, exp] { return cmd_export(ctx, *exp); });
    c->add_option("ref", exp->ref, "Dataset reference")->required();
    c->add_option("-o,--output", exp->output, "Output file (replaced atomically)")->required();
    c->add_option("--format", exp->format,
                  "jsonl (default), csv, or fine-tuning JSONL: openai-chat, anthropic, alpaca");
    c->add_option("--prompt", exp->prompt,
                  "Fine-tuning formats: render each row through this prompt (NAME, NAME@N, "
                  "NAME@label)")
        ->option_text("REF");
    c->add_option("--target-field", exp->target_field,
                  "Fine-tuning formats: the row field holding the assistant's answer")
        ->option_text("FIELD");
    c->add_option("--max-tokens", exp->max_tokens,
                  "Fine-tuning formats: estimated tokens allowed per example (default: the "
                  "format's limit)")
        ->check(whole_number(1))
        ->option_text("N");
    c->add_option("--limit", exp->limit, "Stop after N rows (N >= 1)")
        ->check(whole_number(1))
        ->option_text("N");

    auto diff = std::make_shared<DiffCliOptions>();
    c = ctx.command(*data_cmd, "diff", [&ctx, diff] { return cmd_diff(ctx, *diff); });
    c->add_option("a", diff->a, "Old version")->required();
    c->add_option("b", diff->b, "New version")->required();
    CLI::Option* key_option =
        c->add_option("-k,--key", diff->key,
                      "Field identifying a row: pairs removed and added rows as changed "
                      "(default: id, when every row has one)");
    c->add_flag("--no-key", diff->no_key, "Pair no rows: list changes as removed + added")
        ->excludes(key_option);
    c->add_option("--limit", diff->limit, "Rows listed per kind, 0 or more (default 20)")
        ->check(whole_number(0))
        ->option_text("N");
    c->add_flag("--stat", diff->stat, "Counts only");

    auto tag = std::make_shared<std::pair<std::string, std::string>>();
    c = ctx.command(*data_cmd, "tag",
                    [&ctx, tag] { return cmd_tag(ctx, tag->first, tag->second); });
    c->add_option("ref", tag->first, "Dataset reference")->required();
    c->add_option("tag", tag->second, "Tag name")->required();

    auto rm = std::make_shared<std::string>();
    ctx.command(*data_cmd, "rm", [&ctx, rm] { return cmd_rm(ctx, *rm); })
        ->add_option("ref", *rm, "NAME or NAME@version")
        ->required();

    register_data_ops_commands(*data_cmd, ctx);
    register_data_profile_command(*data_cmd, ctx);
    register_data_scan_command(*data_cmd, ctx);
}

} // namespace llmops::cli
