// Eval storage and aggregation: scores written row by row come back as per-cell aggregates,
// case verdicts and threshold outcomes (lower-is-better metrics read thresholds as upper
// bounds); comparison pairs cases by id and picks McNemar or Wilcoxon.
#include "eval/eval_case_outcomes.hpp"
#include "eval/eval_compare.hpp"
#include "eval/eval_store.hpp"
#include "eval/eval_summary.hpp"
#include "prompt/prompt_registry.hpp"
#include "run/run_store.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace llmops;
using namespace llmops::eval;
using nlohmann::json;

namespace {

struct EvalStoreFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    std::int64_t prompt_version = 0;

    EvalStoreFixture() {
        prompt::PromptRegistry registry(project);
        prompt_version =
            registry
                .add_text("name: p\ntemplate: '{{q}}'\nvariables: {q: {required: true}}\n",
                          "p.yaml", "")
                .version.id;
    }

    // One cell, n cases; `answer_ok[i]` false = a provider error; scores[i] for metric 0
    // ("contains", boolean) and metric 1 ("latency", lower is better).
    std::int64_t make_eval(const std::vector<bool>& answer_ok, const std::vector<double>& contains,
                           const std::vector<double>& latency,
                           std::vector<StoredThreshold> thresholds,
                           std::vector<BaselinePair> baseline = {}) {
        auto& db = project.db();
        NewEvalRun run;
        run.spec = json::object();
        run.data_source = "inline";
        run.case_count = static_cast<std::int64_t>(answer_ok.size());
        run.scoring.metrics = {{"contains", "contains", false}, {"latency", "latency", true}};
        run.scoring.thresholds = std::move(thresholds);
        run.scoring.baseline = std::move(baseline);
        std::int64_t id = create_eval_run(db, run);
        std::vector<StoredCase> cases;
        for (std::size_t i = 0; i < answer_ok.size(); ++i)
            cases.push_back({static_cast<std::int64_t>(i), "c" + std::to_string(i),
                             "h" + std::to_string(i), json{{"q", i}}.dump()});
        record_cases(db, id, cases);
        add_cell_rows(id, 0, "p@1 × echo", answer_ok, contains, latency);
        return id;
    }

    // Another cell of eval `id`, with its run rows and scores.
    void add_cell_rows(std::int64_t id, int cell, const std::string& label,
                       const std::vector<bool>& answer_ok, const std::vector<double>& contains,
                       const std::vector<double>& latency) {
        auto& db = project.db();
        run::NewRun cell_run;
        cell_run.kind = "eval";
        cell_run.prompt_version_id = prompt_version;
        cell_run.data_source = "inline";
        cell_run.provider_id = "echo";
        cell_run.provider_config = json::object();
        cell_run.row_count = static_cast<std::int64_t>(answer_ok.size());
        std::int64_t run_id = run::create_run(db, cell_run);
        add_cell(db, id, {cell, run_id, label});
        std::vector<run::RunRow> rows;
        std::vector<ScoreRow> scores;
        for (std::size_t i = 0; i < answer_ok.size(); ++i) {
            run::RunRow row;
            row.row_index = static_cast<std::int64_t>(i);
            row.input = "[]";
            row.result.text = "answer";
            row.result.latency_ms = latency[i];
            if (!answer_ok[i]) row.result.error = provider::ProviderErrorKind::Server;
            rows.push_back(row);
            if (!answer_ok[i]) continue;
            scores.push_back({cell, row.row_index, 0, "contains", contains[i], contains[i] == 1, "",
                              "", nullptr});
            scores.push_back({cell, row.row_index, 1, "latency", latency[i], latency[i] <= 100, "",
                              "", nullptr});
        }
        run::record_rows(db, run_id, rows);
        record_scores(db, id, scores);
        run::finish_run(db, run_id, run::RunStatus::Completed, 1.0);
    }
};

} // namespace

