// diff_versions on a real store: rows compared as multisets (duplicates count), rows paired by
// key (collisions pair once), --limit caps the listed rows but never the counts, and chunks
// both versions share are skipped unread.
#include "data/dataset_catalog.hpp"
#include "data/dataset_writer.hpp"
#include "data/ops/dataset_diff.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

using namespace llmops;
using namespace llmops::data;
using nlohmann::json;

namespace {

struct Store {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);

    DatasetVersion add(const std::vector<json>& rows) {
        DatasetWriter writer(project);
        for (const auto& r : rows)
            writer.add_row(canonical_json(r));
        VersionDraft draft;
        draft.name = "d";
        draft.allow_empty = true; // rows equal to the latest version give that version back
        return writer.commit(draft).version;
    }

    DatasetDiff diff(const std::vector<json>& a, const std::vector<json>& b,
                     DiffOptions options = {}) {
        const DatasetVersion va = add(a);
        const DatasetVersion vb = add(b);
        return diff_versions(project, va, vb, options);
    }
};

json v(int n) {
    return json{{"v", n}};
}

std::vector<std::string> sorted(std::vector<std::string> rows) {
    std::sort(rows.begin(), rows.end());
    return rows;
}

// Rows of about 100 bytes: a few thousand of them span several chunks.
std::vector<json> wide_rows(int from, int to) {
    std::vector<json> rows;
    for (int i = from; i < to; ++i)
        rows.push_back({{"id", i}, {"text", fmt::format("row {} {:->80}", i, i)}});
    return rows;
}

} // namespace

TEST_CASE("data diff counts duplicate rows as a multiset", "[data_diff]") {
    Store s;
    SECTION("[1, 1, 2] against [1, 3]: two removed, one added") {
        const DatasetDiff d = s.diff({v(1), v(1), v(2)}, {v(1), v(3)});
        CHECK(d.removed == 2);
        CHECK(d.added == 1);
        CHECK(d.changed == 0);
        CHECK(sorted(d.removed_rows) == std::vector<std::string>{R"({"v":1})", R"({"v":2})"});
        CHECK(d.added_rows == std::vector<std::string>{R"({"v":3})"});
        CHECK(d.rows_a == 3);
        CHECK(d.rows_b == 2);
    }
    SECTION("the other way round: one removed, two added") {
        const DatasetDiff d = s.diff({v(1), v(3)}, {v(1), v(1), v(2)});
        CHECK(d.removed == 1);
        CHECK(d.added == 2);
        CHECK(d.removed_rows == std::vector<std::string>{R"({"v":3})"});
        CHECK(sorted(d.added_rows) == std::vector<std::string>{R"({"v":1})", R"({"v":2})"});
    }
    SECTION("a copy more or less is one row") {
        CHECK(s.diff({v(1), v(1), v(1)}, {v(1), v(1)}).removed == 1);
        CHECK(s.diff({v(1), v(1), v(1)}, {v(1), v(1)}).added == 0);
        CHECK(s.diff({v(1)}, {v(1), v(1), v(1)}).added == 2);
        CHECK(s.diff({v(1)}, {v(1), v(1), v(1)}).removed == 0);
        const DatasetDiff d = s.diff({v(2), v(1), v(2)}, {v(1), v(2), v(2), v(2)});
        CHECK(d.added == 1);
        CHECK(d.removed == 0);
        CHECK(d.added_rows == std::vector<std::string>{R"({"v":2})"});
    }
    SECTION("reordering is no change; equal versions differ in nothing") {
        const DatasetDiff d = s.diff({v(1), v(2), v(3)}, {v(3), v(1), v(2)});
        CHECK(d.added == 0);
        CHECK(d.removed == 0);
        CHECK(d.added_rows.empty());
        CHECK(d.removed_rows.empty());
        const DatasetDiff same = s.diff({v(1), v(1)}, {v(1), v(1)});
        CHECK(same.added + same.removed + same.changed == 0);
        CHECK(same.chunks_read == 0); // one shared chunk, never read
        CHECK(same.chunks_total == 2);
    }
    SECTION("empty versions") {
        const DatasetDiff d = s.diff({}, {v(1), v(1)});
        CHECK(d.added == 2);
        CHECK(d.removed == 0);
        CHECK(d.rows_a == 0);
        const DatasetDiff back = s.diff({v(1), v(1)}, {});
        CHECK(back.removed == 2);
        CHECK(back.added == 0);
    }
}

