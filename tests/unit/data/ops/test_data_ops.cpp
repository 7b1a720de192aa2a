// dedup, split, transform, merge, sample: the row-level pieces and the store round trips.
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "data/canonical_row.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "data/ops/dataset_dedup.hpp"
#include "data/ops/dataset_merge.hpp"
#include "data/ops/dataset_sample.hpp"
#include "data/ops/dataset_split.hpp"
#include "data/ops/dataset_transform.hpp"
#include "data/ops/row_filter.hpp"
#include "stats/minhash.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <random>
#include <set>

using namespace llmops;
using namespace llmops::data;
using nlohmann::json;

namespace {

ErrorKind kind_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("no error");
    return ErrorKind::CheckFailed;
}

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no error");
    return {};
}

struct Fixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);

    DatasetVersion add(const std::string& name, const std::vector<json>& rows) {
        DatasetWriter writer(project);
        for (const auto& r : rows)
            writer.add_row(canonical_json(r));
        VersionDraft draft;
        draft.name = name;
        draft.allow_empty = true;
        return writer.commit(draft).version;
    }

    std::vector<json> rows(const std::string& ref) {
        std::vector<json> out;
        for_each_row(project, ref, [&](std::string_view row, std::int64_t) {
            out.push_back(json::parse(row));
            return true;
        });
        return out;
    }

    std::size_t versions(const std::string& name) {
        return latest_version(project.db(), name) ? dataset_log(project.db(), name).size() : 0;
    }
};

std::string words(std::mt19937_64& rng, int n) {
    std::string text;
    for (int i = 0; i < n; ++i)
        text += fmt::format("{}w{} ", i ? "" : "", rng() % 5000);
    return text;
}

} // namespace

TEST_CASE("normalize_text folds case, width, ligatures and spacing", "[data_ops]") {
    CHECK(normalize_text("  Hello\u00a0\t WORLD \n") == "hello world");
    CHECK(normalize_text("\uff21\uff22\uff23") == "abc"); // full-width
    CHECK(normalize_text("\ufb01ne") == "fine");          // ligature
    CHECK(normalize_text("Stra\u00dfe") == "strasse");
    CHECK(normalize_text("") == "");
    CHECK(normalize_row(R"({"a":" X  Y","b":1,"c":["Q"],"K":"z"})") ==
          R"({"K":"z","a":"x y","b":1,"c":["q"]})");
}

TEST_CASE("canonical row helpers read fields without parsing", "[data_ops]") {
    std::string row = canonical_json(json{{"a", "x\"y\n\u00e9"}, {"b", 2}, {"t\tab", true}});
    CHECK(find_field(row, "b") == std::optional<std::string_view>("2"));
    CHECK_FALSE(find_field(row, "c"));
    CHECK(value_text(*find_field(row, "a")) == "x\"y\n\u00e9");
    CHECK(find_field(row, canonical_key("t\tab")) == std::optional<std::string_view>("true"));
    CHECK(decode_json_string("\"\\u0001\\\\\"") == "\x01\\");
}

TEST_CASE("MinHash estimates Jaccard similarity", "[data_ops]") {
    stats::MinHasher hasher(128, 7);
    std::vector<std::uint64_t> a, b;
    std::vector<std::uint32_t> sa, sb;
    // Sets of 200 random hashes sharing `common` of them.
    std::mt19937_64 rng(1);
    for (int common : {0, 50, 100, 150, 200}) {
        a.clear();
        b.clear();
        for (int i = 0; i < common; ++i) {
            auto h = rng();
            a.push_back(h);
            b.push_back(h);
        }
        for (int i = common; i < 200; ++i) {
            a.push_back(rng());
            b.push_back(rng());
        }
        hasher.signature(a, sa);
        hasher.signature(b, sb);
        double truth = common / (400.0 - common);
        CHECK(std::abs(stats::estimate_jaccard(sa, sb) - truth) < 0.12);
    }
    CHECK_FALSE(hasher.signature({}, sa));

    stats::shingle_hashes("The quick brown fox jumps", {stats::ShingleKind::Words, 3}, 0, a);
    CHECK(a.size() == 3);
    stats::shingle_hashes("THE  quick, brown fox; jumps!", {stats::ShingleKind::Words, 3}, 0, b);
    CHECK(a == b); // case, punctuation and spacing do not matter
    stats::shingle_hashes("two words", {stats::ShingleKind::Words, 3}, 0, a);
    CHECK(a.size() == 1);
    stats::shingle_hashes("abcdefg", {stats::ShingleKind::Chars, 5}, 0, a);
    CHECK(a.size() == 3);
    stats::shingle_hashes("  ", {stats::ShingleKind::Words, 3}, 0, a);
    CHECK(a.empty());
}

