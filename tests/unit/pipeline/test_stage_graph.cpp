#include "core/error.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "pipeline/stage_graph.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace llmops;
using namespace llmops::pipeline;

namespace {

StageGraph graph_of(const std::string& yaml, const std::filesystem::path& dir) {
    return build_graph(parse_pipeline(yaml, dir / "pipeline.yaml"));
}

std::vector<std::string> names(const StageGraph& g, const std::vector<std::size_t>& order) {
    std::vector<std::string> out;
    for (std::size_t i : order)
        out.push_back(g.spec.stages[i].name);
    return out;
}

std::string graph_error_of(const std::string& yaml, const std::filesystem::path& dir) {
    try {
        graph_of(yaml, dir);
    } catch (const Error& e) {
        return e.message() + " @ " + e.where().to_string();
    }
    return "";
}

} // namespace

TEST_CASE("stages run after the stages producing their dependencies", "[pipeline]") {
    testing::TempDir dir;
    // File order is z, y, x; the data flows x -> y -> z.
    auto g = graph_of(R"(stages:
  z:
    cmd: cat y.txt > z.txt
    deps: [y.txt]
    outs: [z.txt]
  y:
    cmd: cat x/a > y.txt
    deps: [x/a]
    outs: [y.txt]
  x:
    cmd: mkdir -p x && echo 1 > x/a
    outs: [x]
  w:
    cmd: echo w
)",
                      dir.path());
    CHECK(names(g, g.order) == std::vector<std::string>{"x", "y", "z", "w"});
    CHECK(names(g, g.select({"y"})) == std::vector<std::string>{"x", "y"});
    CHECK(names(g, g.upstream[0]) == std::vector<std::string>{"y"});
    CHECK_THROWS_AS(g.select({"nope"}), Error);
}

TEST_CASE("independent stages keep the file's order", "[pipeline]") {
    testing::TempDir dir;
    auto g = graph_of("stages:\n  b:\n    cmd: 'true'\n  a:\n    cmd: 'true'\n  c:\n    cmd: "
                      "'true'\n",
                      dir.path());
    CHECK(names(g, g.order) == std::vector<std::string>{"b", "a", "c"});
}

TEST_CASE("a cycle is named with its stages", "[pipeline]") {
    testing::TempDir dir;
    std::string err = graph_error_of(R"(stages:
  a:
    cmd: cp c a
    deps: [c]
    outs: [a]
  b:
    cmd: cp a b
    deps: [a]
    outs: [b]
  c:
    cmd: cp b c
    deps: [b]
    outs: [c]
)",
                                     dir.path());
    CHECK(err.find("cycle: a -> b -> c -> a") != std::string::npos);
    CHECK(err.find("pipeline.yaml:3:5") != std::string::npos); // stage a
    std::string self =
        graph_error_of("stages:\n  s:\n    cmd: x\n    deps: [o]\n    outs: [o]\n", dir.path());
    CHECK(self.find("cycle: s -> s") != std::string::npos);
}

TEST_CASE("graph errors name the stage and position", "[pipeline]") {
    testing::TempDir dir;
    CHECK(graph_error_of("stages:\n  a:\n    cmd: x\n    deps: [missing.txt]\n", dir.path()) ==
          "stage 'a': dependency 'missing.txt' does not exist and no stage produces it @ " +
              (dir.path() / "pipeline.yaml").string() + ":4:12");
    CHECK(graph_error_of("stages:\n  a:\n    cmd: x\n    outs: [out]\n  b:\n    cmd: y\n    outs: "
                         "[out/part]\n",
                         dir.path())
              .find("overlaps output 'out' of stage 'a'") != std::string::npos);
    CHECK(graph_error_of("stages:\n  a:\n    cmd: x\n    outs: [data:qa]\n  b:\n    cmd: y\n    "
                         "outs: [data:qa]\n",
                         dir.path())
              .find("output 'data:qa' of stage 'b'") != std::string::npos);
}

TEST_CASE("a dataset output feeds a dataset dependency", "[pipeline]") {
    testing::TempDir dir;
    auto g = graph_of(R"(stages:
  use:
    cmd: x
    deps: [data:qa@latest]
  make:
    llmops: [data, add, rows.jsonl, --name, qa]
    outs: [data:qa]
)",
                      dir.path());
    CHECK(names(g, g.order) == std::vector<std::string>{"make", "use"});
    CHECK(g.spec.stages[1].llmops_args.size() == 5);
}

TEST_CASE("stage specs are checked", "[pipeline]") {
    testing::TempDir dir;
    auto fails = [&](const std::string& yaml, const std::string& text) {
        std::string err = graph_error_of(yaml, dir.path());
        INFO(err);
        CHECK(err.find(text) != std::string::npos);
    };
    fails("stages:\n  a:\n    cmd: x\n    llmops: drift a b\n", "exactly one of");
    fails("stages:\n  a:\n    llmops: serve\n", "llmops step must start with one of");
    fails("stages:\n  a:\n    cmd: x\n    deps: [/etc/passwd]\n", "must be relative");
    fails("stages:\n  a:\n    cmd: x\n    deps: [../up]\n", "leaves the pipeline's folder");
    fails("stages:\n  a:\n    cmd: x\n    colour: red\n", "unknown key 'colour'");
    fails("stages:\n  -a:\n    cmd: x\n", "stage name '-a'");
    fails("stages:\n  a:\n    cmd: x\n    deps: [a.txt, ./a.txt]\n", "listed twice");
    fails("stages:\n  a:\n    cmd: x\n    outs: [data:qa@2]\n", "no @version");
    fails("stages:\n  a:\n    cmd: x\n    deps: [{params: p.yaml}]\n", "'keys' must be");
    fails("stages: {}\n", "'stages' must be a mapping");
    fails("stagez: {}\n", "unknown key 'stagez' in the pipeline file (expected stages)");
    fails("[]\n", "the pipeline file needs a 'stages:' mapping");
    fails("stages:\n  a:\n    llmops: finetune status ft-1\n",
          "one of: data add, data transform, eval run, deploy, drift, finetune create");
}

TEST_CASE("finetune create is an llmops step", "[pipeline]") {
    testing::TempDir dir;
    std::ofstream(dir.path() / "rows.jsonl") << "{}\n";
    auto g = graph_of(R"(stages:
  add:
    llmops: data add rows.jsonl --name qa
    deps: [rows.jsonl]
    outs: ["data:qa"]
  tune:
    llmops: finetune create --provider local --data qa@latest --wait --model-file models/qa.txt
    deps: ["data:qa@latest", "provider:local"]
    outs: [models/qa.txt]
)",
                      dir.path());
    REQUIRE(g.spec.stages.size() == 2);
    const Stage& tune = g.spec.stages[1];
    CHECK(tune.llmops_args.front() == "finetune");
    CHECK(tune.llmops_args[1] == "create");
    CHECK(tune.display_command() ==
          "llmops finetune create --provider local --data qa@latest --wait --model-file "
          "models/qa.txt");
    CHECK(names(g, g.order) == std::vector<std::string>{"add", "tune"});
}
