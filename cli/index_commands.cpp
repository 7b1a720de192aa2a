// llmops index: build, query, list, rm, eval (docs/retrieval.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "index/index_builder.hpp"
#include "index/index_catalog.hpp"
#include "index/index_evaluation.hpp"
#include "index/index_json.hpp"
#include "index/retrieval_index.hpp"
#include "option_rules.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace {

std::string describe(const index::IndexInfo& info) {
    return fmt::format("{}: {} passages from {} (text {}, id {}, k1 {}, b {})", info.name,
                       info.documents, info.source_version, info.text_field,
                       info.id_field ? *info.id_field : "row number", info.bm25.k1, info.bm25.b);
}

// BM25 parameters: k1 scales term frequency (0 to 1000), b the length normalisation (0 to 1).
CLI::Validator k1_range() {
    return real_number({.min = 0, .max = 1000, .above_min = false, .unit = ""});
}
CLI::Validator b_range() {
    return real_number({.min = 0, .max = 1, .above_min = false, .unit = ""});
}

struct BuildOptions {
    index::IndexBuildOptions build;
    std::string id_field;
};

int cmd_build(CliContext& ctx, BuildOptions& o) {
    if (!o.id_field.empty()) o.build.id_field = o.id_field;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    index::IndexInfo info = index::build_index(project, o.build);
    if (ctx.json())
        ctx.print_json(info.to_json());
    else
        ctx.out("built index " + describe(info) + "\n");
    return 0;
}

struct QueryOptions {
    std::string name;
    std::string text;
    std::size_t k = 5;
    double k1 = 0;
    double b = 0;
    CLI::Option* k1_option = nullptr;
    CLI::Option* b_option = nullptr;
};

int cmd_query(CliContext& ctx, const QueryOptions& o) {
    if (o.k == 0) throw_usage("-k must be at least 1");
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto retrieval = index::RetrievalIndex::open(project, o.name);
    index::Bm25Params params = retrieval.info().bm25;
    if (o.k1_option->count() > 0) params.k1 = o.k1;
    if (o.b_option->count() > 0) params.b = o.b;
    std::vector<index::Passage> passages = retrieval.search(o.text, o.k, params);
    if (ctx.json()) {
        ctx.print_json(index::query_json(o.name, o.text, o.k, params, passages));
        return 0;
    }
    std::string text;
    for (std::size_t i = 0; i < passages.size(); ++i)
        text += fmt::format("{:>3}  {:>9.4g}  {:<16}  {}\n", i + 1, passages[i].score,
                            passages[i].id, one_line(passages[i].text, 100));
    ctx.out(text);
    if (passages.empty()) ctx.note("no passage matches");
    return 0;
}

int cmd_list(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    std::vector<index::IndexInfo> indexes = index::list_indexes(project.db());
    if (ctx.json()) {
        ctx.print_json(index::to_json(indexes));
        return 0;
    }
    if (indexes.empty()) {
        ctx.note("no indexes yet: build one with 'llmops index build NAME --data REF --field F'");
        return 0;
    }
    std::string text = fmt::format("{:<20} {:<20} {:<12} {:<12} {:>9} {:>5} {:>5}  {}\n", "NAME",
                                   "DATASET", "TEXT", "ID", "PASSAGES", "K1", "B", "CREATED");
    for (const auto& info : indexes)
        text += fmt::format("{:<20} {:<20} {:<12} {:<12} {:>9} {:>5} {:>5}  {}\n", info.name,
                            info.source_version + (info.dataset_version_id ? "" : " (removed)"),
                            info.text_field, info.id_field ? *info.id_field : "(row)",
                            info.documents, info.bm25.k1, info.bm25.b, info.created_at);
    ctx.out(text);
    return 0;
}

int cmd_rm(CliContext& ctx, const std::string& name) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    index::remove_index(project.db(), name);
    if (ctx.json())
        ctx.print_json(index::removal_json(name));
    else
        ctx.note("removed index " + name);
    return 0;
}

struct EvalOptions {
    std::string name;
    std::string data_ref;
    std::string query_field;
    std::string relevant_field;
    std::vector<std::size_t> ks{1, 3, 5, 10};
    std::vector<double> k1_values;
    std::vector<double> b_values;
};

std::string evaluation_table(const index::EvaluationGrid& grid,
                             const index::GridEvaluation& result) {
    std::string text = fmt::format("{:>6} {:>6} {:>7}", "K1", "B", "MRR");
    for (std::size_t k : grid.ks)
        text += fmt::format(" {:>7} {:>7} {:>7}", fmt::format("P@{}", k), fmt::format("R@{}", k),
                            fmt::format("nDCG@{}", k));
    text += "\n";
    for (std::size_t i = 0; i < result.settings.size(); ++i) {
        const auto& s = result.settings[i];
        text += fmt::format("{:>6.3g} {:>6.3g} {:>7.4f}", s.params.k1, s.params.b, s.mrr);
        for (const auto& m : s.at_k)
            text += fmt::format(" {:>7.4f} {:>7.4f} {:>7.4f}", m.precision, m.recall, m.ndcg);
        text += i == result.best ? "  *best\n" : "\n";
    }
    return text;
}