TEST_CASE("LSH banding fits the threshold and finds candidates", "[data_ops]") {
    for (double t : {0.5, 0.7, 0.8, 0.9}) {
        stats::LshBands bands = stats::choose_bands(t, 128);
        CHECK(bands.bands * bands.rows <= 128);
        // The S-curve's steepest point, (1/b)^(1/r), sits near the threshold.
        double knee = std::pow(1.0 / bands.bands, 1.0 / bands.rows);
        CHECK(std::abs(knee - t) < 0.15);
    }
    stats::LshIndex index(stats::choose_bands(0.8, 128));
    std::vector<std::uint32_t> sig(128, 1), other(128, 2), found;
    index.insert(0, sig);
    index.insert(1, other);
    index.candidates(sig, found);
    CHECK(found == std::vector<std::uint32_t>{0});
}

TEST_CASE("RowDeduplicator keeps first occurrences", "[data_ops]") {
    SECTION("exact") {
        RowDeduplicator d({});
        CHECK_FALSE(d.check(R"({"a":1})", 0));
        CHECK_FALSE(d.check(R"({"a":2})", 1));
        auto drop = d.check(R"({"a":1})", 2);
        REQUIRE(drop);
        CHECK(drop->duplicate_of == 0);
        CHECK_FALSE(drop->similarity);
        CHECK_FALSE(d.check(R"({"a":"X"})", 3));
        CHECK_FALSE(d.check(R"({"a":"x"})", 4)); // case differs: not exact
    }
    SECTION("normalised") {
        DedupOptions o;
        o.normalize = true;
        RowDeduplicator d(o);
        CHECK_FALSE(d.check(R"({"a":"Hello  World"})", 0));
        auto drop = d.check(R"({"a":" hello world"})", 1);
        REQUIRE(drop);
        CHECK(drop->duplicate_of == 0);
    }
    SECTION("near") {
        DedupOptions o;
        o.near = NearDupOptions{};
        o.near->field = "text";
        o.near->threshold = 0.7;
        RowDeduplicator d(o);
        std::mt19937_64 rng(3);
        std::string base = words(rng, 60);
        std::string other = words(rng, 60);
        auto row = [](const std::string& t) { return canonical_json(json{{"text", t}}); };
        CHECK_FALSE(d.check(row(base), 0));
        CHECK_FALSE(d.check(row(other), 1));
        CHECK_FALSE(d.check(R"({"id":1})", 2)); // no text: kept
        auto drop = d.check(row(base + " one more"), 3);
        REQUIRE(drop);
        CHECK(drop->duplicate_of == 0);
        CHECK(*drop->similarity >= 0.7);
        CHECK(d.rows_without_text() == 1);
        CHECK_FALSE(d.check(row(words(rng, 60)), 4));
    }
    SECTION("bad options") {
        DedupOptions o;
        o.near = NearDupOptions{};
        o.near->threshold = 0.8;
        CHECK(kind_of([&] { RowDeduplicator d(o); }) == ErrorKind::Usage); // no field
        o.near->field = "t";
        o.near->threshold = 1.5;
        CHECK(kind_of([&] { RowDeduplicator d(o); }) == ErrorKind::Usage);
    }
}

