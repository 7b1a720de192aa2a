// Retrieval indexes: build, BM25 ranking checked by hand and against FTS5's bm25(), tunable
// k1 and b, hostile query text, atomic rebuilds, evaluation over a grid.
#include "core/error.hpp"
#include "data/dataset_writer.hpp"
#include "index/index_builder.hpp"
#include "index/index_catalog.hpp"
#include "index/index_evaluation.hpp"
#include "index/query_terms.hpp"
#include "index/retrieval_index.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <random>

namespace ix = llmops::index;
using llmops::Error;
using llmops::ErrorKind;
using nlohmann::json;

namespace {

Error caught(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no error");
    return Error(ErrorKind::CheckFailed, "unreachable");
}

// Six passages: "cat" is in rows 0 (once, 5 tokens) and 1 (twice, 6 tokens); "dog" in row 2
// (3 tokens). 25 tokens in all, so the mean length is 25/6.
const std::vector<json> kPets = {
    {{"id", "p0"}, {"body", "Cat sat on the mat"}},
    {{"id", "p1"}, {"body", "the cat and the other CAT"}},
    {{"id", "p2"}, {"body", "a dog barked"}},
    {{"id", "p3"}, {"body", "the bird sang"}},
    {{"id", "p4"}, {"body", "fish swim in the sea"}},
    {{"id", "p5"}, {"body", "a quiet house"}},
};

// BM25 of one term written out: the formula of docs/retrieval.md.
double bm25_term(double rows, double containing, double tf, double length, double mean_length,
                 double k1, double b) {
    double idf = std::log((rows - containing + 0.5) / (containing + 0.5));
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / mean_length));
}

struct IndexFixture {
    llmops::testing::TempDir dir;
    llmops::store::ProjectPaths paths = llmops::store::init_project(dir.path() / "proj");
    llmops::store::Project project =
        llmops::store::Project::open(paths, llmops::store::StoreAccess::Write);

    std::string add(const std::string& name, const std::vector<json>& rows) {
        llmops::data::DatasetWriter writer(project);
        for (const auto& r : rows)
            writer.add_row(llmops::canonical_json(r));
        llmops::data::VersionDraft draft;
        draft.name = name;
        draft.allow_empty = true;
        return writer.commit(draft).version.ref();
    }

    ix::IndexInfo build(const std::string& name, const std::string& ref,
                        const std::string& field = "body", std::optional<std::string> id = "id",
                        bool replace = false) {
        ix::IndexBuildOptions o;
        o.name = name;
        o.data_ref = ref;
        o.text_field = field;
        o.id_field = std::move(id);
        o.replace = replace;
        return ix::build_index(project, o);
    }

    // Tables whose name starts with retrieval_index_ (the FTS5 tables, not their shadows).
    std::vector<std::string> fts_tables() {
        auto st = project.db().prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%' "
            "ORDER BY name");
        std::vector<std::string> names;
        while (st.step())
            names.push_back(st.column_text(0));
        return names;
    }

    std::string dump() {
        auto st =
            project.db().prepare("SELECT group_concat(name || ':' || coalesce(sql, ''), '\n') FROM "
                                 "(SELECT name, sql FROM sqlite_master ORDER BY name)");
        st.step();
        std::string schema = st.column_text(0);
        auto rows = project.db().prepare(
            "SELECT group_concat(name || document_count || id, ',') FROM retrieval_indexes");
        rows.step();
        return schema + "|" + rows.column_text(0);
    }
};

std::vector<std::string> ids_of(const std::vector<ix::Passage>& passages) {
    std::vector<std::string> ids;
    for (const auto& p : passages)
        ids.push_back(p.id);
    return ids;
}

} // namespace