int cmd_eval(CliContext& ctx, const EvalOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto retrieval = index::RetrievalIndex::open(project, o.name);
    index::EvaluationGrid grid{.ks = o.ks, .k1_values = o.k1_values, .b_values = o.b_values};
    if (grid.k1_values.empty()) grid.k1_values.push_back(retrieval.info().bm25.k1);
    if (grid.b_values.empty()) grid.b_values.push_back(retrieval.info().bm25.b);
    index::LabelledQueries labelled =
        index::load_labelled_queries(project, o.data_ref, o.query_field, o.relevant_field);
    index::GridEvaluation result = index::evaluate_grid(retrieval, labelled.queries, grid);
    if (ctx.json()) {
        ctx.print_json(index::evaluation_json(retrieval.info(), labelled, grid, result));
        return 0;
    }
    ctx.out(evaluation_table(grid, result));
    ctx.note(fmt::format("{} queries from {}{}; best by nDCG@{}: k1 {} b {}",
                         labelled.queries.size(), labelled.source_version,
                         labelled.skipped > 0
                             ? fmt::format(" ({} without relevant ids skipped)", labelled.skipped)
                             : "",
                         result.largest_k, result.settings[result.best].params.k1,
                         result.settings[result.best].params.b));
    return 0;
}

} // namespace

void register_index_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* index_cmd = ctx.group(app, "index");

    auto build = std::make_shared<BuildOptions>();
    CLI::App* c =
        ctx.command(*index_cmd, "build", [&ctx, build] { return cmd_build(ctx, *build); });
    c->add_option("name", build->build.name, "Index name")->required();
    c->add_option("--data", build->build.data_ref, "Dataset reference (NAME, NAME@N, NAME@tag)")
        ->required();
    c->add_option("--field", build->build.text_field, "Field holding the passage text")->required();
    c->add_option("--id", build->id_field, "Field holding the passage id (default: row number)");
    c->add_option("--k1", build->build.bm25.k1, "BM25 k1 for queries, 0-1000 (default 1.2)")
        ->check(k1_range())
        ->option_text("K1");
    c->add_option("--b", build->build.bm25.b, "BM25 b for queries, 0-1 (default 0.75)")
        ->check(b_range())
        ->option_text("B");
    c->add_flag("-f,--force", build->build.replace, "Replace an index of the same name");

    auto query = std::make_shared<QueryOptions>();
    c = ctx.command(*index_cmd, "query", [&ctx, query] { return cmd_query(ctx, *query); });
    c->add_option("name", query->name, "Index name")->required();
    c->add_option("text", query->text, "Query text (free text, not a query language)")->required();
    c->add_option("-k", query->k, "How many passages, 1-10000 (default 5)")
        ->check(whole_number(1, 10000))
        ->option_text("N");
    query->k1_option = c->add_option("--k1", query->k1, "BM25 k1, 0-1000 (default: the index's)")
                           ->check(k1_range())
                           ->option_text("K1");
    query->b_option = c->add_option("--b", query->b, "BM25 b, 0-1 (default: the index's)")
                          ->check(b_range())
                          ->option_text("B");

    ctx.command(*index_cmd, "list", [&ctx] { return cmd_list(ctx); });

    auto rm = std::make_shared<std::string>();
    ctx.command(*index_cmd, "rm", [&ctx, rm] { return cmd_rm(ctx, *rm); })
        ->add_option("name", *rm, "Index name")
        ->required();

    auto eval = std::make_shared<EvalOptions>();
    c = ctx.command(*index_cmd, "eval", [&ctx, eval] { return cmd_eval(ctx, *eval); });
    c->add_option("name", eval->name, "Index name")->required();
    c->add_option("--data", eval->data_ref, "Labelled dataset reference")->required();
    c->add_option("--query-field", eval->query_field, "Field holding the query text")->required();
    c->add_option("--relevant-field", eval->relevant_field,
                  "Field holding the relevant passage ids (array or one id)")
        ->required();
    c->add_option("-k", eval->ks, "Cut-offs 1-10000, comma-separated (default 1,3,5,10)")
        ->delimiter(',')
        ->check(whole_number(1, 10000))
        ->option_text("N,...");
    c->add_option("--k1", eval->k1_values,
                  "k1 values (0-1000) to try, comma-separated (default: the index's)")
        ->delimiter(',')
        ->check(k1_range())
        ->option_text("K1,...");
    c->add_option("--b", eval->b_values,
                  "b values (0-1) to try, comma-separated (default: the index's)")
        ->delimiter(',')
        ->check(b_range())
        ->option_text("B,...");
}

} // namespace llmops::cli
