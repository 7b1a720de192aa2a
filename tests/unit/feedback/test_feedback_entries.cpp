#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "feedback/feedback_entries.hpp"
#include "feedback/log_dataset.hpp"
#include "serve/request_log.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

using namespace llmops;
using nlohmann::json;

namespace {

// A project whose request log holds four requests of route qa (bodies in full, two with
// variables and answers) and one of route other, the second with a "helpful: false" score.
struct LogFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    std::int64_t t0 = *parse_iso8601_ms("2026-12-06T00:00:00Z");
    std::vector<std::string> ids;

    LogFixture() {
        auto backend = serve::open_store_request_log(paths.database());
        std::vector<serve::RequestRecord> records;
        for (int i = 0; i < 5; ++i) {
            serve::RequestRecord r;
            std::int64_t ms = t0 + i * 1000;
            r.id = serve::make_request_id(ms, static_cast<std::uint32_t>(i));
            r.created_at = iso8601_from_ms(ms);
            r.env = i == 3 ? "staging" : "prod";
            r.method = "POST";
            r.path = "/v1/chat/completions";
            r.route = i == 4 ? "other" : "qa";
            r.status = 200;
            r.total_ms = 100.0 * (i + 1);
            r.body_policy = i == 2 ? "hash" : "full";
            if (i != 2) {
                r.request_body =
                    json{{"model", r.route}, {"variables", {{"question", "q" + std::to_string(i)}}}}
                        .dump();
                r.response_body =
                    json{{"choices",
                          {{{"message",
                             {{"role", "assistant"}, {"content", "a" + std::to_string(i)}}}}}}}
                        .dump();
            } else {
                r.request_body = "0123456789abcdef0123456789abcdef";
            }
            ids.push_back(r.id);
            records.push_back(r);
        }
        std::vector<bool> found;
        backend->write_group(records, {}, found);
    }

    serve::FeedbackRecord score(int i, std::string name, json value) {
        serve::FeedbackRecord f;
        f.request_id = ids[static_cast<std::size_t>(i)];
        f.name = std::move(name);
        f.value = std::move(value);
        return f;
    }
};

std::vector<json> rows_of(store::Project& project, const std::string& ref) {
    std::vector<json> rows;
    data::for_each_row(project, ref, [&](std::string_view row, std::int64_t) {
        rows.push_back(json::parse(row));
        return true;
    });
    return rows;
}

} // namespace

TEST_CASE("feedback values typed from the command line", "[feedback]") {
    CHECK(feedback::parse_feedback_value("true") == json(true));
    CHECK(feedback::parse_feedback_value("false") == json(false));
    CHECK(feedback::parse_feedback_value("0.8") == json(0.8));
    CHECK(feedback::parse_feedback_value("-2") == json(-2));
    CHECK(feedback::parse_feedback_value("formal") == json("formal"));
    CHECK(feedback::parse_feedback_value("1e400") == json("1e400")); // not a finite number
}

TEST_CASE("feedback add stores against a logged request and lists with its route", "[feedback]") {
    LogFixture f;
    auto stored = feedback::add_feedback(f.project.db(), f.score(1, "helpful", false));
    CHECK(stored.id > 0);
    feedback::add_feedback(f.project.db(), f.score(4, "helpful", true));
    auto all = feedback::list_feedback(f.project.db(), {});
    REQUIRE(all.size() == 2);
    CHECK(all[0].route == "qa");
    CHECK(all[0].feedback.record.request_id == f.ids[1]);
    CHECK(all[0].feedback.record.value == json(false));
    feedback::FeedbackFilter only_other;
    only_other.route = "other";
    auto other = feedback::list_feedback(f.project.db(), only_other);
    REQUIRE(other.size() == 1);
    CHECK(other[0].feedback.record.request_id == f.ids[4]);
    std::string csv = feedback::format_feedback(all, feedback::FeedbackFormat::Csv);
    CHECK(csv.rfind("id,time,request_id,route,env,name,value,comment,key\r\n", 0) == 0);
    std::string jsonl = feedback::format_feedback(all, feedback::FeedbackFormat::Jsonl);
    CHECK(json::parse(jsonl.substr(0, jsonl.find('\n')))["route"] == "qa");
}

