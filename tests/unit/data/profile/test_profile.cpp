#include "core/hash.hpp"
#include "core/text.hpp"
#include "data/dataset_writer.hpp"
#include "data/profile/dataset_profile.hpp"
#include "data/profile/duplicate_rows.hpp"
#include "data/profile/near_duplicates.hpp"
#include "report/profile_html.hpp"
#include "stats/distinct_counter.hpp"
#include "stats/hyperloglog.hpp"
#include "stats/top_values.hpp"
#include "stats/value_sample.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

using namespace llmops;
using namespace llmops::data;

namespace {

// Stores rows (JSON texts) as a dataset version and profiles it.
DatasetProfile profile_rows(const std::vector<std::string>& rows,
                            const ProfileOptions& options = {}) {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    DatasetWriter writer(project);
    for (const auto& r : rows)
        writer.add_row(canonical_json_text(r));
    VersionDraft draft;
    draft.name = "t";
    CommitResult result = writer.commit(draft);
    return profile_dataset(project, result.version, options);
}

const FieldProfile& field(const DatasetProfile& p, const std::string& name) {
    for (const auto& f : p.fields)
        if (f.name == name) return f;
    FAIL("no field " << name);
    throw;
}

} // namespace

TEST_CASE("profile: counts, types, missing and nulls", "[profile]") {
    DatasetProfile p = profile_rows({
        R"({"id": 1, "q": "hello world", "score": 0.5, "tag": "a"})",
        R"({"id": 2, "q": "hello world", "score": 1.5, "tag": null})",
        R"({"id": 3, "q": "three little words", "score": 2})",
        R"({"id": 4, "q": "", "score": "n/a", "tag": "a"})",
    });
    CHECK(p.dataset == "t@1");
    CHECK(p.rows == 4);
    CHECK(p.duplicate_rows == 0);
    CHECK(p.duplicate_rows_exact);
    REQUIRE(p.fields.size() == 4);
    CHECK(p.fields[0].name == "id"); // key order

    const auto& id = field(p, "id");
    CHECK(id.inferred_type == "integer");
    CHECK(id.missing == 0);
    CHECK(id.distinct == 4);
    REQUIRE(id.numeric);
    CHECK(id.numeric->min == 1);
    CHECK(id.numeric->max == 4);
    CHECK(id.numeric->mean == Approx(2.5));
    CHECK(id.numeric->stddev == Approx(std::sqrt(5.0 / 3.0))); // sample stddev
    CHECK(id.numeric->percentiles.p50 == Approx(2.5));         // the percentile rule: linear
    CHECK(id.numeric->percentiles.p90 == Approx(3.7));
    CHECK(id.numeric->exact_percentiles);

    const auto& score = field(p, "score");
    CHECK(score.inferred_type == "mixed");
    CHECK(score.types.at("number") == 2);
    CHECK(score.types.at("integer") == 1);
    CHECK(score.types.at("string") == 1);
    REQUIRE(score.numeric);
    CHECK(score.numeric->count == 3);
    CHECK(score.numeric->mean == Approx(4.0 / 3.0));

    const auto& tag = field(p, "tag");
    CHECK(tag.present == 3);
    CHECK(tag.missing == 1);
    CHECK(tag.missing_rate == Approx(0.25));
    CHECK(tag.nulls == 1);
    CHECK(tag.null_rate == Approx(0.25));
    CHECK(tag.distinct == 1); // nulls are not values
    REQUIRE(tag.top_values.size() == 1);
    CHECK(tag.top_values[0].value == "a");
    CHECK(tag.top_values[0].count == 2);

    const auto& q = field(p, "q");
    REQUIRE(q.text);
    CHECK(q.text->count == 4);
    CHECK(q.text->empty == 1);
    CHECK(q.text->chars.min == 0);
    CHECK(q.text->chars.max == 18);
    CHECK(q.text->chars.total == 11 + 11 + 18);
    CHECK(q.text->words.total == 2 + 2 + 3);
    CHECK(q.text->words.max == 3);
    CHECK(q.text->tokens.total == 3 + 3 + 5 + 0); // ceil(chars / 4) per value
    CHECK(q.top_values[0].value == "hello world");
    CHECK(q.top_values[0].count == 2);
    CHECK(q.top_values_exact);
    CHECK(q.distinct == 3);
    CHECK(q.text->histogram.counts.size() == 20);
}

