// lib/drift: Evidently's default test choice, the dataset verdict, per-column skip reasons and
// the domain classifier, over an in-memory ColumnSource (the seam a request-log selection will
// implement; the dataset-backed source is covered end to end by tests/cli/test_drift.sh).
#include "core/error.hpp"
#include "drift/column_tests.hpp"
#include "drift/domain_classifier.hpp"
#include "drift/drift_report.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace llmops::drift;

namespace {

class RowsSource : public ColumnSource {
  public:
    RowsSource(std::string label, std::vector<nlohmann::json> rows)
        : label_(std::move(label)), rows_(std::move(rows)) {}
    std::string label() const override { return label_; }
    std::optional<std::int64_t> row_count() const override {
        return static_cast<std::int64_t>(rows_.size());
    }
    std::vector<std::string> fields() const override {
        std::vector<std::string> out;
        for (const auto& r : rows_)
            for (const auto& [k, v] : r.items())
                if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
        return out;
    }
    void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) override {
        for (std::size_t i = 0; i < rows_.size(); ++i) {
            const std::string text = rows_[i].dump();
            if (!fn(text, static_cast<std::int64_t>(i))) return;
        }
    }

  private:
    std::string label_;
    std::vector<nlohmann::json> rows_;
};

} // namespace

TEST_CASE("default test per column follows Evidently's _get_default_stattest", "[drift]") {
    CHECK(default_test(ColumnKind::Numeric, 1000, 6) == "ks");
    CHECK(default_test(ColumnKind::Numeric, 1000, 5) == "chisquare");
    CHECK(default_test(ColumnKind::Numeric, 1000, 2) == "z");
    CHECK(default_test(ColumnKind::Categorical, 1000, 3) == "chisquare");
    CHECK(default_test(ColumnKind::Categorical, 10, 2) == "z");
    CHECK(default_test(ColumnKind::Numeric, 1001, 6) == "wasserstein");
    CHECK(default_test(ColumnKind::Numeric, 1001, 5) == "jensenshannon");
    CHECK(default_test(ColumnKind::Categorical, 1001, 50) == "jensenshannon");
    // Evidently's default thresholds (each stattests/*.py).
    CHECK(default_threshold("ks") == 0.05);
    CHECK(default_threshold("mannw") == 0.05);
    CHECK(default_threshold("psi") == 0.1);
    CHECK(default_threshold("anderson") == 0.1);
    CHECK(default_threshold("cramer_von_mises") == 0.1);
    CHECK(default_threshold("fisher_exact") == 0.1);
}

TEST_CASE("verdicts: ks at p <= threshold, distances at statistic >= threshold", "[drift]") {
    ColumnValues a, b;
    a.numbers = {1, 2, 3, 4, 5, 6, 7, 8};
    b.numbers = {1, 2, 3, 4, 5, 6, 7, 8};
    const TestOutcome same = run_test("ks", ColumnKind::Numeric, a, b, std::nullopt);
    CHECK(same.p_value.value() == 1.0);
    CHECK_FALSE(same.drifted);
    CHECK(run_test("ks", ColumnKind::Numeric, a, b, 1.0).drifted); // p = 1 <= 1
    const TestOutcome w = run_test("wasserstein", ColumnKind::Numeric, a, b, 0.0);
    CHECK(w.statistic == 0.0);
    CHECK(w.drifted); // 0 >= 0
    ColumnValues c;
    c.categories = {{"x", 3}, {"y", 1}, {"z", 1}};
    CHECK_THROWS_AS(run_test("z", ColumnKind::Categorical, c, c, std::nullopt), llmops::Error);
}

TEST_CASE("run_drift: dataset verdict by the share of drifted columns", "[drift]") {
    std::vector<nlohmann::json> ref, cur;
    for (int i = 0; i < 200; ++i) {
        ref.push_back({{"a", (i * 37 % 101) / 10.0}, {"b", (i * 13 % 97) / 10.0}});
        cur.push_back({{"a", 5.0 + (i * 37 % 101) / 10.0}, {"b", (i * 13 % 97) / 10.0}});
    }
    RowsSource r("ref", ref), c("cur", cur);
    DriftOptions options;
    DriftReport report = run_drift(r, c, options);
    REQUIRE(report.tested == 2);
    CHECK(report.drifted == 1);
    CHECK(report.dataset_drifted); // 1/2 >= 0.5
    options.drift_share = 0.6;
    RowsSource r2("ref", ref), c2("cur", cur);
    CHECK_FALSE(run_drift(r2, c2, options).dataset_drifted);
    const auto j = report.to_json();
    CHECK(j["columns"][0]["test"]["test"] == "ks");
    CHECK(j["columns"][0]["test"]["effect_size"]["name"] == "ks_d");
}