TEST_CASE("index build records the catalog row and one FTS5 table", "[index]") {
    IndexFixture f;
    std::string ref = f.add("pets", kPets);
    ix::IndexInfo info = f.build("pets-idx", "pets");
    CHECK(info.name == "pets-idx");
    CHECK(info.documents == 6);
    CHECK(info.source_ref == "pets");
    CHECK(info.source_version == ref);
    CHECK(info.text_field == "body");
    CHECK(info.id_field == std::optional<std::string>("id"));
    CHECK(info.tokenizer == std::string(ix::kDefaultTokenizer));
    CHECK(info.bm25 == ix::Bm25Params{});
    CHECK(f.fts_tables() == std::vector<std::string>{info.fts_table()});
    REQUIRE(ix::list_indexes(f.project.db()).size() == 1);
    CHECK(info.to_json()["dataset"] == ref);
    CHECK(info.to_json()["documents"] == 6);
}

TEST_CASE("search ranks a tiny corpus in the hand-computed order and scores", "[index]") {
    IndexFixture f;
    f.add("pets", kPets);
    f.build("pets", "pets");
    auto index = ix::RetrievalIndex::open(f.project, "pets");
    const double mean = 25.0 / 6.0;

    std::vector<ix::Passage> top = index.search("cat", 5);
    REQUIRE(ids_of(top) == std::vector<std::string>{"p1", "p0"});
    CHECK(top[0].score == Approx(bm25_term(6, 2, 2, 6, mean, 1.2, 0.75)));
    CHECK(top[0].score == Approx(0.7192050).epsilon(1e-6));
    CHECK(top[1].score == Approx(bm25_term(6, 2, 1, 5, mean, 1.2, 0.75)));
    CHECK(top[1].score == Approx(0.5433322).epsilon(1e-6));
    CHECK(top[0].text == "the cat and the other CAT");

    // Two terms: the rare one ("dog", in one row) outweighs two "cat"s.
    top = index.search("Dog? cat!", 5);
    REQUIRE(ids_of(top) == std::vector<std::string>{"p2", "p1", "p0"});
    CHECK(top[0].score == Approx(bm25_term(6, 1, 1, 3, mean, 1.2, 0.75)));
    CHECK(ids_of(index.search("dog cat", 2)) == std::vector<std::string>{"p2", "p1"});
    CHECK(index.search("dog cat", 0).empty());
    CHECK(index.search("unicorn", 5).empty());
}

TEST_CASE("scores equal FTS5 bm25() with the sign flipped at k1 1.2 and b 0.75", "[index]") {
    IndexFixture f;
    // 300 passages of 1..40 words from a skewed 60-word vocabulary, so that some terms are in
    // more than half the rows (FTS5 clamps their idf) and lengths vary widely.
    std::mt19937 rng(7);
    std::vector<json> rows;
    for (int i = 0; i < 300; ++i) {
        std::string text;
        int words = 1 + static_cast<int>(rng() % 40);
        for (int w = 0; w < words; ++w) {
            unsigned r = rng() % 100;
            unsigned word = r < 40 ? r % 3 : r % 60; // w0..w2 are very common
            text += (w ? " w" : "w") + std::to_string(word);
        }
        rows.push_back({{"id", i}, {"text", text}});
    }
    f.add("corpus", rows);
    ix::IndexInfo info = f.build("corpus", "corpus", "text");
    auto index = ix::RetrievalIndex::open(f.project, "corpus");
    const std::string table = info.fts_table();
    ix::QueryTokenizer tokenizer(f.project.db(), info.tokenizer);

    int compared = 0;
    for (const char* query : {"w0", "w1 w2", "w7", "w13 w0 w59", "w5 w6 w7 w8 w9 w10", "w44 w44"}) {
        std::string expression = ix::match_expression(tokenizer.terms(query));
        auto st = f.project.db().prepare("SELECT id, -bm25(" + table + "), llmops_bm25(" + table +
                                         ", 1.2, 0.75) FROM " + table + " WHERE " + table +
                                         " MATCH ? ORDER BY bm25(" + table + "), rowid");
        st.bind(1, expression);
        std::vector<std::string> fts_order;
        while (st.step()) {
            INFO("query " << query << " row " << st.column_text(0));
            CHECK(st.column_double(2) == Approx(st.column_double(1)).epsilon(1e-12));
            fts_order.push_back(st.column_text(0));
            ++compared;
        }
        REQUIRE(!fts_order.empty());
        // search() returns the same ranking as ORDER BY bm25().
        std::vector<std::string> ours = ids_of(index.search(query, 10));
        fts_order.resize(std::min<std::size_t>(10, fts_order.size()));
        CHECK(ours == fts_order);
    }
    CHECK(compared > 300);
}

