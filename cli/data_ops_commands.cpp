// llmops data: dedup, split, transform, merge, sample (docs/data-ops.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "data/ops/dataset_dedup.hpp"
#include "data/ops/dataset_merge.hpp"
#include "data/ops/dataset_sample.hpp"
#include "data/ops/dataset_split.hpp"
#include "data/ops/dataset_transform.hpp"
#include "data/ops/ops_json.hpp"
#include "option_rules.hpp"
#include "safety/dataset_scan.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace {

std::string commit_line(const data::DatasetVersion& source, const data::CommitResult& r) {
    if (!r.created)
        return fmt::format("{} unchanged: identical to its latest version", r.version.ref());
    return fmt::format("{} -> {}: {} rows, stored {} new", source.ref(), r.version.ref(),
                       r.version.rows, human_bytes(r.new_object_bytes));
}

struct DedupCli {
    data::DedupRequest request;
    double near = 0;
    CLI::Option* near_option = nullptr; // --near given (any value, even 0)
    std::string field;
    std::string shingle = "words";
    int shingle_size = 0;
    int permutations = 128;
    std::uint64_t seed = 0;
};

int cmd_dedup(CliContext& ctx, DedupCli& o) {
    const bool has_near = o.near_option->count() > 0;
    if (!o.field.empty() && !has_near) throw_usage("--field needs --near THRESHOLD");
    if (has_near) {
        if (o.field.empty()) throw_usage("--near needs --field FIELD (the text to compare)");
        data::NearDupOptions near;
        near.field = o.field;
        near.threshold = o.near;
        near.shingles.kind =
            o.shingle == "chars" ? stats::ShingleKind::Chars : stats::ShingleKind::Words;
        near.shingles.size = o.shingle_size > 0                                ? o.shingle_size
                             : near.shingles.kind == stats::ShingleKind::Words ? 3
                                                                               : 5;
        near.permutations = o.permutations;
        near.seed = o.seed;
        o.request.options.near = near;
    }
    store::Project project =
        ctx.open_project(o.request.dry_run ? store::StoreAccess::Read : store::StoreAccess::Write);
    data::DedupReport r = data::dedup_dataset(project, o.request);
    const auto& near = o.request.options.near;
    if (ctx.json()) {
        ctx.print_json(data::to_json(r, o.request));
        return 0;
    }
    std::string text;
    for (const auto& d : r.dropped) {
        if (d.similarity)
            text += fmt::format("drop row {}: near duplicate of row {} (similarity {:.3f})\n",
                                d.row, d.duplicate_of, *d.similarity);
        else
            text +=
                fmt::format("drop row {}: {}duplicate of row {}\n", d.row,
                            o.request.options.normalize ? "normalised " : "exact ", d.duplicate_of);
    }
    text += fmt::format("{}: {} rows, {} exact and {} near duplicates dropped, {} kept\n",
                        r.source.ref(), r.rows_in, r.exact, r.near, r.rows_out);
    ctx.out(text);
    if (near)
        ctx.verbose(fmt::format("near duplicates: {} bands of {} rows; {} rows had no text in '{}'",
                                r.bands->bands, r.bands->rows, r.rows_without_text, near->field));
    if (r.commit)
        ctx.note(commit_line(r.source, *r.commit));
    else
        ctx.note("dry run: nothing written");
    return 0;
}

struct SplitCli {
    data::SplitRequest request;
    std::string ratios;
    std::string by;
};

int cmd_split(CliContext& ctx, SplitCli& o) {
    o.request.ratios = data::parse_ratios(o.ratios);
    if (!o.by.empty()) o.request.by = o.by;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    data::SplitReport r = data::split_dataset(project, o.request);
    if (ctx.json()) {
        ctx.print_json(data::to_json(r, o.request));
        return 0;
    }
    std::string text;
    for (const auto& s : r.outputs)
        text += fmt::format("{:<8} {:>8.4f}  {:>10} rows  {}{}\n", s.split, s.ratio, s.rows,
                            s.commit.version.ref(), s.commit.created ? "" : " (unchanged)");
    ctx.out(text);
    return 0;
}

