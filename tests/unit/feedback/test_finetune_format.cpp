#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_writer.hpp"
#include "feedback/finetune_api.hpp"
#include "feedback/finetune_format.hpp"
#include "feedback/finetune_jobs.hpp"
#include "feedback/review_session.hpp"
#include "prompt/prompt_registry.hpp"
#include "serve/multipart_form.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"

#include <variant>

using namespace llmops;
using nlohmann::json;

namespace {

struct FinetuneFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);

    data::DatasetVersion add(const std::string& name, const std::vector<json>& rows) {
        data::DatasetWriter writer(project);
        for (const auto& r : rows)
            writer.add_row(canonical_json(r));
        data::VersionDraft draft;
        draft.name = name;
        return writer.commit(draft).version;
    }

    void add_prompt() {
        prompt::PromptRegistry registry(project);
        registry.add_text("name: qa\nmessages:\n  - {role: system, content: \"Answer briefly.\"}\n"
                          "  - {role: user, content: \"{{question}}\"}\n"
                          "variables:\n  question: {type: string, required: true}\n",
                          "qa.yaml", "");
    }

    std::vector<json> lines(const data::DatasetVersion& v, feedback::TuneOptions options) {
        auto result = feedback::build_tune_export(project, v, options);
        std::vector<json> out;
        std::size_t at = 0;
        while (at < result.jsonl.size()) {
            std::size_t end = result.jsonl.find('\n', at);
            out.push_back(json::parse(result.jsonl.substr(at, end - at)));
            at = end + 1;
        }
        return out;
    }
};

// The message of the BadInput error `fn` throws, with its location.
template <typename Fn> std::string bad_input(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        return e.message() + " (" + e.where().to_string() + ")";
    }
    FAIL("expected an error");
    return "";
}

} // namespace

TEST_CASE("rows render through a prompt into each fine-tuning format", "[feedback][finetune]") {
    FinetuneFixture f;
    f.add_prompt();
    auto v = f.add("qa", {{{"question", "What is WAL?"}, {"expected", "A log."}}});
    feedback::TuneOptions o{.prompt_ref = "qa", .target_field = "expected"};

    o.format = feedback::TuneFormat::OpenAIChat;
    auto chat = f.lines(v, o);
    REQUIRE(chat.size() == 1);
    CHECK(chat[0] == json::parse(R"({"messages": [{"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is WAL?"}, {"role": "assistant", "content": "A log."}]})"));

    o.format = feedback::TuneFormat::Anthropic;
    CHECK(f.lines(v, o)[0] == json::parse(R"({"system": "Answer briefly.", "messages": [
        {"role": "user", "content": "What is WAL?"}, {"role": "assistant", "content": "A log."}]})"));

    o.format = feedback::TuneFormat::Alpaca;
    CHECK(f.lines(v, o)[0] == json::parse(R"({"instruction": "Answer briefly.",
        "input": "What is WAL?", "output": "A log."})"));
}

TEST_CASE("fine-tuning rules name the row and what is wrong", "[feedback][finetune]") {
    FinetuneFixture f;
    auto chat = [](std::vector<std::pair<std::string, std::string>> messages) {
        json list = json::array();
        for (auto& [role, content] : messages)
            list.push_back({{"role", role}, {"content", content}});
        return json{{"messages", list}};
    };
    auto good = chat({{"user", "hi"}, {"assistant", "hello"}});
    feedback::TuneOptions o;

    auto no_answer = f.add("a", {good, chat({{"user", "hi"}})});
    std::string m = bad_input([&] { feedback::build_tune_export(f.project, no_answer, o); });
    CHECK(m.find("last message must be from the assistant") != std::string::npos);
    CHECK(m.find("row 1") != std::string::npos);

    auto empty = f.add("b", {chat({{"user", "hi"}, {"assistant", " "}})});
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, empty, o);
          }).find("assistant message is empty") != std::string::npos);

    auto role = f.add("c", {chat({{"user", "hi"}, {"tool", "x"}, {"assistant", "a"}})});
    CHECK(bad_input([&] { feedback::build_tune_export(f.project, role, o); }).find("role 'tool'") !=
          std::string::npos);

    auto late_system = f.add("d", {chat({{"user", "hi"}, {"system", "x"}, {"assistant", "a"}})});
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, late_system, o);
          }).find("system message may only come first") != std::string::npos);

    auto twice = f.add("e", {chat({{"user", "a"}, {"user", "b"}, {"assistant", "c"}})});
    CHECK_NOTHROW(feedback::build_tune_export(f.project, twice, o)); // OpenAI allows it
    o.format = feedback::TuneFormat::Anthropic;
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, twice, o);
          }).find("must alternate") != std::string::npos);
    o.format = feedback::TuneFormat::Alpaca;
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, twice, o);
          }).find("one instruction and one answer") != std::string::npos);

    o.format = feedback::TuneFormat::OpenAIChat;
    o.max_tokens = 5;
    auto long_row = f.add("g", {chat({{"user", std::string(400, 'x')}, {"assistant", "a"}})});
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, long_row, o);
          }).find("over the openai-chat limit of 5") != std::string::npos);

    o.max_tokens = 0;
    auto no_messages = f.add("h", {{{"question", "q"}}});
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, no_messages, o);
          }).find("no 'messages' field") != std::string::npos);
}