TEST_CASE("k1 and b change the scores as BM25 says", "[index]") {
    IndexFixture f;
    f.add("pets", kPets);
    f.build("pets", "pets");
    auto index = ix::RetrievalIndex::open(f.project, "pets");
    const double idf = std::log(4.5 / 2.5);

    // k1 = 0: a matching row scores its idf, however often or long.
    auto flat = index.search("cat", 5, ix::Bm25Params{.k1 = 0, .b = 0.75});
    REQUIRE(flat.size() == 2);
    CHECK(flat[0].score == Approx(idf));
    CHECK(flat[1].score == Approx(idf));
    CHECK(ids_of(flat) == std::vector<std::string>{"p0", "p1"}); // ties in row order

    // b = 0: no length normalisation; tf saturates with k1 alone.
    auto no_length = index.search("cat", 5, ix::Bm25Params{.k1 = 1.2, .b = 0});
    CHECK(no_length[0].score == Approx(idf * 2 * 2.2 / (2 + 1.2)));
    CHECK(no_length[1].score == Approx(idf * 1 * 2.2 / (1 + 1.2)));

    // Different parameters, different scores; the index's defaults are used otherwise.
    auto tuned = index.search("cat", 5, ix::Bm25Params{.k1 = 2.0, .b = 1.0});
    CHECK(tuned[0].score == Approx(bm25_term(6, 2, 2, 6, 25.0 / 6, 2.0, 1.0)));
    CHECK(tuned[0].score != Approx(index.search("cat", 5)[0].score));

    CHECK(caught([&] { index.search("cat", 5, ix::Bm25Params{.k1 = -1, .b = 0.5}); }).kind() ==
          ErrorKind::Usage);
    CHECK(caught([&] { index.search("cat", 5, ix::Bm25Params{.k1 = 1, .b = 1.5}); }).kind() ==
          ErrorKind::Usage);

    // Defaults given at build time are what search() uses.
    ix::IndexBuildOptions o{.name = "pets-flat",
                            .data_ref = "pets",
                            .text_field = "body",
                            .id_field = "id",
                            .bm25 = {.k1 = 0, .b = 0.5},
                            .replace = false};
    ix::build_index(f.project, o);
    auto flat_index = ix::RetrievalIndex::open(f.project, "pets-flat");
    CHECK(flat_index.info().bm25.k1 == 0);
    CHECK(flat_index.search("cat", 5)[0].score == Approx(idf));
}