struct TransformCli {
    data::TransformRequest request;
    std::string redact;                     // --redact OPERATOR
    std::vector<std::string> redact_fields; // --redact-fields
};

int cmd_transform(CliContext& ctx, TransformCli& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    std::unique_ptr<safety::PiiEngine> engine;
    if (!o.redact.empty()) {
        safety::PiiSettings settings = safety::load_pii_settings(project.paths().config_file);
        auto op = safety::parse_operator(o.redact, settings.hash_key_env);
        engine = std::make_unique<safety::PiiEngine>(std::move(settings));
        o.request.rewrite = safety::redaction_rewrite(*engine, std::move(op), o.redact_fields);
    } else if (!o.redact_fields.empty()) {
        throw_usage("--redact-fields needs --redact OPERATOR");
    }
    data::TransformReport r = data::transform_dataset(project, o.request);
    if (ctx.json()) {
        ctx.print_json(data::to_json(r));
        return 0;
    }
    ctx.out(fmt::format("{}: {} rows in, {} out\n", r.source.ref(), r.rows_in, r.rows_out));
    ctx.note(commit_line(r.source, r.commit));
    return 0;
}

int cmd_merge(CliContext& ctx, data::MergeRequest& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    data::MergeReport r = data::merge_datasets(project, o);
    if (ctx.json()) {
        ctx.print_json(data::to_json(r, o));
        return 0;
    }
    std::string text;
    for (const auto& s : r.sources)
        text +=
            fmt::format("{:<24} {:>10} rows{}\n", s.version.ref(), s.rows_kept,
                        s.duplicates ? fmt::format(" ({} duplicates dropped)", s.duplicates) : "");
    text += fmt::format("{}: {} rows\n",
                        r.commit.created ? r.commit.version.ref()
                                         : r.commit.version.ref() + " (unchanged)",
                        r.rows_out);
    ctx.out(text);
    return 0;
}

int cmd_sample(CliContext& ctx, data::SampleRequest& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    data::SampleReport r = data::sample_dataset(project, o);
    if (ctx.json()) {
        ctx.print_json(data::to_json(r, o));
        return 0;
    }
    if (r.rows_out < o.n)
        ctx.warn(fmt::format("{} has only {} rows: the sample holds all of them", r.source.ref(),
                             r.rows_in));
    ctx.out(fmt::format("{}: {} of {} rows\n", r.commit.version.ref(), r.rows_out, r.rows_in));
    if (!r.commit.created) ctx.note(commit_line(r.source, r.commit));
    return 0;
}

} // namespace