TEST_CASE("where expressions of --where", "[data_ops]") {
    CHECK(parse_where("a==1").op == WhereOp::Eq);
    CHECK(parse_where("a <= 1").value == "1");
    CHECK(parse_where("a<1").op == WhereOp::Lt);
    CHECK(parse_where("long name>=x").field == "long name");
    CHECK(parse_where("q contains a==b").op == WhereOp::Contains);
    CHECK(parse_where("q contains a==b").value == "a==b");
    CHECK(parse_where("a exists").op == WhereOp::Exists);
    CHECK(parse_where("a missing").op == WhereOp::Missing);
    CHECK(kind_of([] { parse_where("nothing here"); }) == ErrorKind::Usage);
    CHECK(kind_of([] { parse_where("==1"); }) == ErrorKind::Usage);
    CHECK(kind_of([] { RowFilter f({"q matches (["}); }) == ErrorKind::BadInput);
    CHECK_THAT(error_of([] { RowFilter f({"q matches (["}); }), Catch::Contains("missing ]"));

    std::string row = canonical_json(
        json{{"n", 10}, {"x", 2.5}, {"s", "Hello world"}, {"b", true}, {"z", nullptr}});
    auto holds = [&](const std::string& e) { return RowFilter({e}).matches(row); };
    CHECK(holds("n==10"));
    CHECK(holds("n==10.0")); // numeric
    CHECK(holds("n>9"));
    CHECK_FALSE(holds("n>9.5e1"));
    CHECK(holds("n<100")); // numeric, not text ("10" > "100" as text is false anyway)
    CHECK(holds("n>2"));   // as text "10" < "2"; numerically 10 > 2
    CHECK(holds("x<=2.5"));
    CHECK(holds("s==Hello world"));
    CHECK(holds("s!=hello world"));
    CHECK(holds("s>Hello"));
    CHECK(holds("s contains lo wo"));
    CHECK(holds("s matches ^H.*d$"));
    CHECK_FALSE(holds("s matches ^world"));
    CHECK(holds("b==true"));
    CHECK(holds("z==null"));
    CHECK(holds("s exists"));
    CHECK(holds("nope missing"));
    CHECK_FALSE(holds("nope==1"));
    CHECK(holds("nope!=1"));
    CHECK_FALSE(holds("nope contains x"));
    CHECK(RowFilter({"n>5", "s contains Hello"}).matches(row));
    CHECK_FALSE(RowFilter({"n>5", "s contains bye"}).matches(row));
}

TEST_CASE("RowTransform applies where, set, rename, select and drop in order", "[data_ops]") {
    std::string row =
        canonical_json(json{{"q", "2+2?"}, {"a", "4"}, {"id", 7}, {"meta", {{"src", "x"}}}});
    SECTION("set then rename then select") {
        TransformSpec spec;
        spec.set = {"prompt=Q: {{q}} A: {{a}} <{{meta.src}}>"};
        spec.rename = {"prompt=text"};
        spec.select = {"text", "id"};
        RowTransform t(spec);
        CHECK(t.apply(row, 0) ==
              std::optional<std::string>(R"({"id":7,"text":"Q: 2+2? A: 4 <x>"})"));
        CHECK(t.unseen_fields().empty());
    }
    SECTION("where filters, drop removes, rename re-sorts keys") {
        TransformSpec spec;
        spec.where = {"id>5"};
        spec.rename = {"a=zz", "q=answer"};
        spec.drop = {"meta"};
        RowTransform t(spec);
        CHECK(t.apply(row, 0) ==
              std::optional<std::string>(R"({"answer":"2+2?","id":7,"zz":"4"})"));
        TransformSpec other = spec;
        other.where = {"id<5"};
        CHECK_FALSE(RowTransform(other).apply(row, 0));
    }
    SECTION("rename onto an existing field replaces it") {
        TransformSpec spec;
        spec.rename = {"a=q"};
        CHECK(RowTransform(spec).apply(row, 0) ==
              std::optional<std::string>(R"({"id":7,"meta":{"src":"x"},"q":"4"})"));
    }
    SECTION("missing template variables fail with the row, unless allowed") {
        TransformSpec spec;
        spec.set = {"x={{nope}}"};
        RowTransform strict(spec);
        try {
            strict.apply(row, 12);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::BadInput);
            CHECK(e.where().row == 12);
            CHECK_THAT(std::string(e.what()), Catch::Contains("nope"));
        }
        spec.allow_missing = true;
        CHECK(RowTransform(spec).apply(row, 0)->find(R"("x":"")") != std::string::npos);
    }
    SECTION("unseen fields and bad options") {
        TransformSpec spec;
        spec.drop = {"typo"};
        RowTransform t(spec);
        t.apply(row, 0);
        CHECK(t.unseen_fields() == std::vector<std::string>{"typo"});
        CHECK(kind_of([] { RowTransform({.set = {"noequals"}}); }) == ErrorKind::Usage);
        CHECK(kind_of([] { RowTransform({.set = {"x={{#a}}"}}); }) == ErrorKind::BadInput);
        CHECK(kind_of([] { RowTransform({.rename = {"a="}}); }) == ErrorKind::Usage);
    }
}