TEST_CASE("data diff pairs rows by key", "[data_diff]") {
    Store s;
    const DiffOptions by_id{.key = "id", .limit = 20};
    SECTION("a key removed and added is one changed row with its field changes") {
        const DatasetDiff d =
            s.diff({{{"id", 1}, {"a", "x"}, {"gone", true}}, {{"id", 2}, {"a", "y"}}},
                   {{{"id", 1}, {"a", "X"}, {"new", 0}}, {{"id", 2}, {"a", "y"}}}, by_id);
        CHECK(d.changed == 1);
        CHECK(d.added == 0);
        CHECK(d.removed == 0);
        REQUIRE(d.changed_rows.size() == 1);
        const ChangedRow& row = d.changed_rows[0];
        CHECK(row.key == "1");
        CHECK(row.before == R"({"a":"x","gone":true,"id":1})");
        CHECK(row.after == R"({"a":"X","id":1,"new":0})");
        REQUIRE(row.fields.size() == 3);
        CHECK(row.fields[0].field == "a");
        CHECK(row.fields[0].before == R"("x")");
        CHECK(row.fields[0].after == R"("X")");
        CHECK(row.fields[1].field == "gone");
        CHECK(row.fields[1].before == "true");
        CHECK_FALSE(row.fields[1].after.has_value());
        CHECK(row.fields[2].field == "new");
        CHECK_FALSE(row.fields[2].before.has_value());
        CHECK(row.fields[2].after == "0");
    }
    SECTION("without a key the same edit is one removed and one added row") {
        const DatasetDiff d = s.diff({{{"id", 1}, {"a", "x"}}}, {{{"id", 1}, {"a", "X"}}});
        CHECK(d.changed == 0);
        CHECK(d.added == 1);
        CHECK(d.removed == 1);
        CHECK(d.changed_rows.empty());
    }
    SECTION("two removed rows share a key: one pairs, the other stays removed") {
        const DatasetDiff d =
            s.diff({{{"id", 7}, {"a", 1}}, {{"id", 7}, {"a", 2}}}, {{{"id", 7}, {"a", 3}}}, by_id);
        CHECK(d.changed == 1);
        CHECK(d.removed == 1);
        CHECK(d.added == 0);
        REQUIRE(d.changed_rows.size() == 1);
        CHECK(d.changed_rows[0].after == R"({"a":3,"id":7})");
        REQUIRE(d.removed_rows.size() == 1);
        CHECK(d.removed_rows[0] != d.changed_rows[0].before);
    }
    SECTION("two added rows share a key: one pairs, the other stays added") {
        const DatasetDiff d =
            s.diff({{{"id", 7}, {"a", 1}}}, {{{"id", 7}, {"a", 2}}, {{"id", 7}, {"a", 3}}}, by_id);
        CHECK(d.changed == 1);
        CHECK(d.added == 1);
        CHECK(d.removed == 0);
        REQUIRE(d.changed_rows.size() == 1);
        REQUIRE(d.added_rows.size() == 1);
        CHECK(d.added_rows[0] != d.changed_rows[0].after);
        CHECK(d.changed_rows[0].before == R"({"a":1,"id":7})");
    }
    SECTION("keys compare as JSON values: 1 and \"1\" differ; rows without the key never pair") {
        const DatasetDiff d = s.diff({{{"id", 1}, {"a", 1}}, {{"a", 2}}},
                                     {{{"id", "1"}, {"a", 1}}, {{"a", 3}}}, by_id);
        CHECK(d.changed == 0);
        CHECK(d.added == 2);
        CHECK(d.removed == 2);
    }
    SECTION("a key field nested deeper does not count") {
        const DatasetDiff d =
            s.diff({{{"meta", {{"id", 1}}}, {"a", 1}}}, {{{"meta", {{"id", 1}}}, {"a", 2}}}, by_id);
        CHECK(d.changed == 0);
        CHECK(d.added == 1);
        CHECK(d.removed == 1);
    }
    SECTION("rows without the key never pair, even when their other fields agree") {
        const DatasetDiff d = s.diff({{{"a", 1}, {"b", 1}}}, {{{"a", 1}, {"b", 2}}}, by_id);
        CHECK(d.changed == 0);
        CHECK(d.added == 1);
        CHECK(d.removed == 1);
    }
    SECTION("unchanged duplicates cancel before pairing") {
        const DatasetDiff d =
            s.diff({{{"id", 1}, {"a", 1}}, {{"id", 1}, {"a", 1}}, {{"id", 2}, {"a", 1}}},
                   {{{"id", 1}, {"a", 1}}, {{"id", 2}, {"a", 2}}}, by_id);
        CHECK(d.changed == 1);
        CHECK(d.removed == 1);
        CHECK(d.added == 0);
        REQUIRE(d.changed_rows.size() == 1);
        CHECK(d.changed_rows[0].key == "2");
        CHECK(d.removed_rows == std::vector<std::string>{R"({"a":1,"id":1})"});
    }
}