TEST_CASE("eval summary: verdicts, aggregates and thresholds", "[eval_store]") {
    EvalStoreFixture f;
    std::int64_t id =
        f.make_eval({true, true, true, false}, {1, 1, 0, 0}, {50, 80, 300, 10},
                    {{"", "pass_rate", 0.5}, {"latency", "p50", 90}, {"contains", "mean", 0.7}});
    EvalRunSummary s = load_summary(f.project.db(), id, {.with_cases = true});
    REQUIRE(s.cells.size() == 1);
    const CellSummary& c = s.cells[0];
    CHECK(c.cases == 4);
    CHECK(c.passed == 2); // c0, c1
    CHECK(c.failed == 1); // c2: contains failed and latency over
    CHECK(c.errors == 1); // c3: no answer
    CHECK(c.pass_rate == Approx(0.5));
    REQUIRE(c.metrics.size() == 2);
    CHECK(c.metrics[0].scored == 3);
    CHECK(c.metrics[0].mean == Approx(2.0 / 3.0));
    CHECK(*c.metrics[0].pass_rate == Approx(2.0 / 3.0));
    CHECK(c.metrics[1].p50 == Approx(80));
    CHECK(c.metrics[1].p95 == Approx(80 + 0.9 * 220)); // numpy linear interpolation
    CHECK(c.metrics[1].lower_is_better);
    REQUIRE(s.thresholds.size() == 3);
    CHECK(s.thresholds[0].met);         // 0.5 >= 0.5
    CHECK(s.thresholds[1].upper_bound); // latency p50 80 <= 90
    CHECK(s.thresholds[1].met);
    CHECK_FALSE(s.thresholds[2].met); // contains mean 0.667 < 0.7
    CHECK_FALSE(s.passed);
    REQUIRE(c.case_outcomes.size() == 4);
    CHECK(c.case_outcomes[3].error.rfind("server", 0) == 0);
}

TEST_CASE("eval summary without thresholds requires every case to pass", "[eval_store]") {
    EvalStoreFixture f;
    std::int64_t all_pass = f.make_eval({true, true}, {1, 1}, {1, 2}, {});
    CHECK(load_summary(f.project.db(), all_pass).passed);
    std::int64_t one_fails = f.make_eval({true, true}, {1, 0}, {1, 2}, {});
    CHECK_FALSE(load_summary(f.project.db(), one_fails).passed);
}

TEST_CASE("eval compare pairs by id and flags a regression", "[eval_store]") {
    EvalStoreFixture f;
    std::vector<bool> ok(30, true);
    std::vector<double> good(30, 1), bad(30, 1), latency(30, 10);
    for (int i = 0; i < 12; ++i)
        bad[static_cast<std::size_t>(i)] = 0;
    std::int64_t a = f.make_eval(ok, good, latency, {});
    std::int64_t b = f.make_eval(ok, bad, latency, {});
    EvalComparison cmp = compare_eval_runs(f.project.db(), std::to_string(a), std::to_string(b));
    REQUIRE(cmp.cells.size() == 1);
    CHECK(cmp.cells[0].paired_by == "id");
    CHECK(cmp.cells[0].paired == 30);
    const MetricComparison* contains = nullptr;
    for (const auto& m : cmp.cells[0].metrics)
        if (m.metric == "contains") contains = &m;
    REQUIRE(contains);
    CHECK(contains->test == "mcnemar-exact"); // 12 discordant pairs
    CHECK(contains->p_value == Approx(2.0 * std::pow(0.5, 12)));
    CHECK(contains->diff == Approx(-0.4));
    CHECK(contains->regression);
    CHECK(contains->regressed.size() == 12);
    CHECK(cmp.regression);

    EvalComparison same = compare_eval_runs(f.project.db(), std::to_string(a), std::to_string(a));
    CHECK_FALSE(same.regression);
    CHECK_THROWS_AS(compare_eval_runs(f.project.db(), std::to_string(a), "999"), Error);
}