TEST_CASE("alpaca rows already in its shape are checked and kept", "[feedback][finetune]") {
    FinetuneFixture f;
    auto v = f.add("al", {{{"instruction", "Add"}, {"input", "1+1"}, {"output", "2"}}});
    feedback::TuneOptions o{.format = feedback::TuneFormat::Alpaca};
    CHECK(f.lines(v, o)[0] == json({{"instruction", "Add"}, {"input", "1+1"}, {"output", "2"}}));
    auto bad = f.add("al2", {{{"instruction", "Add"}, {"output", ""}}});
    CHECK(bad_input([&] {
              feedback::build_tune_export(f.project, bad, o);
          }).find("'output' must be a non-empty string") != std::string::npos);
}

TEST_CASE("a multipart upload body parses back into its parts", "[feedback][finetune]") {
    std::string content = "{\"messages\":[]}\r\n--llmops-x\n";
    auto m = feedback::multipart_body({{"purpose", "fine-tune"}}, "file", "train.jsonl", content);
    auto parsed =
        serve::parse_multipart_form("multipart/form-data; boundary=" + m.boundary, m.body);
    REQUIRE(std::holds_alternative<std::vector<serve::FormPart>>(parsed));
    const auto& parts = std::get<std::vector<serve::FormPart>>(parsed);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].name == "purpose");
    CHECK(parts[0].data == "fine-tune");
    CHECK(parts[1].filename == std::optional<std::string>("train.jsonl"));
    CHECK(parts[1].data == content);
}

TEST_CASE("finetune --param pairs become job fields and hyperparameters", "[feedback][finetune]") {
    json p = feedback::job_parameters(
        {"n_epochs=3", "suffix=qa", "learning_rate_multiplier=0.5", "batch_size=auto", "seed=7"});
    CHECK(p == json::parse(R"({"suffix": "qa", "seed": 7, "hyperparameters":
        {"n_epochs": 3, "learning_rate_multiplier": 0.5, "batch_size": "auto"}})"));
    CHECK_THROWS_AS(feedback::job_parameters({"no-equals"}), Error);
}

TEST_CASE("a review keeps its decisions and writes a version at the end", "[feedback][review]") {
    FinetuneFixture f;
    auto v = f.add("rv", {{{"q", "1"}, {"expected", "one"}},
                          {{"q", "2"}, {"expected", "too"}},
                          {{"q", "3"}, {"expected", "three"}}});
    {
        feedback::ReviewSession s(f.project, "rv", "expected");
        CHECK(s.next_undecided() == std::optional<std::int64_t>(0));
        s.decide(0, feedback::ReviewDecision::Accept, s.row(0));
        s.decide(1, feedback::ReviewDecision::Accept, s.with_field(1, "two"));
    } // quit
    feedback::ReviewSession s(f.project, "rv", "expected");
    CHECK(s.next_undecided() == std::optional<std::int64_t>(2)); // resumes
    CHECK(json::parse(s.row(1))["expected"] == "two");
    s.decide(2, feedback::ReviewDecision::Reject, s.row(2));
    auto counts = s.counts();
    CHECK(counts.accepted == 2);
    CHECK(counts.edited == 1);
    CHECK(counts.rejected == 1);
    auto result = s.finish("");
    CHECK(result.created);
    CHECK(result.version.rows == 2);
    CHECK(result.version.provenance["rejected_rows"] == json::array({2}));
    CHECK(result.version.provenance["edited_rows"] == json::array({1}));
    // The decisions are gone with the review finished.
    feedback::ReviewSession again(f.project, v.ref(), "expected");
    CHECK(again.next_undecided() == std::optional<std::int64_t>(0));
}