TEST_CASE("split ratios", "[data_ops]") {
    auto r = parse_ratios("train=0.8,val=0.1,test=0.1");
    REQUIRE(r.size() == 3);
    CHECK(r[1].name == "val");
    CHECK(r[2].ratio == 0.1);
    CHECK(parse_ratios("all=1").size() == 1);
    CHECK(kind_of([] { parse_ratios("train=0.8,val"); }) == ErrorKind::Usage);
    CHECK(kind_of([] { parse_ratios("train=abc"); }) == ErrorKind::Usage);
    CHECK(kind_of([] { parse_ratios(""); }) == ErrorKind::Usage);
    CHECK(kind_of([] { parse_ratios("a=0.5,b=0.4"); }) == ErrorKind::BadInput);
    CHECK(kind_of([] { parse_ratios("a=1.5,b=-0.5"); }) == ErrorKind::BadInput);
    CHECK(kind_of([] { parse_ratios("a=0.5,a=0.5"); }) == ErrorKind::BadInput);
    CHECK(kind_of([] { parse_ratios("a b=0.5,c=0.5"); }) == ErrorKind::BadInput);
    CHECK(split_index(r, 0.0) == 0);
    CHECK(split_index(r, 0.79) == 0);
    CHECK(split_index(r, 0.85) == 1);
    CHECK(split_index(r, 0.999999) == 2);
    CHECK(unit_interval(~0ULL) < 1.0);
}