void register_data_ops_commands(CLI::App& data_cmd, CliContext& ctx) {
    const char* kRef = "Dataset reference: NAME, NAME@N, NAME@tag or NAME@hash";

    auto dedup = std::make_shared<DedupCli>();
    CLI::App* c = ctx.command(data_cmd, "dedup", [&ctx, dedup] { return cmd_dedup(ctx, *dedup); });
    c->add_option("ref", dedup->request.source, kRef)->required();
    c->add_flag("--normalize", dedup->request.options.normalize,
                "Compare rows after NFKC, case folding and collapsing whitespace in strings");
    dedup->near_option =
        c->add_option("--near", dedup->near,
                      "Also drop near duplicates: estimated Jaccard similarity >= THRESHOLD, "
                      "greater than 0 and at most 1")
            ->check(real_number({.min = 0, .max = 1, .above_min = true, .unit = ""}))
            ->option_text("THRESHOLD");
    c->add_option("--field", dedup->field, "The text field compared by --near");
    c->add_option("--shingle", dedup->shingle, "Shingles for --near: words (default) or chars")
        ->check(CLI::IsMember({"words", "chars"}));
    c->add_option("--shingle-size", dedup->shingle_size,
                  "Words (default 3) or characters (default 5) per shingle, 1-64")
        ->check(whole_number(1, 64))
        ->option_text("N");
    c->add_option("--permutations", dedup->permutations,
                  "MinHash permutations, 1-1024 (default 128)")
        ->check(whole_number(1, 1024))
        ->option_text("N");
    c->add_option("--seed", dedup->seed, "Seed of the MinHash hashes (default 0)")
        ->check(seed_number())
        ->option_text("SEED");
    c->add_flag("-n,--dry-run", dedup->request.dry_run,
                "Report what would be dropped; write nothing");
    c->add_option("-o,--output", dedup->request.output, "Dataset to write (default: the source's)");
    c->add_option("-m,--message", dedup->request.message, "What the new version is");

    auto split = std::make_shared<SplitCli>();
    c = ctx.command(data_cmd, "split", [&ctx, split] { return cmd_split(ctx, *split); });
    c->add_option("ref", split->request.source, kRef)->required();
    c->add_option("--ratios", split->ratios,
                  "Splits and their shares, e.g. train=0.8,val=0.1,test=0.1")
        ->required();
    c->add_option("--seed", split->request.seed, "Seed of the row hashes (default 0)")
        ->check(seed_number())
        ->option_text("SEED");
    c->add_option("--by", split->by, "Keep rows with the same value of FIELD together")
        ->option_text("FIELD");
    c->add_option("-o,--prefix", split->request.prefix,
                  "Write PREFIX-train ... (default: the source's dataset name)");
    c->add_option("-m,--message", split->request.message, "Message of the new versions");

    auto transform = std::make_shared<TransformCli>();
    data::TransformSpec& spec = transform->request.spec;
    c = ctx.command(data_cmd, "transform",
                    [&ctx, transform] { return cmd_transform(ctx, *transform); });
    c->add_option("ref", transform->request.source, kRef)->required();
    c->add_option("--where", spec.where,
                  "Keep rows where EXPR holds (repeatable, ANDed): F==V, F!=V, F<V, F<=V, F>V, "
                  "F>=V, 'F contains T', 'F matches RE', 'F exists', 'F missing'")
        ->option_text("EXPR");
    c->add_option("--set", spec.set,
                  "Set FIELD to a Mustache template rendered over the row (repeatable)")
        ->option_text("FIELD=TEMPLATE");
    c->add_option("--rename", spec.rename, "Rename a field (repeatable)")->option_text("OLD=NEW");
    c->add_option("--select", spec.select, "Keep only these fields")
        ->delimiter(',')
        ->option_text("F,...");
    c->add_option("--drop", spec.drop, "Remove these fields")->delimiter(',')->option_text("F,...");
    c->add_flag("--allow-missing", spec.allow_missing,
                "--set templates render missing variables as empty instead of failing");
    c->add_flag("--allow-empty", transform->request.allow_empty,
                "Store an empty version when no row matches --where");
    c->add_option("-o,--output", transform->request.output,
                  "Dataset to write (default: the source's)");
    c->add_option("-m,--message", transform->request.message, "What the new version is");
    c->add_option("--redact", transform->redact,
                  "Replace personal data in string values: redact, mask[:N], hash, replace:TEXT "
                  "(docs/safety.md)")
        ->option_text("OPERATOR");
    c->add_option("--redact-fields", transform->redact_fields,
                  "Only redact these top-level fields (default: all)")
        ->delimiter(',')
        ->option_text("F,...");

    auto merge = std::make_shared<data::MergeRequest>();
    c = ctx.command(data_cmd, "merge", [&ctx, merge] { return cmd_merge(ctx, *merge); });
    c->add_option("refs", merge->sources, "Dataset references, in order")->required();
    c->add_option("-o,--output", merge->output, "Dataset to write")->required();
    c->add_flag("--dedup", merge->dedup, "Drop exact duplicate rows (the first stays)");
    c->add_option("-m,--message", merge->message, "What the new version is");

    auto sample = std::make_shared<data::SampleRequest>();
    c = ctx.command(data_cmd, "sample", [&ctx, sample] { return cmd_sample(ctx, *sample); });
    c->add_option("ref", sample->source, kRef)->required();
    c->add_option("-n,--n", sample->n, "Rows to keep (N >= 1)")
        ->required()
        ->check(whole_number(1))
        ->option_text("N");
    c->add_option("--seed", sample->seed, "Seed of the row hashes (default 0)")
        ->check(seed_number())
        ->option_text("SEED");
    c->add_option("-o,--output", sample->output, "Dataset to write (default: NAME-sample)");
    c->add_option("-m,--message", sample->message, "What the new version is");
}

} // namespace llmops::cli