TEST_CASE("profile: escapes, unicode and control characters", "[profile]") {
    DatasetProfile p = profile_rows({
        R"({"t": "line\nbreak\ttab"})",          // LF and tab: whitespace, not control
        R"({"t": "bell\u0007 and null\u0000"})", // two C0 controls
        R"({"t": "caf\u00e9 \u00fcber"})",       // 2-byte characters
        "{\"t\": \"c1 \xC2\x85 here\"}",         // U+0085 (C1)
        R"({"t": "\"quoted\" \\ slash"})",
    });
    const auto& t = field(p, "t");
    REQUIRE(t.text);
    CHECK(t.text->control_char_values == 2);
    CHECK(t.text->control_chars == 3);
    CHECK(t.text->invalid_utf8_values == 0);
    CHECK(p.invalid_utf8_rows == 0);
    // "line\nbreak\ttab" = 14 chars, 3 words; "café über" = 9 chars.
    CHECK(t.text->chars.min == 9);
    bool found = false;
    for (const auto& v : t.top_values)
        found = found || v.value == "line\nbreak\ttab";
    CHECK(found);
}

TEST_CASE("profile: exact duplicate rows and JSON shape", "[profile]") {
    std::vector<std::string> rows;
    for (int i = 0; i < 50; ++i)
        rows.push_back(R"({"a": )" + std::to_string(i % 20) + R"(, "b": "x"})");
    DatasetProfile p = profile_rows(rows);
    p.dataset = "t@1";
    CHECK(p.duplicate_rows == 30);
    nlohmann::json j = p.to_json();
    CHECK(j["rows"] == 50);
    CHECK(j["duplicate_rows"]["count"] == 30);
    CHECK(j["duplicate_rows"]["exact"] == true);
    CHECK(j["fields"][0]["name"] == "a");
    CHECK(j["fields"][0]["distinct"]["count"] == 20);
    CHECK(j["fields"][0]["numeric"]["histogram"]["counts"].size() == 20);
    CHECK(j["fields"][1]["text"]["chars"]["max"] == 1);
    CHECK(j["near_duplicates"]["field"] == "b");
    // 50 identical texts: every pair is a near duplicate.
    CHECK(j["near_duplicates"]["pairs_in_sample"] == 50 * 49 / 2);
    CHECK(j["near_duplicates"]["sample_rate"] == 1.0);
}

TEST_CASE("profile: memory budget switches to sketches", "[profile]") {
    ProfileOptions options;
    options.memory_budget = 1; // everything exact must give way
    options.field.reservoir = 100;
    DatasetProfiler profiler(options);
    for (int i = 0; i < 5000; ++i)
        profiler.add_row(canonical_json_text(R"({"n": )" + std::to_string(i) + "}"));
    DatasetProfile p = profiler.finish();
    const auto& n = p.fields.at(0);
    CHECK_FALSE(n.distinct_exact);
    CHECK(n.distinct == Approx(5000).epsilon(0.03));
    CHECK_FALSE(n.numeric->exact_percentiles);
    CHECK(n.numeric->min == 0);
    CHECK(n.numeric->max == 4999);
    CHECK(n.numeric->percentiles.p50 == Approx(2500).margin(600));
    CHECK(n.numeric->histogram.estimated);
    std::uint64_t total = 0;
    for (auto c : n.numeric->histogram.counts)
        total += c;
    CHECK(total == 5000);
}

TEST_CASE("profile: fields past the limit are only counted", "[profile]") {
    ProfileOptions options;
    options.max_fields = 1;
    DatasetProfiler profiler(options);
    profiler.add_row(canonical_json_text(R"({"a": 1, "b": "x"})"));
    DatasetProfile p = profiler.finish();
    REQUIRE(p.fields.size() == 2);
    CHECK(p.fields[0].profiled);
    CHECK_FALSE(p.fields[1].profiled);
    CHECK(p.fields[1].types.at("string") == 1);
    CHECK_FALSE(p.fields[1].text);
}

TEST_CASE("hyperloglog: within 2% on 2M distinct values", "[profile]") {
    stats::HyperLogLog hll;
    for (std::uint64_t i = 0; i < 2'000'000; ++i)
        hll.add_hash(hash64(std::to_string(i)));
    CHECK(hll.estimate() == Approx(2'000'000).epsilon(0.02));
    stats::HyperLogLog small;
    for (std::uint64_t i = 0; i < 1000; ++i)
        small.add_hash(hash64(std::to_string(i)));
    CHECK(small.estimate() == Approx(1000).epsilon(0.02));
    CHECK(stats::HyperLogLog().estimate() == 0);
}

