#pragma once
// The drift tests by name, their default thresholds and verdict rules, Evidently's default
// choice per column, and the effect size each reports (docs/drift.md, "Tests").
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmops::drift {

enum class ColumnKind { Numeric, Categorical, Text };
const char* kind_name(ColumnKind kind);

// One side of one column as the tests see it: numbers (numeric columns) or category counts.
struct ColumnValues {
    std::vector<double> numbers;
    std::map<std::string, std::uint64_t> categories; // for numeric columns: by number text
    std::size_t size() const;
};

struct TestOutcome {
    std::string test;              // "ks", "wasserstein", ...
    std::string method;            // how the p-value was found: "exact", ...
    double statistic = 0;          // +infinity is possible (chisquare): JSON "inf"
    std::optional<double> p_value; // tests that give one
    double threshold = 0;          // the value the verdict compares against
    std::string rule;              // "p <= threshold", "statistic >= threshold" ...
    bool drifted = false;
    std::string effect_size_name;      // "ks_d", "cohen_d", "cramers_v", ...
    std::optional<double> effect_size; // absent when undefined (no variance)
    nlohmann::json to_json() const;
};

// Every name --test accepts, in documentation order.
const std::vector<std::string>& test_names();
bool is_test_name(const std::string& name);
// The default threshold of a test, Evidently's (docs/drift.md, "Tests").
double default_threshold(const std::string& test);

// Evidently's _get_default_stattest: `reference_rows` non-null reference values, `unique` the
// distinct values of reference and current together.
std::string default_test(ColumnKind kind, std::size_t reference_rows, std::size_t unique);

// Runs `test` on the two sides. Throws BadInput (the message becomes the column's skip reason)
// when the test cannot be computed on them (zero variance for a t-test, more than two
// categories for z or fisher_exact, ...).
TestOutcome run_test(const std::string& test, ColumnKind kind, const ColumnValues& reference,
                     const ColumnValues& current, std::optional<double> threshold);

} // namespace llmops::drift