TEST_CASE("data diff --limit caps the listed rows, never the counts", "[data_diff]") {
    Store s;
    std::vector<json> a, b;
    for (int i = 0; i < 10; ++i) {
        a.push_back({{"id", i}, {"side", "a"}});
        b.push_back({{"id", i}, {"side", "b"}});
    }
    for (int i = 10; i < 15; ++i)
        a.push_back({{"id", i}});
    for (int i = 15; i < 22; ++i)
        b.push_back({{"id", i}});
    const DatasetVersion va = s.add(a);
    const DatasetVersion vb = s.add(b);
    for (std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{6},
                              std::size_t{10}, std::size_t{100}}) {
        INFO("limit " << limit);
        const DatasetDiff d = diff_versions(s.project, va, vb, {.key = "id", .limit = limit});
        CHECK(d.changed == 10);
        CHECK(d.removed == 5);
        CHECK(d.added == 7);
        CHECK(d.changed_rows.size() == std::min<std::size_t>(limit, 10));
        CHECK(d.removed_rows.size() == std::min<std::size_t>(limit, 5));
        CHECK(d.added_rows.size() == std::min<std::size_t>(limit, 7));
        if (limit > 0) {
            // The first rows, in the order of the version.
            CHECK(d.changed_rows[0].key == "0");
            CHECK(d.removed_rows[0] == R"({"id":10})");
            CHECK(d.added_rows[0] == R"({"id":15})");
        }
    }
    const DatasetDiff unkeyed = diff_versions(s.project, va, vb, {.limit = 3});
    CHECK(unkeyed.removed == 15);
    CHECK(unkeyed.added == 17);
    CHECK(unkeyed.removed_rows.size() == 3);
    CHECK(unkeyed.added_rows.size() == 3);
}

