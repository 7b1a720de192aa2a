#include "drift/drift_report.hpp"

#include "core/error.hpp"
#include "drift/parallel_read.hpp"
#include "drift/value_sort.hpp"
#include "stats/distribution_distances.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <fmt/format.h>
#include <future>
#include <map>
#include <set>
#include <thread>

namespace llmops::drift {

namespace {

std::string number_key(double v) {
    return fmt::format("{}", v); // shortest round-trip text
}

bool is_numeric_side(const ColumnSample& s) {
    return s.numbers > 0;
}

const char* side_kind(const ColumnSample& s, bool text) {
    if (s.numbers > 0) return "numeric";
    return text ? "text" : "categorical";
}

// A string column is text (descriptors) rather than categorical when it has too many distinct
// values to count, or when most values are distinct and hold two or more words on average.
bool looks_like_text(const ColumnSample& r, const ColumnSample& c, std::size_t unique) {
    if (r.too_many_categories || c.too_many_categories) return true;
    const double strings = static_cast<double>(r.strings + c.strings);
    if (strings == 0) return false;
    const double words = r.text.word_total + c.text.word_total;
    return static_cast<double>(unique) / strings >= 0.5 && words / strings >= 2.0;
}

// Distinct values of two ascending samples together.
std::size_t distinct_numbers(const std::vector<double>& a, const std::vector<double>& b) {
    // A merge walk over both ascending samples, counting each new value once.
    std::size_t i = 0, j = 0, distinct = 0;
    while (i < a.size() || j < b.size()) {
        const double x = j == b.size() || (i < a.size() && a[i] < b[j]) ? a[i] : b[j];
        ++distinct;
        while (i < a.size() && a[i] == x)
            ++i;
        while (j < b.size() && b[j] == x)
            ++j;
    }
    return distinct;
}

// Category counts of ascending numbers, keyed by their shortest round-trip text.
std::map<std::string, std::uint64_t> number_categories(const std::vector<double>& sorted) {
    std::map<std::string, std::uint64_t> out;
    for (std::size_t i = 0; i < sorted.size();) {
        std::size_t j = i;
        while (j < sorted.size() && sorted[j] == sorted[i])
            ++j;
        out[number_key(sorted[i])] += j - i;
        i = j;
    }
    return out;
}

// Reasons a side cannot be compared, or empty.
std::string side_problem(const ColumnSample& s, const char* side) {
    if (s.missing == s.rows) return fmt::format("missing in {}", side);
    if (s.non_null() == 0) return fmt::format("all null in {}", side);
    if (s.non_finite_row)
        return fmt::format("non-finite number in {} (row {})", side, *s.non_finite_row + 1);
    if (s.numbers > 0 && s.numbers != s.non_null())
        return fmt::format("mixed types in {} ({} numbers, {} other values)", side, s.numbers,
                           s.non_null() - s.numbers);
    return "";
}

void fill_histogram(ColumnResult& out, ColumnKind kind, const ColumnValues& r,
                    const ColumnValues& c) {
    try {
        stats::BinnedShares shares;
        if (kind == ColumnKind::Numeric) {
            shares = stats::sturges_shares(r.numbers, c.numbers);
            for (std::size_t i = 0; i + 1 < shares.edges.size(); ++i)
                out.bin_labels.push_back(
                    fmt::format("{:.4g}..{:.4g}", shares.edges[i], shares.edges[i + 1]));
        } else {
            shares = stats::category_shares(r.categories, c.categories);
            out.bin_labels = shares.labels;
        }
        out.reference_shares = shares.reference;
        out.current_shares = shares.current;
    } catch (const Error&) {
        // No histogram for this column; the test result still stands.
    }
}

TestOutcome run_chosen(const std::string& column, const DriftOptions& options, ColumnKind kind,
                       const ColumnValues& r, const ColumnValues& c, std::size_t unique,
                       const std::string& test_override = "") {
    std::string test = test_override;
    if (test.empty()) {
        auto it = options.tests.find(column);
        test = it != options.tests.end() ? it->second : default_test(kind, r.size(), unique);
    }
    std::optional<double> threshold;
    if (auto it = options.thresholds.find(column); it != options.thresholds.end())
        threshold = it->second;
    return run_test(test, kind, r, c, threshold);
}

// The samples' value vectors are moved out: each column is compared once.
void compare_numeric(ColumnResult& out, const DriftOptions& options, ColumnSample& rs,
                     ColumnSample& cs) {
    ColumnValues r, c;
    r.numbers = std::move(rs.numeric_values);
    c.numbers = std::move(cs.numeric_values);
    // No test depends on row order; sorted once here, every later sort is cheap.
    sort_values(r.numbers);
    sort_values(c.numbers);
    out.unique_values = distinct_numbers(r.numbers, c.numbers);
    if (out.unique_values <= 1) {
        out.skipped = "constant in reference and current";
        return;
    }
    if (distinct_numbers(r.numbers, {}) == 1) out.notes.push_back("constant in reference");
    if (out.unique_values <= kCategoryLimit) {
        r.categories = number_categories(r.numbers);
        c.categories = number_categories(c.numbers);
    }
    out.outcome = run_chosen(out.column, options, ColumnKind::Numeric, r, c, out.unique_values);
    fill_histogram(out, ColumnKind::Numeric, r, c);
}

void compare_categorical(ColumnResult& out, const DriftOptions& options, const ColumnSample& rs,
                         const ColumnSample& cs) {
    ColumnValues r, c;
    r.categories.insert(rs.categories.begin(), rs.categories.end());
    c.categories.insert(cs.categories.begin(), cs.categories.end());
    if (out.unique_values <= 1) {
        out.skipped = "constant in reference and current";
        return;
    }
    if (r.categories.size() == 1) out.notes.push_back("constant in reference");
    out.outcome = run_chosen(out.column, options, ColumnKind::Categorical, r, c, out.unique_values);
    fill_histogram(out, ColumnKind::Categorical, r, c);
}

void compare_text(ColumnResult& out, const DriftOptions& options, ColumnSample& rs,
                  ColumnSample& cs) {
    bool descriptor_drift = false;
    struct Descriptor {
        const char* name;
        std::vector<double>* sides[2];
    };
    const Descriptor descriptors[] = {
        {"length_chars", {&rs.text.length_chars, &cs.text.length_chars}},
        {"length_words", {&rs.text.length_words, &cs.text.length_words}},
        {"non_letter_share", {&rs.text.non_letter_share, &cs.text.non_letter_share}},
        {"oov_share", {&rs.text.oov_share, &cs.text.oov_share}},
    };
    for (const auto& [name, sides] : descriptors) { // NOLINT: structured binding of an array
        ColumnValues r, c;
        r.numbers = std::move(*sides[0]);
        c.numbers = std::move(*sides[1]);
        sort_values(r.numbers);
        sort_values(c.numbers);
        // The column's histogram is of its length in characters (binned counts: the order of
        // the values does not matter, so the sorted ones serve without a copy).
        if (sides[0] == &rs.text.length_chars && !r.numbers.empty() && !c.numbers.empty())
            fill_histogram(out, ColumnKind::Numeric, r, c);
        if (r.numbers.empty() || c.numbers.empty()) {
            out.notes.push_back(fmt::format("{}: no values on one side", name));
            continue;
        }
        const std::size_t unique = distinct_numbers(r.numbers, c.numbers);
        if (unique <= 1) {
            out.notes.push_back(fmt::format("{}: constant in reference and current", name));
            continue;
        }
        if (unique <= kCategoryLimit) {
            r.categories = number_categories(r.numbers);
            c.categories = number_categories(c.numbers);
        }
        const std::string key = out.column + ":" + name;
        std::string test;
        if (auto it = options.tests.find(key); it != options.tests.end()) test = it->second;
        try {
            TestOutcome o = run_chosen(key, options, ColumnKind::Numeric, r, c, unique, test);
            descriptor_drift = descriptor_drift || o.drifted;
            out.descriptors.emplace_back(name, std::move(o));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::BadInput) throw;
            out.notes.push_back(fmt::format("{}: skipped: {}", name, e.what()));
        }
    }
    try {
        out.content =
            classify_domains(rs.text_sample, cs.text_sample, static_cast<std::size_t>(rs.strings));
        if (auto it = options.thresholds.find(out.column); it != options.thresholds.end()) {
            out.content->threshold = it->second;
            out.content->threshold_rule = "--threshold";
            out.content->drifted = out.content->roc_auc > it->second;
        }
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        out.notes.push_back(fmt::format("domain classifier: skipped: {}", e.what()));
    }
    out.drifted = out.content ? out.content->drifted : descriptor_drift;
    if (out.descriptors.empty() && !out.content)
        out.skipped = "no text descriptor could be compared";
}

using Samples = std::map<std::string, ColumnSample>;

// The reference is read on a thread of its own; the current side starts as soon as the
// reference's vocabulary half is read (its OOV shares need the whole vocabulary) and is read
// alongside the reference's second half, during which the vocabulary is only looked up.
void read_both(ColumnSource& reference, ColumnSource& current,
               const std::vector<std::string>& columns, Vocabulary& vocabulary,
               Samples& ref_samples, Samples& cur_samples) {
    std::promise<void> ready;
    std::future<void> vocabulary_ready = ready.get_future();
    std::atomic<bool> reference_failed{false};
    std::exception_ptr reference_error, current_error;
    std::thread reading_reference([&] {
        bool signalled = false;
        try {
            ref_samples = read_columns(reference, columns, vocabulary, true, [&] {
                signalled = true;
                ready.set_value();
            });
        } catch (...) {
            reference_error = std::current_exception();
            reference_failed.store(true);
        }
        if (!signalled) ready.set_value();
    });
    vocabulary_ready.wait();
    if (!reference_failed.load()) {
        try {
            cur_samples = read_columns(current, columns, vocabulary, false);
        } catch (...) {
            current_error = std::current_exception();
        }
    }
    reading_reference.join();
    // The reference's error first, as reading the sides one after the other would report it.
    if (reference_error) std::rethrow_exception(reference_error);
    if (current_error) std::rethrow_exception(current_error);
}

// One column's comparison: its kind, the test (or why it was skipped).
ColumnResult compare_column(const std::string& column, ColumnSample& rs, ColumnSample& cs,
                            const DriftOptions& options) {
    ColumnResult out;
    out.column = column;
    out.reference_values = static_cast<std::size_t>(rs.non_null());
    out.current_values = static_cast<std::size_t>(cs.non_null());
    std::string problem = side_problem(rs, "reference");
    if (problem.empty()) problem = side_problem(cs, "current");
    std::set<std::string> union_keys;
    for (const auto& [k, n] : rs.categories)
        union_keys.insert(k);
    for (const auto& [k, n] : cs.categories)
        union_keys.insert(k);
    out.unique_values = union_keys.size();
    const bool text = !is_numeric_side(rs) && !is_numeric_side(cs) &&
                      rs.booleans + cs.booleans == 0 && looks_like_text(rs, cs, union_keys.size());
    if (problem.empty() && is_numeric_side(rs) != is_numeric_side(cs))
        problem =
            fmt::format("{} in reference, {} in current", side_kind(rs, text), side_kind(cs, text));
    if (!problem.empty()) {
        out.skipped = problem;
        return out;
    }
    try {
        if (is_numeric_side(rs)) {
            out.kind = ColumnKind::Numeric;
            compare_numeric(out, options, rs, cs);
        } else if (text) {
            out.kind = ColumnKind::Text;
            compare_text(out, options, rs, cs);
        } else {
            out.kind = ColumnKind::Categorical;
            compare_categorical(out, options, rs, cs);
        }
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        out.skipped = e.what();
    }
    return out;
}

// Every column compared, in their order, the columns shared out among one thread per core
// (at most one per column): each comparison reads only its own column's samples.
std::vector<ColumnResult> compare_columns(const std::vector<std::string>& columns,
                                          Samples& ref_samples, Samples& cur_samples,
                                          const DriftOptions& options) {
    std::vector<ColumnResult> results(columns.size());
    std::vector<std::exception_ptr> errors(columns.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i = next++; i < columns.size(); i = next++) {
            try {
                results[i] = compare_column(columns[i], ref_samples.at(columns[i]),
                                            cur_samples.at(columns[i]), options);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < std::min(cores, columns.size()); ++t)
        helpers.emplace_back(work);
    work();
    for (auto& helper : helpers)
        helper.join();
    for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
    return results;
}

} // namespace

nlohmann::json ColumnResult::to_json() const {
    nlohmann::json j = {{"column", column},
                        {"kind", kind ? nlohmann::json(kind_name(*kind)) : nlohmann::json()},
                        {"reference_values", reference_values},
                        {"current_values", current_values},
                        {"unique_values", unique_values},
                        {"drifted", drifted},
                        {"notes", notes}};
    j["skipped"] = skipped.empty() ? nlohmann::json() : nlohmann::json(skipped);
    j["test"] = outcome ? outcome->to_json() : nlohmann::json();
    nlohmann::json d = nlohmann::json::object();
    for (const auto& [name, o] : descriptors)
        d[name] = o.to_json();
    j["descriptors"] = d;
    j["content"] = content ? content->to_json() : nlohmann::json();
    return j;
}

nlohmann::json DriftReport::to_json() const {
    nlohmann::json cols = nlohmann::json::array();
    for (const auto& c : columns)
        cols.push_back(c.to_json());
    return {{"reference", {{"source", reference}, {"rows", reference_rows}}},
            {"current", {{"source", current}, {"rows", current_rows}}},
            {"columns", cols},
            {"tested_columns", tested},
            {"drifted_columns", drifted},
            {"drifted_share", drifted_share},
            {"drift_share", drift_share},
            {"dataset_drifted", dataset_drifted}};
}

void validate_options(const DriftOptions& options) {
    for (const auto& [column, test] : options.tests)
        if (!is_test_name(test)) {
            std::string names;
            for (const auto& n : test_names())
                names += (names.empty() ? "" : ", ") + n;
            throw Error(ErrorKind::Usage, fmt::format("--test {}={}: unknown test (one of: {})",
                                                      column, test, names));
        }
    for (const auto& [column, value] : options.thresholds)
        if (!std::isfinite(value) || value < 0)
            throw Error(ErrorKind::Usage,
                        fmt::format("--threshold {}: must be a number of at least 0", column));
    if (!(options.drift_share > 0 && options.drift_share <= 1))
        throw Error(ErrorKind::Usage, "--drift-share: must be in (0, 1]");
}

DriftReport run_drift(ColumnSource& reference, ColumnSource& current, const DriftOptions& options) {
    validate_options(options);
    DriftReport report;
    report.reference = reference.label();
    report.current = current.label();
    report.drift_share = options.drift_share;
    std::vector<std::string> columns = options.columns;
    const auto ref_fields = reference.fields(), cur_fields = current.fields();
    if (columns.empty()) {
        columns = reference.default_fields();
        for (const auto& f : current.default_fields())
            if (std::find(columns.begin(), columns.end(), f) == columns.end()) columns.push_back(f);
    } else {
        for (const auto& c : columns)
            if (std::find(ref_fields.begin(), ref_fields.end(), c) == ref_fields.end() &&
                std::find(cur_fields.begin(), cur_fields.end(), c) == cur_fields.end())
                throw_bad_input(fmt::format("column '{}' is in neither {} nor {}", c,
                                            report.reference, report.current));
    }
    // A column named twice is compared once (each comparison takes the column's values).
    std::vector<std::string> unique_columns;
    for (const auto& c : columns)
        if (std::find(unique_columns.begin(), unique_columns.end(), c) == unique_columns.end())
            unique_columns.push_back(c);
    columns = std::move(unique_columns);
    Vocabulary vocabulary;
    Samples ref_samples, cur_samples;

    if (reads_in_parts(reference, current)) {
        read_in_parts(reference, current, columns, vocabulary, ref_samples, cur_samples);
    } else if (reference.reads_concurrently() && current.reads_concurrently()) {
        read_both(reference, current, columns, vocabulary, ref_samples, cur_samples);
    } else {
        ref_samples = read_columns(reference, columns, vocabulary, true);
        cur_samples = read_columns(current, columns, vocabulary, false);
    }
    report.reference_rows =
        ref_samples.empty() ? reference.row_count().value_or(0) : ref_samples.begin()->second.rows;
    report.current_rows =
        cur_samples.empty() ? current.row_count().value_or(0) : cur_samples.begin()->second.rows;
    if (report.reference_rows == 0)
        throw_bad_input(fmt::format("reference {} has no rows", report.reference));
    if (report.current_rows == 0)
        throw_bad_input(fmt::format("current {} has no rows", report.current));
    std::vector<ColumnResult> results = compare_columns(columns, ref_samples, cur_samples, options);
    std::string reasons;
    for (ColumnResult& out : results) {
        if (out.outcome) out.drifted = out.outcome->drifted;
        if (out.skipped.empty()) {
            ++report.tested;
            if (out.drifted) ++report.drifted;
        } else {
            out.drifted = false;
            out.outcome.reset();
            out.descriptors.clear();
            reasons +=
                fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", out.column, out.skipped);
        }
        report.columns.push_back(std::move(out));
    }
    if (report.tested == 0)
        throw_bad_input(columns.empty() ? std::string("no columns to compare")
                                        : "no column could be compared (" + reasons + ")");
    report.drifted_share = static_cast<double>(report.drifted) / static_cast<double>(report.tested);
    report.dataset_drifted = report.drifted_share >= options.drift_share;
    return report;
}

} // namespace llmops::drift