TEST_CASE("query text is never FTS5 syntax", "[index]") {
    IndexFixture f;
    std::vector<json> rows = kPets;
    rows.push_back({{"id", "p6"}, {"body", "Café near the NEAR station: AND/OR not"}});
    f.add("pets", rows);
    f.build("pets", "pets");
    auto index = ix::RetrievalIndex::open(f.project, "pets");
    const auto plain = ids_of(index.search("cat", 10));

    for (const char* hostile : {"\"cat", "cat\"", "\"cat\"", "cat AND", "AND cat", "-cat", "cat*",
                                "body:cat", "id:cat", "^cat", "(cat", "cat)", "{cat}", "cat +",
                                "NOT cat", "'cat'", "cat; DROP TABLE retrieval_indexes; --"}) {
        INFO(hostile);
        std::vector<ix::Passage> passages;
        REQUIRE_NOTHROW(passages = index.search(hostile, 10));
        const auto found = ids_of(passages);
        for (const auto& id : plain)
            CHECK(std::find(found.begin(), found.end(), id) != found.end());
    }
    // Operators are plain words: they match the passage that holds them.
    CHECK(ids_of(index.search("NEAR(", 10)) == std::vector<std::string>{"p6"});
    CHECK(ids_of(index.search("AND", 10)) == std::vector<std::string>{"p1", "p6"});
    // Diacritics and case fold as in the passages.
    CHECK(ids_of(index.search("CAFE", 10)) == std::vector<std::string>{"p6"});
    CHECK(ids_of(index.search("café", 10)) == std::vector<std::string>{"p6"});
    // No terms: nothing, and no error.
    for (const char* empty : {"", "   ", "\"\"", "!!! ... ---", "*", "()"}) {
        INFO(empty);
        CHECK(index.search(empty, 5).empty());
    }
    // A long query: every term once, no expression-depth limit.
    std::string many;
    for (int i = 0; i < 2000; ++i)
        many += "word" + std::to_string(i) + " ";
    CHECK(index.search(many + "cat", 3).size() == 2);
    CHECK(ix::list_indexes(f.project.db()).size() == 1);

    CHECK(ix::match_expression({"a\"b", "c"}) == "\"a\"\"b\" OR \"c\"");
    CHECK(ix::match_expression({}).empty());
}

TEST_CASE("query terms come from the index's tokenizer: distinct and in order", "[index]") {
    IndexFixture f;
    ix::QueryTokenizer tokenizer(f.project.db(), ix::kDefaultTokenizer);
    CHECK(tokenizer.terms("The Cat, the CAT and the café!") ==
          std::vector<std::string>{"the", "cat", "and", "cafe"});
    CHECK(tokenizer.terms("").empty());
    CHECK(tokenizer.terms("--- !!!").empty());
    CHECK_THROWS_AS(ix::QueryTokenizer(f.project.db(), "no_such_tokenizer"), Error);
}

TEST_CASE("bad input is a located error and changes nothing", "[index]") {
    IndexFixture f;
    f.add("pets", kPets);
    f.build("pets", "pets");
    std::vector<json> missing = kPets;
    missing[3] = {{"id", "p3"}, {"title", "no body"}};
    f.add("missing", missing);
    std::vector<json> wrong = kPets;
    wrong[4] = {{"id", "p4"}, {"body", {{"nested", true}}}};
    f.add("wrong", wrong);
    std::vector<json> boolean_id = kPets;
    boolean_id[2]["id"] = true;
    f.add("boolean-id", boolean_id);
    std::vector<json> duplicate = kPets;
    duplicate[5]["id"] = "p1";
    f.add("duplicate", duplicate);
    const std::string before = f.dump();

    Error e = caught([&] { f.build("bad", "missing"); });
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.where().row == 3);
    CHECK(e.where().field == "body");
    CHECK(std::string(e.what()) == "field 'body' is missing in missing@1 (row 3, field body)");

    e = caught([&] { f.build("bad", "wrong"); });
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.where().row == 4);
    CHECK(e.message() == "field 'body' in wrong@1 must be a string or a number, not an object");

    e = caught([&] { f.build("bad", "boolean-id"); });
    CHECK(e.where().row == 2);
    CHECK(e.where().field == "id");
    CHECK(e.message().find("not a boolean") != std::string::npos);

    e = caught([&] { f.build("bad", "duplicate"); });
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.where().row == 5);
    CHECK(e.message() == "duplicate passage id 'p1' in duplicate@1 (first in row 1)");

    CHECK(caught([&] { f.build("bad", "nosuch"); }).kind() == ErrorKind::BadInput);
    CHECK(caught([&] { f.build("bad name!", "pets"); }).kind() == ErrorKind::BadInput);
    CHECK(caught([&] { f.build("bad", "pets", ""); }).kind() == ErrorKind::Usage);
    ix::IndexBuildOptions o{.name = "bad",
                            .data_ref = "pets",
                            .text_field = "body",
                            .id_field = std::nullopt,
                            .bm25 = {.k1 = 1, .b = 2},
                            .replace = false};
    CHECK(caught([&] { ix::build_index(f.project, o); }).kind() == ErrorKind::Usage);
    // An existing name is refused without replace.
    e = caught([&] { f.build("pets", "pets"); });
    CHECK(e.kind() == ErrorKind::Usage);
    CHECK(e.hint().find("--force") != std::string::npos);

    CHECK(f.dump() == before);
    CHECK(caught([&] { ix::RetrievalIndex::open(f.project, "bad"); }).kind() ==
          ErrorKind::BadInput);
    CHECK(caught([&] { ix::remove_index(f.project.db(), "bad"); }).kind() == ErrorKind::BadInput);
}