TEST_CASE("eval cases stream from the store as the summary sees them", "[eval_store]") {
    EvalStoreFixture f;
    std::int64_t id = f.make_eval({true, false, true, true}, {1, 0, 0, 1}, {5, 1, 7, 300}, {});
    EvalRunSummary loaded = load_summary(f.project.db(), id, {.with_cases = true});
    EvalRunSummary lean = load_summary(f.project.db(), id);
    REQUIRE(lean.cells.size() == 1);
    CHECK(lean.cells[0].case_outcomes.empty());
    CHECK(summary_to_json(lean)["cells"][0]["metrics"] ==
          summary_to_json(loaded)["cells"][0]["metrics"]);

    // One pass of the reader gives the cases load_summary holds, in order.
    std::vector<CaseOutcome> streamed;
    CellCases cases = stored_cases(f.project.db(), id);
    cases(lean.cells[0], [&](const CaseOutcome& c) { streamed.push_back(c); });
    REQUIRE(streamed.size() == 4);
    for (std::size_t i = 0; i < streamed.size(); ++i) {
        const CaseOutcome& a = streamed[i];
        const CaseOutcome& b = loaded.cells[0].case_outcomes[i];
        CHECK(a.case_index == static_cast<std::int64_t>(i));
        CHECK(a.case_id == b.case_id);
        CHECK(a.passed == b.passed);
        CHECK(a.error == b.error);
        CHECK(a.metrics.size() == b.metrics.size());
    }
    CHECK(streamed[0].passed);
    CHECK_FALSE(streamed[1].passed);
    CHECK(streamed[1].metrics.empty()); // no answer, no scores
    CHECK_FALSE(streamed[2].passed);    // contains failed
    CHECK_FALSE(streamed[3].passed);    // latency over 100
    CHECK(streamed[3].metrics.size() == 2);
    // A second pass reads them again.
    std::size_t again = 0;
    cases(lean.cells[0], [&](const CaseOutcome&) { ++again; });
    CHECK(again == 4);
}

TEST_CASE("eval summary: percentiles from ordered reads match numpy", "[eval_store]") {
    EvalStoreFixture f;
    std::vector<double> latency;
    for (int i = 0; i < 101; ++i)
        latency.push_back((i * 37) % 101); // 0..100, shuffled
    std::vector<bool> ok(latency.size(), true);
    std::vector<double> contains(latency.size(), 1);
    EvalRunSummary s = load_summary(f.project.db(), f.make_eval(ok, contains, latency, {}));
    const MetricAggregate& m = s.cells[0].metrics[1];
    CHECK(m.scored == 101);
    CHECK(m.min == 0);
    CHECK(m.max == 100);
    CHECK(m.mean == Approx(50));
    CHECK(m.p50 == 50);
    CHECK(m.p95 == 95);
}

TEST_CASE("thresholds scoped to cells are judged only there", "[eval_store]") {
    EvalStoreFixture f;
    std::vector<bool> ok(4, true);
    std::int64_t id = f.make_eval(ok, {1, 1, 1, 1}, {1, 1, 1, 1},
                                  {{"", "pass_rate", 0.5, {}}, {"contains", "mean", 0.9, {1}}});
    f.add_cell_rows(id, 1, "p@1 × other", ok, {1, 0, 0, 0}, {1, 1, 1, 1});
    EvalRunSummary s = load_summary(f.project.db(), id);
    REQUIRE(s.thresholds.size() == 3); // pass_rate in both cells, contains only in cell 1
    CHECK(s.thresholds[0].cell == "p@1 × echo");
    CHECK(s.thresholds[0].met);
    CHECK(s.thresholds[1].cell == "p@1 × other");
    CHECK_FALSE(s.thresholds[1].met); // 1 of 4 pass
    CHECK(s.thresholds[2].cell == "p@1 × other");
    CHECK(s.thresholds[2].metric == "contains");
    CHECK_FALSE(s.thresholds[2].met);
    CHECK_FALSE(s.passed);
    // Stored and read back with the run.
    Scoring scoring = load_eval_header(f.project.db(), id).scoring;
    REQUIRE(scoring.thresholds.size() == 2);
    CHECK(scoring.thresholds[1].cells == std::vector<int>{1});
}

