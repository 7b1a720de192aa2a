// Eval storage and aggregation: scores written row by row come back as per-cell aggregates,
// case verdicts and threshold outcomes (lower-is-better metrics read thresholds as upper
// bounds); comparison pairs cases by id and picks McNemar or Wilcoxon.
#include "eval/eval_compare.hpp"
#include "eval/eval_store.hpp"
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

struct Fixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    std::int64_t prompt_version = 0;

    Fixture() {
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
                           std::vector<StoredThreshold> thresholds) {
        auto& db = project.db();
        NewEvalRun run;
        run.spec = json::object();
        run.data_source = "inline";
        run.case_count = static_cast<std::int64_t>(answer_ok.size());
        run.scoring.metrics = {{"contains", "contains", false}, {"latency", "latency", true}};
        run.scoring.thresholds = std::move(thresholds);
        std::int64_t id = create_eval_run(db, run);
        std::vector<StoredCase> cases;
        for (std::size_t i = 0; i < answer_ok.size(); ++i)
            cases.push_back({static_cast<std::int64_t>(i), "c" + std::to_string(i),
                             "h" + std::to_string(i), json{{"q", i}}.dump()});
        record_cases(db, id, cases);
        run::NewRun cell_run;
        cell_run.kind = "eval";
        cell_run.prompt_version_id = prompt_version;
        cell_run.data_source = "inline";
        cell_run.provider_id = "echo";
        cell_run.provider_config = json::object();
        cell_run.row_count = run.case_count;
        std::int64_t run_id = run::create_run(db, cell_run);
        add_cell(db, id, {0, run_id, "p@1 × echo"});
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
            scores.push_back(
                {0, row.row_index, 0, "contains", contains[i], contains[i] == 1, "", "", nullptr});
            scores.push_back(
                {0, row.row_index, 1, "latency", latency[i], latency[i] <= 100, "", "", nullptr});
        }
        run::record_rows(db, run_id, rows);
        record_scores(db, id, scores);
        run::finish_run(db, run_id, run::RunStatus::Completed, 1.0);
        return id;
    }
};

} // namespace

TEST_CASE("eval summary: verdicts, aggregates and thresholds", "[eval_store]") {
    Fixture f;
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
    Fixture f;
    std::int64_t all_pass = f.make_eval({true, true}, {1, 1}, {1, 2}, {});
    CHECK(load_summary(f.project.db(), all_pass).passed);
    std::int64_t one_fails = f.make_eval({true, true}, {1, 0}, {1, 2}, {});
    CHECK_FALSE(load_summary(f.project.db(), one_fails).passed);
}

TEST_CASE("eval compare pairs by id and flags a regression", "[eval_store]") {
    Fixture f;
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