TEST_CASE("split, sample, merge, dedup and transform on a store", "[data_ops]") {
    Fixture f;
    std::vector<json> rows;
    for (int i = 0; i < 1000; ++i)
        rows.push_back({{"id", i}, {"group", i % 10}, {"text", fmt::format("row {}", i)}});
    DatasetVersion src = f.add("qa", rows);

    SECTION("split is deterministic and keeps groups together") {
        SplitRequest req{.source = "qa", .ratios = parse_ratios("train=0.8,val=0.1,test=0.1")};
        SplitReport r = split_dataset(f.project, req);
        REQUIRE(r.outputs.size() == 3);
        std::int64_t total = 0;
        for (const auto& o : r.outputs)
            total += o.rows;
        CHECK(total == 1000);
        CHECK(r.outputs[0].rows > 700);
        CHECK(r.outputs[0].rows < 900);
        CHECK(r.outputs[0].commit.version.provenance["source"] == "qa@1");
        CHECK(r.outputs[0].commit.version.provenance["split"] == "train");
        // Again: same content, no new versions.
        SplitReport again = split_dataset(f.project, req);
        CHECK_FALSE(again.outputs[0].commit.created);
        CHECK(f.versions("qa-train") == 1);

        req.by = "group";
        req.prefix = "g";
        split_dataset(f.project, req);
        std::set<int> seen;
        for (const char* name : {"g-train", "g-val", "g-test"}) {
            std::set<int> groups;
            for (const auto& row : f.rows(name))
                groups.insert(row["group"].get<int>());
            for (int g : groups)
                CHECK(seen.insert(g).second); // no group in two splits
        }
        CHECK(seen.size() == 10);

        req.by = "nope";
        CHECK(kind_of([&] { split_dataset(f.project, req); }) == ErrorKind::BadInput);
        CHECK(f.versions("g-train") == 1);
    }

    SECTION("sample is bottom-k in original order") {
        SampleReport r = sample_dataset(f.project, {.source = "qa", .n = 50, .seed = 9});
        CHECK(r.commit.version.name == "qa-sample");
        auto picked = f.rows("qa-sample");
        REQUIRE(picked.size() == 50);
        for (std::size_t i = 1; i < picked.size(); ++i)
            CHECK(picked[i - 1]["id"].get<int>() < picked[i]["id"].get<int>());
        SampleReport again = sample_dataset(f.project, {.source = "qa", .n = 50, .seed = 9});
        CHECK_FALSE(again.commit.created);
        SampleReport other = sample_dataset(f.project, {.source = "qa", .n = 50, .seed = 10});
        CHECK(other.commit.created);
        SampleReport all =
            sample_dataset(f.project, {.source = "qa", .n = 5000, .output = "everything"});
        CHECK(all.rows_out == 1000);
        CHECK(bottom_k({5, 1, 4, 1, 3}, 2) == std::vector<std::int64_t>{1, 3});
    }

    SECTION("merge concatenates, optionally without duplicates") {
        f.add("more", {{{"id", 1}, {"group", 1}, {"text", "row 1"}}, {{"id", -1}}});
        MergeReport r = merge_datasets(f.project, {.sources = {"qa", "more"}, .output = "all"});
        CHECK(r.rows_out == 1002);
        auto all = f.rows("all");
        CHECK(all.back()["id"] == -1);
        MergeReport d =
            merge_datasets(f.project, {.sources = {"qa", "more"}, .output = "uniq", .dedup = true});
        CHECK(d.rows_out == 1001);
        CHECK(d.sources[1].duplicates == 1);
        CHECK(kind_of([&] {
                  merge_datasets(f.project, {.sources = {"qa", "nope"}, .output = "x"});
              }) == ErrorKind::BadInput);
        CHECK(f.versions("x") == 0);
    }

    SECTION("dedup: dry run writes nothing; a run records provenance") {
        auto dup_rows = rows;
        dup_rows.push_back(rows[3]);
        dup_rows.push_back({{"id", 3}, {"group", 3}, {"text", "ROW  3"}});
        f.add("dups", dup_rows);
        DedupRequest req{.source = "dups", .dry_run = true};
        DedupReport dry = dedup_dataset(f.project, req);
        CHECK(dry.exact == 1);
        CHECK(dry.dropped.at(0).row == 1000);
        CHECK(dry.dropped.at(0).duplicate_of == 3);
        CHECK_FALSE(dry.commit);
        CHECK(f.versions("dups") == 1);
        req.dry_run = false;
        req.options.normalize = true;
        DedupReport r = dedup_dataset(f.project, req);
        CHECK(r.exact == 2);
        REQUIRE(r.commit);
        CHECK(r.commit->version.ref() == "dups@2");
        CHECK(r.commit->version.rows == 1000);
        CHECK(r.commit->version.provenance["command"] == "dedup");
        CHECK(r.commit->version.provenance["normalize"] == true);
    }

    SECTION("transform writes a version with provenance; errors store nothing") {
        TransformRequest req{.source = "qa", .output = "qa-small"};
        req.spec.where = {"id<10"};
        req.spec.set = {"prompt=#{{id}}: {{text}}"};
        req.spec.drop = {"group"};
        TransformReport r = transform_dataset(f.project, req);
        CHECK(r.rows_out == 10);
        auto out = f.rows("qa-small");
        CHECK(out[2] == json{{"id", 2}, {"prompt", "#2: row 2"}, {"text", "row 2"}});
        CHECK(r.commit.version.provenance["source"] == "qa@1");
        CHECK(r.commit.version.provenance["where"] == json{"id<10"});

        req.output = "";
        req.spec.drop = {"typo"};
        CHECK(kind_of([&] { transform_dataset(f.project, req); }) == ErrorKind::BadInput);
        req.spec.drop = {};
        req.spec.where = {"id<0"};
        CHECK(kind_of([&] { transform_dataset(f.project, req); }) == ErrorKind::BadInput);
        CHECK(f.versions("qa") == 1);
        req.allow_empty = true;
        CHECK(transform_dataset(f.project, req).commit.version.rows == 0);
    }
    (void)src;
}