TEST_CASE("data diff reads only the chunks the versions do not share", "[data_diff]") {
    Store s;
    const std::vector<json> base = wide_rows(0, 3000);
    const DatasetVersion va = s.add(base);
    const std::size_t chunks = version_chunks(s.project.db(), va.id).size();
    REQUIRE(chunks >= 4);

    SECTION("one row changed in the middle") {
        std::vector<json> edited = base;
        edited[1500]["text"] = "edited";
        const DatasetVersion vb = s.add(edited);
        const DatasetDiff d = diff_versions(s.project, va, vb, {.key = "id"});
        CHECK(d.changed == 1);
        CHECK(d.added == 0);
        CHECK(d.removed == 0);
        CHECK(d.chunks_total ==
              static_cast<std::int64_t>(chunks + version_chunks(s.project.db(), vb.id).size()));
        CHECK(d.chunks_read >= 2);
        CHECK(d.chunks_read <= 6);
    }
    SECTION("the same rows twice: every row of the second copy is added") {
        std::vector<json> twice = base;
        twice.insert(twice.end(), base.begin(), base.end());
        const DatasetVersion vb = s.add(twice);
        const DatasetDiff d = diff_versions(s.project, va, vb, {.limit = 0});
        CHECK(d.added == 3000);
        CHECK(d.removed == 0);
        const DatasetDiff back = diff_versions(s.project, vb, va, {.limit = 0});
        CHECK(back.removed == 3000);
        CHECK(back.added == 0);
    }
    SECTION("rows appended at the end") {
        std::vector<json> longer = base;
        const std::vector<json> more = wide_rows(3000, 3010);
        longer.insert(longer.end(), more.begin(), more.end());
        const DatasetVersion vb = s.add(longer);
        const DatasetDiff d = diff_versions(s.project, va, vb, {.limit = 100});
        CHECK(d.added == 10);
        CHECK(d.removed == 0);
        REQUIRE(d.added_rows.size() == 10);
        CHECK(json::parse(d.added_rows.front())["id"] == 3000);
        CHECK(json::parse(d.added_rows.back())["id"] == 3009);
        CHECK(d.chunks_read < d.chunks_total);
    }
}

TEST_CASE("changed_fields lists the top-level fields that differ, by name", "[data_diff]") {
    const auto fields = changed_fields(R"({"a":1,"b":[1,2],"c":"x","d":null})",
                                       R"({"a":1,"b":[2,1],"d":false,"e":{}})");
    REQUIRE(fields.size() == 4);
    CHECK(fields[0].field == "b");
    CHECK(fields[0].before == "[1,2]");
    CHECK(fields[0].after == "[2,1]");
    CHECK(fields[1].field == "c");
    CHECK(fields[1].after == std::nullopt);
    CHECK(fields[2].field == "d");
    CHECK(fields[2].before == "null");
    CHECK(fields[2].after == "false");
    CHECK(fields[3].field == "e");
    CHECK(fields[3].before == std::nullopt);
    CHECK(fields[3].after == "{}");
    CHECK(changed_fields(R"({"a":1})", R"({"a":1})").empty());
}

TEST_CASE("data diff pairs by id by default only when every row of both versions has one",
          "[data_diff]") {
    Store s;
    const json one{{"id", 1}, {"a", 1}};
    const json two{{"id", 2}, {"a", 2}};
    const DatasetVersion ids = s.add({one, two});
    // Ids of mixed types still count: every row has one.
    const DatasetVersion mixed = s.add({{{"id", "x"}, {"a", 3}}, one, {{"id", 2.5}}});
    const DatasetVersion single = s.add({{{"id", 9}}});
    const DatasetVersion missing = s.add({one, {{"a", 2}}});
    const DatasetVersion null_id = s.add({one, {{"id", nullptr}, {"a", 2}}});
    const DatasetVersion nested = s.add({{{"meta", {{"id", 1}}}}});
    const DatasetVersion empty = s.add({});

    CHECK(default_diff_key(ids, mixed) == "id");
    CHECK(default_diff_key(mixed, ids) == "id");
    CHECK(default_diff_key(single, single) == "id");
    CHECK(default_diff_key(single, ids) == "id");
    for (const DatasetVersion* other : {&missing, &null_id, &nested, &empty}) {
        INFO("other version " << other->ref());
        CHECK_FALSE(default_diff_key(ids, *other).has_value());
        CHECK_FALSE(default_diff_key(*other, ids).has_value());
    }
    CHECK_FALSE(default_diff_key(empty, empty).has_value());
}
