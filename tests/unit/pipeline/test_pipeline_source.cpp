// Where the project's pipeline comes from: pipeline.yaml, llmops.yaml's pipelines: section,
// or a file named with -f; both places at once is refused.
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "pipeline/pipeline_source.hpp"
#include "pipeline/stage_graph.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace llmops;
using namespace llmops::pipeline;

namespace {

const char* kConfigWithSection = R"(version: 1
providers:
  local: {type: exec, command: ./train.sh}
pipelines:
  stages:
    prepare:
      cmd: cp raw.txt data/clean.txt
      deps: [raw.txt]
      outs: [data/clean.txt]
    tune:
      llmops: finetune create --provider local --data qa --wait --model-file models/qa.txt
      deps: [data/clean.txt, "data:qa@latest"]
      outs: [models/qa.txt]
)";

Error source_error_of(const std::filesystem::path& root,
                      const std::filesystem::path& explicit_file = {}) {
    try {
        locate_pipeline(root, root / "llmops.yaml", explicit_file);
    } catch (const Error& e) {
        return e;
    }
    FAIL("no error");
    return Error(ErrorKind::Usage, "");
}

} // namespace

TEST_CASE("the pipelines: section of llmops.yaml is the project's pipeline", "[pipeline]") {
    testing::TempDir dir;
    testing::write_test_file(dir.path() / "llmops.yaml", kConfigWithSection);
    testing::write_test_file(dir.path() / "raw.txt", "raw\n");
    PipelineSource source = locate_pipeline(dir.path(), dir.path() / "llmops.yaml", {});
    CHECK(source.spec.file == dir.path() / "llmops.yaml");
    CHECK(source.spec.root == dir.path());
    CHECK(source.lock_file == dir.path() / "pipeline.lock");
    REQUIRE(source.spec.stages.size() == 2);
    CHECK(source.spec.stages[0].name == "prepare");
    CHECK(source.spec.stages[0].where.line == 7); // positions are llmops.yaml's
    CHECK(source.spec.stages[1].llmops_args[1] == "create");
    StageGraph graph = build_graph(std::move(source.spec));
    CHECK(graph.upstream[1] == std::vector<std::size_t>{0});
}

TEST_CASE("pipeline.yaml at the root, its lock beside it", "[pipeline]") {
    testing::TempDir dir;
    testing::write_test_file(dir.path() / "llmops.yaml", "version: 1\n");
    testing::write_test_file(dir.path() / "pipeline.yaml", "stages:\n  a:\n    cmd: 'true'\n");
    PipelineSource source = locate_pipeline(dir.path(), dir.path() / "llmops.yaml", {});
    CHECK(source.spec.file == dir.path() / "pipeline.yaml");
    CHECK(source.lock_file == dir.path() / "pipeline.lock");
    // No llmops.yaml at all is no section.
    std::filesystem::remove(dir.path() / "llmops.yaml");
    CHECK(locate_pipeline(dir.path(), dir.path() / "llmops.yaml", {}).spec.stages.size() == 1);
}

TEST_CASE("pipeline.yaml beside a pipelines: section is refused", "[pipeline]") {
    testing::TempDir dir;
    testing::write_test_file(dir.path() / "llmops.yaml", kConfigWithSection);
    testing::write_test_file(dir.path() / "pipeline.yaml", "stages:\n  a:\n    cmd: 'true'\n");
    Error e = source_error_of(dir.path());
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.message() == "the pipeline is defined twice: in pipeline.yaml and in the "
                         "'pipelines:' section of llmops.yaml");
    CHECK(e.where().file == (dir.path() / "llmops.yaml").string());
    CHECK(e.where().line == 5);
    CHECK(e.hint().find("-f") != std::string::npos);
    // -f names the file to use, whatever llmops.yaml holds.
    testing::write_test_file(dir.path() / "other.yaml", "stages:\n  b:\n    cmd: 'true'\n");
    PipelineSource chosen =
        locate_pipeline(dir.path(), dir.path() / "llmops.yaml", dir.path() / "other.yaml");
    CHECK(chosen.spec.stages.at(0).name == "b");
    CHECK(chosen.lock_file == dir.path() / "other.lock");
    // -f llmops.yaml chooses the section.
    PipelineSource section =
        locate_pipeline(dir.path(), dir.path() / "llmops.yaml", dir.path() / "llmops.yaml");
    CHECK(section.spec.stages.at(0).name == "prepare");
    CHECK(section.lock_file == dir.path() / "pipeline.lock");
    testing::write_test_file(dir.path() / "llmops.yaml", "version: 1\n");
    CHECK(source_error_of(dir.path(), dir.path() / "llmops.yaml").message() ==
          "llmops.yaml has no 'pipelines:' section");
}

TEST_CASE("neither pipeline.yaml nor a section", "[pipeline]") {
    testing::TempDir dir;
    testing::write_test_file(dir.path() / "llmops.yaml", "version: 1\n");
    Error e = source_error_of(dir.path());
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(e.message() ==
          "no pipeline: neither pipeline.yaml nor a 'pipelines:' section in llmops.yaml");
}

TEST_CASE("errors in the section point into llmops.yaml", "[pipeline]") {
    testing::TempDir dir;
    auto fails = [&](const std::string& config, const std::string& text, long line) {
        testing::write_test_file(dir.path() / "llmops.yaml", config);
        Error e = source_error_of(dir.path());
        INFO(e.message());
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK(e.message().find(text) != std::string::npos);
        CHECK(e.where().file == (dir.path() / "llmops.yaml").string());
        CHECK(e.where().line == line);
    };
    fails("version: 1\npipelines:\n  stage: {}\n", "unknown key 'stage' in 'pipelines:'", 3);
    fails("version: 1\npipelines: []\n", "'pipelines:' needs a 'stages:' mapping", 2);
    fails("version: 1\npipelines:\n  stages:\n    a:\n      cmd: x\n      deps: [/abs]\n",
          "must be relative", 6);
    fails("version: 1\npipelines:\n  stages:\n    a:\n      llmops: serve\n",
          "llmops step must start with one of", 5);
    // The top-level keys are checked as every command checks them.
    fails("version: 1\npipeline:\n  stages: {}\n", "did you mean 'pipelines'", 3);
}