TEST_CASE("feedback add refuses unknown requests and bad values, storing nothing", "[feedback]") {
    LogFixture f;
    auto unknown = f.score(0, "helpful", true);
    unknown.request_id = "req_00000000000000ff";
    CHECK_THROWS_AS(feedback::add_feedback(f.project.db(), unknown), Error);
    CHECK_THROWS_AS(feedback::add_feedback(f.project.db(), f.score(0, "", true)), Error);
    CHECK_THROWS_AS(feedback::add_feedback(f.project.db(), f.score(0, "helpful", "")), Error);
    CHECK_THROWS_AS(feedback::add_feedback(f.project.db(), f.score(0, std::string(201, 'n'), 1)),
                    Error);
    CHECK(feedback::list_feedback(f.project.db(), {}).empty());
}

TEST_CASE("a logged request's columns hold log fields, feedback and bodies", "[feedback]") {
    LogFixture f;
    feedback::add_feedback(f.project.db(), f.score(1, "helpful", true));
    feedback::add_feedback(f.project.db(), f.score(1, "helpful", false)); // the latest wins
    auto log = serve::open_store_request_log(f.paths.database());
    auto rows = feedback::select_logged_requests(*log, {.route = "qa"});
    REQUIRE(rows.size() == 4);
    const json& second = rows[1];
    CHECK(second["request_id"] == f.ids[1]);
    CHECK(second["question"] == "q1");
    CHECK(second["answer"] == "a1");
    CHECK(second["latency_ms"] == 200.0);
    CHECK(second["feedback.helpful"] == false);
    CHECK(second["feedback_count"] == 2);
    CHECK_FALSE(rows[2].contains("answer")); // logged with policy hash

    auto negative = feedback::select_logged_requests(
        *log, {.route = "qa", .where = {"feedback.helpful==false"}});
    REQUIRE(negative.size() == 1);
    auto slow = feedback::select_logged_requests(
        *log, {.route = "qa", .env = "prod", .where = {"latency_ms>=200"}});
    CHECK(slow.size() == 2); // 200 and 300 ms in prod; 400 ms is staging
    CHECK_THROWS_AS(feedback::select_logged_requests(*log, {.route = "qa", .where = {"nonsense"}}),
                    Error);
}

TEST_CASE("data add --from-logs adds only requests not present yet", "[feedback]") {
    LogFixture f;
    feedback::add_feedback(f.project.db(), f.score(0, "helpful", false));
    feedback::FromLogsRequest request;
    request.selection = {.route = "qa", .where = {"feedback.helpful==false"}};
    request.name = "bad-answers";
    auto first = feedback::add_from_logs(f.project, request);
    CHECK(first.commit.created);
    CHECK(first.added == std::vector<std::string>{f.ids[0]});
    auto rows = rows_of(f.project, "bad-answers");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0] == json({{"request_id", f.ids[0]},
                           {"question", "q0"},
                           {"answer", "a0"},
                           {"feedback", {{"helpful", false}}}}));
    CHECK(first.commit.version.provenance["request_ids"] == json::array({f.ids[0]}));

    // The same selection again: nothing new.
    auto again = feedback::add_from_logs(f.project, request);
    CHECK_FALSE(again.commit.created);
    CHECK(again.already_present == 1);

    // More negative feedback: one row more, the first kept once.
    feedback::add_feedback(f.project.db(), f.score(1, "helpful", false));
    auto more = feedback::add_from_logs(f.project, request);
    CHECK(more.commit.created);
    CHECK(more.added == std::vector<std::string>{f.ids[1]});
    CHECK(rows_of(f.project, "bad-answers").size() == 2);
    CHECK(more.base == std::optional<std::string>("bad-answers@1"));
}

TEST_CASE("data add --from-logs names a request whose bodies were not logged", "[feedback]") {
    LogFixture f;
    feedback::FromLogsRequest request;
    request.selection = {.route = "qa"};
    request.name = "all";
    try {
        feedback::add_from_logs(f.project, request);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK(std::string(e.what()).find(f.ids[2]) != std::string::npos);
        CHECK(e.hint().find("--log-bodies full") != std::string::npos);
    }
    CHECK_FALSE(data::latest_version(f.project.db(), "all"));
    // Log columns only: every request qualifies.
    request.fields = {"latency_ms", "status"};
    auto report = feedback::add_from_logs(f.project, request);
    CHECK(report.added.size() == 4);
    // No match and no dataset yet: an error, not an empty dataset.
    request.name = "none";
    request.selection.where = {"status==500"};
    CHECK_THROWS_AS(feedback::add_from_logs(f.project, request), Error);
    CHECK_FALSE(data::latest_version(f.project.db(), "none"));
}