TEST_CASE("numbers are stringified and without an id field the row number is the id", "[index]") {
    IndexFixture f;
    f.add("nums",
          {{{"n", 7}, {"t", 42}}, {{"n", 2.5}, {"t", "forty two"}}, {{"n", -1}, {"t", "x"}}});
    f.build("by-n", "nums", "t", "n");
    auto index = ix::RetrievalIndex::open(f.project, "by-n");
    CHECK(ids_of(index.search("42", 5)) == std::vector<std::string>{"7"});
    CHECK(index.search("42", 5)[0].text == "42");
    CHECK(ids_of(index.search("forty", 5)) == std::vector<std::string>{"2.5"});
    f.build("by-row", "nums", "t", std::nullopt);
    auto by_row = ix::RetrievalIndex::open(f.project, "by-row");
    // Both match one term once; the shorter row 2 ("x") ranks above row 1 ("forty two").
    CHECK(ids_of(by_row.search("x forty", 5)) == std::vector<std::string>{"2", "1"});
    CHECK_FALSE(by_row.info().id_field.has_value());
}

TEST_CASE("rebuilding replaces an index atomically", "[index]") {
    IndexFixture f;
    f.add("pets", kPets);
    ix::IndexInfo first = f.build("pets", "pets");
    std::vector<json> more = kPets;
    more.push_back({{"id", "p6"}, {"body", "a cat again"}});
    f.add("pets", more); // pets@2

    // A failing rebuild leaves the old index whole and searchable.
    std::vector<json> broken = more;
    broken[6].erase("body");
    f.add("pets", broken); // pets@3
    const std::string before = f.dump();
    Error e = caught([&] { f.build("pets", "pets@3", "body", "id", true); });
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.where().row == 6);
    CHECK(f.dump() == before);
    CHECK(ix::RetrievalIndex::open(f.project, "pets").search("cat", 5).size() == 2);

    ix::IndexInfo second = f.build("pets", "pets@2", "body", "id", true);
    CHECK(second.id != first.id);
    CHECK(second.documents == 7);
    CHECK(second.source_version == "pets@2");
    CHECK(f.fts_tables() == std::vector<std::string>{second.fts_table()});
    CHECK(ix::RetrievalIndex::open(f.project, "pets").search("cat", 5).size() == 3);

    ix::remove_index(f.project.db(), "pets");
    CHECK(f.fts_tables().empty());
    CHECK(ix::list_indexes(f.project.db()).empty());
}

TEST_CASE("BM25 statistics do not mix across indexes", "[index]") {
    IndexFixture f;
    f.add("pets", kPets);
    f.add("cats", {{{"id", "c0"}, {"body", "cat"}}, {{"id", "c1"}, {"body", "cat cat"}}});
    f.build("pets", "pets");
    f.build("cats", "cats");
    auto pets = ix::RetrievalIndex::open(f.project, "pets");
    CHECK(pets.search("cat", 1)[0].score == Approx(0.7192050).epsilon(1e-6));
}

TEST_CASE("passages_json gives rank id score and text", "[index]") {
    json out = ix::passages_json({{"a", "first", 2.5}, {"b", "second", 1.0}});
    REQUIRE(out.size() == 2);
    CHECK(out[0] == json{{"rank", 1}, {"id", "a"}, {"score", 2.5}, {"text", "first"}});
    CHECK(out[1]["rank"] == 2);
}

