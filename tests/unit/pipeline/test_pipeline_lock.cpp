#include "core/error.hpp"
#include "pipeline/pipeline_lock.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "pipeline/stage_inputs.hpp"

#include <catch2/catch.hpp>

using namespace llmops;
using namespace llmops::pipeline;

TEST_CASE("the lock file is sorted, quoted and reads back", "[pipeline]") {
    PipelineLock lock;
    lock.stages["train"] = {"00112233445566778899aabbccddeeff",
                            "python train.py --lr \"0.1\"",
                            {{"src/train.py", "aa"}, {"data:qa@latest", "bb"}},
                            {{"model.bin", "cc"}}};
    lock.stages["prepare"] = {"ffeeddccbbaa99887766554433221100", "make prep", {}, {{"out", "dd"}}};
    std::string text = render_lock(lock);
    CHECK(text == "# Written by `llmops pipeline run`; commit it with the pipeline file "
                  "(docs/pipelines.md#the-lock-file).\n"
                  "schema: 1\n"
                  "stages:\n"
                  "  \"prepare\":\n"
                  "    key: ffeeddccbbaa99887766554433221100\n"
                  "    cmd: \"make prep\"\n"
                  "    deps: {}\n"
                  "    outs:\n"
                  "      \"out\": \"dd\"\n"
                  "  \"train\":\n"
                  "    key: 00112233445566778899aabbccddeeff\n"
                  "    cmd: \"python train.py --lr \\\"0.1\\\"\"\n"
                  "    deps:\n"
                  "      \"data:qa@latest\": \"bb\"\n"
                  "      \"src/train.py\": \"aa\"\n"
                  "    outs:\n"
                  "      \"model.bin\": \"cc\"\n");
    CHECK(parse_lock(text, "pipeline.lock") == lock);
    CHECK(render_lock(parse_lock(text, "pipeline.lock")) == text);
    CHECK(parse_lock(render_lock({}), "x").stages.empty());
}

TEST_CASE("a lock file of another schema is refused with its position", "[pipeline]") {
    try {
        parse_lock("schema: 2\nstages: {}\n", "pipeline.lock");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.where().to_string() == "pipeline.lock:1:9");
    }
}

TEST_CASE("stage keys cover the command, dependency values and outputs", "[pipeline]") {
    Stage s;
    s.name = "a";
    s.cmd = "make";
    s.outs.push_back({OutKind::Path, "o", {}});
    ValueHashes deps = {{"in.txt", "11"}};
    std::string key = stage_key(s, deps);
    CHECK(key.size() == 32);
    CHECK(stage_key(s, deps) == key);
    CHECK(stage_key(s, {{"in.txt", "12"}}) != key);
    CHECK(stage_key(s, {{"in.txt", "11"}, {"data:qa", "x"}}) != key);
    Stage other = s;
    other.cmd = "make all";
    CHECK(stage_key(other, deps) != key);
    other = s;
    other.outs.push_back({OutKind::Dataset, "qa", {}});
    CHECK(stage_key(other, deps) != key);
    other = s;
    other.name = "renamed"; // the name is not part of what the stage computes
    CHECK(stage_key(other, deps) == key);
    // A shell command and an llmops step with the same words differ.
    Stage step;
    step.llmops_args = {"make"};
    step.outs = s.outs;
    CHECK(stage_key(step, deps) != key);
}

TEST_CASE("dotted params keys", "[pipeline]") {
    auto doc = nlohmann::json::parse(R"({"train": {"lr": 0.1, "layers": [1, 2]}, "seed": 3})");
    REQUIRE(find_dotted(doc, "train.lr"));
    CHECK(*find_dotted(doc, "train.lr") == 0.1);
    CHECK(*find_dotted(doc, "seed") == 3);
    CHECK(find_dotted(doc, "train.nope") == nullptr);
    CHECK(find_dotted(doc, "seed.x") == nullptr);
}

TEST_CASE("a stage key that is not a hexadecimal hash is refused where it stands", "[pipeline]") {
    // Found by fuzz_pipeline_spec: a key with a quote and a NUL did not read back the same.
    try {
        parse_lock("schema: 1\nstages:\n  \"a\":\n    key: \"0f\\\"\\0\"\n", "pipeline.lock");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.where().to_string() == "pipeline.lock:4:10");
        CHECK(std::string(e.what()).find("hexadecimal") != std::string::npos);
    }
}

TEST_CASE("a lock stage whose cmd is not a string is refused", "[pipeline]") {
    // Found by fuzz_pipeline_spec: an empty 'cmd:' escaped as a JSON type error.
    CHECK_THROWS_AS(parse_lock("schema: 1\nstages:\n  a:\n    key: 00ff\n    cmd:\n", "x"), Error);
}