TEST_CASE("distinct counter: exact below the limit, then an estimate", "[profile]") {
    stats::DistinctCounter counter(1000);
    for (int i = 0; i < 1000; ++i)
        counter.add_hash(hash64(std::to_string(i % 700)));
    CHECK(counter.exact());
    CHECK(counter.count() == 700);
    for (int i = 0; i < 30'000; ++i)
        counter.add_hash(hash64(std::to_string(i)));
    CHECK_FALSE(counter.exact());
    CHECK(static_cast<double>(counter.count()) == Approx(30'000).epsilon(0.03));
}

TEST_CASE("top values: exact up to the capacity, then Misra-Gries bounds", "[profile]") {
    stats::TopValues top(64);
    for (int i = 0; i < 10; ++i)
        top.add(hash64("\"x\""), "\"x\"");
    top.add(hash64("\"y\""), "\"y\"");
    CHECK(top.exact());
    CHECK(top.top(1)[0].count == 10);

    stats::TopValues sketch(64);
    std::uint64_t n = 0;
    for (int i = 0; i < 20'000; ++i, ++n) {
        std::string v = i % 4 == 0 ? "\"hot\"" : "\"v" + std::to_string(i) + "\"";
        sketch.add(hash64(v), v);
    }
    CHECK_FALSE(sketch.exact());
    auto best = sketch.top(3);
    REQUIRE_FALSE(best.empty());
    CHECK(best[0].text == "\"hot\"");
    CHECK(best[0].count <= 5000);
    CHECK(best[0].count + sketch.error_bound() >= 5000);
    CHECK(sketch.error_bound() <= 2 * n / 64);
}

TEST_CASE("value sample: exact percentiles, then a reservoir", "[profile]") {
    stats::ValueSample exact(1000, 100);
    for (int i = 1; i <= 100; ++i)
        exact.add(i);
    // numpy.percentile(range(1, 101), [50, 90, 99]) -> 50.5, 90.1, 99.01
    CHECK(exact.percentile(50) == Approx(50.5));
    CHECK(exact.percentile(90) == Approx(90.1));
    CHECK(exact.percentile(99) == Approx(99.01));
    CHECK(exact.percentile(0) == 1);
    CHECK(exact.percentile(100) == 100);
    // A monotone map gives the percentile of the mapped values: ceil(x / 4) at 50.5 lies
    // between ceil(50 / 4) = 13 and ceil(51 / 4) = 13.
    CHECK(exact.percentile(50, [](double x) { return std::ceil(x / 4); }) == 13);
    CHECK(exact.percentile(99, [](double x) { return std::ceil(x / 4); }) == Approx(25));

    stats::ValueSample sampled(1000, 10'000);
    for (int i = 0; i < 200'000; ++i)
        sampled.add((i * 7919) % 200'000);
    CHECK_FALSE(sampled.exact());
    CHECK(sampled.percentile(50) == Approx(100'000).margin(4'000));
    CHECK(sampled.percentile(99) == Approx(198'000).margin(1'000));
}

TEST_CASE("duplicate rows: sampling past the limit", "[profile]") {
    DuplicateRowCounter exact(1000);
    for (int i = 0; i < 900; ++i)
        exact.add_hash(hash64(std::to_string(i % 300)));
    CHECK(exact.exact());
    CHECK(exact.duplicates() == 600);

    DuplicateRowCounter sampled(4096);
    for (int i = 0; i < 100'000; ++i)
        sampled.add_hash(hash64(std::to_string(i % 50'000)));
    CHECK_FALSE(sampled.exact());
    CHECK(static_cast<double>(sampled.duplicates()) == Approx(50'000).epsilon(0.1));
}

TEST_CASE("text measure and decoding", "[profile]") {
    TextMeasure m = measure_text("  two  words\t");
    CHECK(m.chars == 13);
    CHECK(m.words == 2);
    CHECK(m.controls == 0);
    CHECK(measure_text("\x7f").controls == 1);
    CHECK(approx_tokens_of_chars(0) == 0);
    CHECK(approx_tokens_of_chars(1) == 1);
    CHECK(approx_tokens_of_chars(8) == 2);
}

TEST_CASE("near duplicates: MinHash finds edited copies", "[profile]") {
    std::vector<std::string> texts = {
        "the quick brown fox jumps over the lazy dog near the river bank today",
        "the quick brown fox jumps over the lazy dog near the river bank today!",
        "an entirely different sentence about databases and query planning",
        "something else again with no overlap at all to speak of here",
    };
    NearDuplicateEstimate e = find_near_duplicates(texts, 0.6);
    CHECK(e.sample_texts == 4);
    CHECK(e.pairs_in_sample == 1);
    CHECK(e.texts_with_near_duplicate == 2);
    CHECK(e.complete);
}

TEST_CASE("profile HTML: self-contained, escaped, with SVG", "[profile]") {
    DatasetProfile p = profile_rows(
        {R"({"<b>": "<script>alert(1)</script>", "n": 1})", R"({"<b>": "x & y", "n": 2})"});
    std::string html = report::render_profile_html(p);
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("x &amp; y") != std::string::npos);
    CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));
    CHECK(report::html_escape("a\"'<>&") == "a&quot;&#39;&lt;&gt;&amp;");
}