TEST_CASE("evaluation over a grid gives hand-computed means", "[index]") {
    IndexFixture f;
    f.add("pets", kPets);
    f.build("pets", "pets");
    f.add("labels", {{{"q", "cat"}, {"rel", {"p0"}}},
                     {{"q", "a dog?"}, {"rel", "p2"}},
                     {{"q", "unlabelled"}, {"rel", json::array()}},
                     {{"q", "unicorn"}, {"rel", nullptr}}});
    ix::LabelledQueries labelled = ix::load_labelled_queries(f.project, "labels", "q", "rel");
    CHECK(labelled.source_version == "labels@1");
    REQUIRE(labelled.queries.size() == 2);
    CHECK(labelled.skipped == 2);
    CHECK(labelled.queries[1].relevant == std::vector<std::string>{"p2"});

    auto index = ix::RetrievalIndex::open(f.project, "pets");
    ix::EvaluationGrid grid{.ks = {1, 2}, .k1_values = {1.2}, .b_values = {0.75}};
    ix::GridEvaluation result = ix::evaluate_grid(index, labelled.queries, grid);
    REQUIRE(result.settings.size() == 1);
    const auto& s = result.settings[0];
    // "cat" retrieves p1, p0 (relevant p0 at rank 2); "a dog?" retrieves p2 first ("a" is in
    // rows 2 and 5, "dog" only in 2).
    CHECK(s.mrr == Approx((0.5 + 1.0) / 2));
    CHECK(s.at_k[0].k == 1);
    CHECK(s.at_k[0].precision == Approx(0.5));
    CHECK(s.at_k[0].recall == Approx(0.5));
    CHECK(s.at_k[0].ndcg == Approx(0.5));
    CHECK(s.at_k[1].precision == Approx(0.5)); // (1/2 + 1/2) / 2
    CHECK(s.at_k[1].recall == Approx(1.0));
    CHECK(s.at_k[1].ndcg == Approx((1 / std::log2(3.0) + 1.0) / 2));
    CHECK(result.largest_k == 2);

    // The grid: k1 outer, b inner; the best has the highest nDCG at the largest k.
    grid = {.ks = {2, 1}, .k1_values = {0.0, 1.2}, .b_values = {0.0, 1.0}};
    result = ix::evaluate_grid(index, labelled.queries, grid);
    REQUIRE(result.settings.size() == 4);
    CHECK(result.settings[1].params == ix::Bm25Params{.k1 = 0.0, .b = 1.0});
    CHECK(result.settings[2].params == ix::Bm25Params{.k1 = 1.2, .b = 0.0});
    // k1 = 0 ties p0 and p1 on "cat" and keeps row order: p0 first, a perfect ranking.
    CHECK(result.settings[0].at_k[0].ndcg == Approx(1.0));
    CHECK(result.best == 0);
    for (const auto& setting : result.settings)
        CHECK(setting.at_k[0].ndcg <= result.settings[result.best].at_k[0].ndcg);

    CHECK(caught([&] { ix::evaluate_grid(index, {}, grid); }).kind() == ErrorKind::BadInput);
    CHECK(caught([&] {
              ix::evaluate_grid(index, labelled.queries,
                                {.ks = {0}, .k1_values = {1}, .b_values = {0}});
          }).kind() == ErrorKind::Usage);
    CHECK(caught([&] {
              ix::evaluate_grid(index, labelled.queries,
                                {.ks = {1}, .k1_values = {}, .b_values = {0}});
          }).kind() == ErrorKind::Usage);

    f.add("bad-labels", {{{"q", "cat"}, {"rel", {"p0", true}}}});
    Error e = caught([&] { ix::load_labelled_queries(f.project, "bad-labels", "q", "rel"); });
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.where().row == 0);
    CHECK(e.where().field == "rel");
    e = caught([&] { ix::load_labelled_queries(f.project, "labels", "question", "rel"); });
    CHECK(e.where().field == "question");
}