TEST_CASE("two cells of one run are compared case by case", "[eval_store]") {
    EvalStoreFixture f;
    std::vector<bool> ok(30, true);
    std::vector<double> good(30, 1), worse(30, 1), latency(30, 10);
    for (int i = 0; i < 12; ++i)
        worse[static_cast<std::size_t>(i)] = 0;
    std::int64_t id = f.make_eval(ok, good, latency, {}, {{0, 1}});
    f.add_cell_rows(id, 1, "p@2 × echo", ok, worse, latency);
    auto& db = f.project.db();

    EvalComparison cmp = compare_cells_of_run(db, std::to_string(id), "p@1 x echo", "p@2");
    CHECK(cmp.run_a == id);
    CHECK(cmp.run_b == id);
    REQUIRE(cmp.cells.size() == 1);
    CHECK(cmp.cells[0].cell_a == "p@1 × echo");
    CHECK(cmp.cells[0].cell_b == "p@2 × echo");
    CHECK(cmp.cells[0].paired_by == "case");
    CHECK(cmp.cells[0].paired == 30);
    const MetricComparison* contains = nullptr;
    for (const auto& m : cmp.cells[0].metrics)
        if (m.metric == "contains") contains = &m;
    REQUIRE(contains);
    // The same test and figures as two runs with these cases would give.
    CHECK(contains->test == "mcnemar-exact");
    CHECK(contains->p_value == Approx(2.0 * std::pow(0.5, 12)));
    CHECK(contains->diff == Approx(-0.4));
    CHECK(contains->regression);
    CHECK(cmp.regression);
    // The other way round B is better.
    CHECK_FALSE(compare_cells_of_run(db, std::to_string(id), "p@2", "p@1").regression);
    CHECK_THROWS_AS(compare_cells_of_run(db, std::to_string(id), "p@1", "p@1 × echo"), Error);

    // The spec's baseline makes every summary report cell 1 against cell 0.
    EvalRunSummary s = load_summary(db, id);
    REQUIRE(s.versus_baseline.size() == 1);
    CHECK(s.versus_baseline[0].cell_a == "p@1 × echo");
    CHECK(s.versus_baseline[0].cell_b == "p@2 × echo");
    CHECK(cell_comparison_to_json(s.versus_baseline[0]) == cell_comparison_to_json(cmp.cells[0]));
    CHECK(summary_to_json(s)["baseline"].size() == 1);
    CHECK(load_summary(db, id, {.versus_baseline = false}).versus_baseline.empty());
}

TEST_CASE("cells are named by label, prompt or provider", "[eval_store]") {
    std::vector<std::string> labels = {"qa@1 × local", "qa@1 × remote", "qa@2 × local",
                                       "qa@2 × remote", "other@1 × exec:./model.sh"};
    CHECK(find_cell(labels, "qa@2 × remote") == 3);
    CHECK(find_cell(labels, "qa@2 x remote") == 3);
    CHECK(find_cell(labels, "qa@2/remote") == 3);
    CHECK(find_cell(labels, "other") == 4);
    CHECK(find_cell(labels, "exec:./model.sh") == 4);
    // Without a version a prompt name matches every version of it.
    for (const char* ambiguous : {"qa@1", "local", "qa x local", "qa/remote"}) {
        INFO(ambiguous);
        try {
            find_cell(labels, ambiguous);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::BadInput);
            CHECK(e.message().find("names 2 cells") != std::string::npos);
        }
    }
    try {
        find_cell(labels, "nope");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.message() == "no cell 'nope'");
        CHECK(e.hint().find("'qa@1 × local'") != std::string::npos);
    }
}