TEST_CASE("run_drift: skip reasons and one-line errors", "[drift]") {
    std::vector<nlohmann::json> ref = {{{"n", 1}, {"s", "a"}, {"k", 1}},
                                       {{"n", 2}, {"s", "b"}, {"k", 1}},
                                       {{"n", 3}, {"s", "a"}, {"k", 1}}};
    // A number beyond double range, as a non-dataset source could deliver it.
    std::vector<nlohmann::json> cur = {nlohmann::json::parse(R"({"n": 1, "s": 1, "k": 1})"),
                                       nlohmann::json::parse(R"({"n": 2, "s": 2, "k": 1})")};
    class Overflow : public RowsSource {
      public:
        using RowsSource::RowsSource;
        void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) override {
            fn(R"({"k":1,"n":1e999,"s":1})", 0);
            fn(R"({"k":1,"n":2,"s":2})", 1);
        }
    };
    RowsSource r("ref", ref);
    Overflow c("cur", cur);
    try {
        run_drift(r, c, {});
        FAIL("expected an error: nothing is testable");
    } catch (const llmops::Error& e) {
        const std::string message = e.what();
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK(message.find("n: non-finite number in current (row 1)") != std::string::npos);
        CHECK(message.find("s: categorical in reference, numeric in current") != std::string::npos);
        CHECK(message.find("k: constant in reference and current") != std::string::npos);
    }
    RowsSource empty("empty", {});
    RowsSource r2("ref", ref);
    CHECK_THROWS_WITH(run_drift(r2, empty, {}), Catch::Contains("has no rows"));
    DriftOptions bad_test;
    bad_test.tests["n"] = "nope";
    RowsSource r3("ref", ref), c3("cur", ref);
    CHECK_THROWS_WITH(run_drift(r3, c3, bad_test), Catch::Contains("unknown test"));
}

TEST_CASE("roc_auc counts ties as one half", "[drift]") {
    // [hand] positives {0.8, 0.5}, negatives {0.5, 0.1}: pairs (0.8>0.5)=1, (0.8>0.1)=1,
    // (0.5=0.5)=0.5, (0.5>0.1)=1 -> 3.5 / 4.
    CHECK(roc_auc({0.8, 0.5, 0.5, 0.1}, {1, 1, 0, 0}) == 0.875);
    CHECK_THROWS(roc_auc({0.1, 0.2}, {1, 1}));
}

TEST_CASE("domain classifier separates different topics and explains why", "[drift]") {
    std::vector<std::string> ref, cur, ref_again;
    const char* ref_words[] = {"invoice", "refund", "billing", "payment", "password", "login"};
    const char* cur_words[] = {"wallet", "crypto", "token", "invoice", "refund", "login"};
    for (int i = 0; i < 300; ++i) {
        std::string a, b, c;
        for (int k = 0; k < 5; ++k) {
            a += std::string(ref_words[(i * 7 + k * 3) % 6]) + " ";
            b += std::string(cur_words[(i * 5 + k * 2) % 6]) + " ";
            c += std::string(ref_words[(i * 11 + k * 5) % 6]) + " ";
        }
        ref.push_back(a);
        cur.push_back(b);
        ref_again.push_back(c);
    }
    const auto drifted = classify_domains(ref, cur, ref.size());
    CHECK(drifted.roc_auc > 0.9);
    CHECK(drifted.drifted);
    REQUIRE_FALSE(drifted.current_terms.empty());
    const std::string top = drifted.current_terms.front().first;
    CHECK((top == "wallet" || top == "crypto" || top == "token"));
    CHECK(drifted.current_examples.size() == 3);
    CHECK(drifted.reference_examples.size() == 3);
    // Same vocabulary on both sides: no better than chance.
    const auto same = classify_domains(ref, ref_again, ref.size());
    CHECK_FALSE(same.drifted);
    CHECK(same.threshold_rule.find("95th percentile") != std::string::npos);
    // Deterministic.
    CHECK(classify_domains(ref, cur, ref.size()).roc_auc == drifted.roc_auc);
}
