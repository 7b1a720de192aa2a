#include "core/error.hpp"
#include "prompt/prompt_registry.hpp"
#include "prompt/prompt_render.hpp"
#include "store/object_references.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace llmops;
using namespace llmops::prompt;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct RegistryFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    PromptRegistry registry{project};

    fs::path write(const std::string& name, const std::string& text) {
        fs::path p = paths.root / name;
        std::ofstream(p) << text;
        return p;
    }
};

const char* const kV1 = "name: qa\ntemplate: 'Q: {{q}}'\nvariables: {q: {required: true}}\n";
const char* const kV2 = "name: qa\ntemplate: 'Question: {{q}}'\nvariables: {q: {required: true}}\n";

ErrorKind kind_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("no error");
    return ErrorKind::CheckFailed;
}

} // namespace

TEST_CASE("adding versions, unchanged content, refs", "[prompt]") {
    RegistryFixture f;
    AddResult a = f.registry.add_file(f.write("qa.yaml", kV1), "first");
    CHECK(a.created);
    CHECK(a.version.ref() == "qa@1");
    CHECK(a.version.hash.size() == 32);
    CHECK(a.version.source == "qa.yaml");
    CHECK(a.version.labels == std::vector<std::string>{"latest"});

    // Same content, different YAML spelling: no new version.
    AddResult same = f.registry.add_file(
        f.write(
            "qa2.yaml",
            "# comment\nvariables:\n  q:\n    required: true\nname: qa\ntemplate: \"Q: {{q}}\"\n"),
        "");
    CHECK_FALSE(same.created);
    CHECK(same.version.number == 1);

    AddResult b = f.registry.add_file(f.write("qa.yaml", kV2), "second");
    CHECK(b.created);
    CHECK(b.version.number == 2);

    CHECK(f.registry.resolve("qa").number == 2);
    CHECK(f.registry.resolve("qa@latest").number == 2);
    CHECK(f.registry.resolve("qa@1").number == 1);
    CHECK(f.registry.resolve("qa@" + a.version.hash.substr(0, 6)).number == 1);
    CHECK(f.registry.resolve("qa@" + b.version.hash).number == 2);

    // Reverting to the first content is a change relative to the latest: version 3.
    AddResult c = f.registry.add_file(f.write("qa.yaml", kV1), "revert");
    CHECK(c.created);
    CHECK(c.version.number == 3);
    CHECK(c.version.hash == a.version.hash);
    CHECK(f.registry.resolve("qa@" + a.version.hash.substr(0, 8)).number == 3); // newest wins

    auto versions = f.registry.versions("qa");
    REQUIRE(versions.size() == 3);
    CHECK(versions[0].number == 3);
    CHECK(versions[2].message == "first");

    auto list = f.registry.list();
    REQUIRE(list.size() == 1);
    CHECK(list[0].latest.number == 3);
    CHECK(list[0].version_count == 3);

    // The spec objects are referenced, so gc keeps them and fsck checks them.
    int prompt_refs = 0;
    for (const auto& r : store::list_object_references(f.project.db()))
        if (r.owner.rfind("prompt qa@", 0) == 0) ++prompt_refs;
    CHECK(prompt_refs == 3);
}

TEST_CASE("unknown prompts, versions and labels are bad input", "[prompt]") {
    RegistryFixture f;
    f.registry.add_file(f.write("qa.yaml", kV1), "");
    CHECK(kind_of([&] { f.registry.resolve("nope"); }) == ErrorKind::BadInput);
    CHECK(kind_of([&] { f.registry.resolve("qa@9"); }) == ErrorKind::BadInput);
    CHECK(kind_of([&] { f.registry.resolve("qa@production"); }) == ErrorKind::BadInput);
    CHECK(kind_of([&] { f.registry.resolve("bad name"); }) == ErrorKind::BadInput);
    CHECK(kind_of([&] { f.registry.resolve("qa@"); }) == ErrorKind::BadInput);
    CHECK_THROWS_WITH(f.registry.resolve("nope"), Catch::Contains("no prompt named 'nope'"));
}

TEST_CASE("labels move and keep their history", "[prompt]") {
    RegistryFixture f;
    f.registry.add_file(f.write("qa.yaml", kV1), "");
    f.registry.add_file(f.write("qa.yaml", kV2), "");
    LabelChange set = f.registry.set_label("qa@1", "production");
    CHECK(set.changed);
    CHECK_FALSE(set.from_number);
    CHECK(f.registry.resolve("qa@production").number == 1);
    LabelChange again = f.registry.set_label("qa@1", "production");
    CHECK_FALSE(again.changed);
    LabelChange moved = f.registry.set_label("qa@latest", "production");
    CHECK(moved.changed);
    CHECK(moved.from_number == 1);
    CHECK(moved.to_number == 2);
    CHECK(f.registry.resolve("qa@production").number == 2);
    CHECK(f.registry.resolve("qa@2").labels == std::vector<std::string>{"latest", "production"});

    auto history = f.registry.label_history("qa");
    REQUIRE(history.size() == 2);
    CHECK(history[0].from_number == 1); // newest first
    CHECK(history[0].to_number == 2);
    CHECK_FALSE(history[1].from_number);

    CHECK(kind_of([&] { f.registry.set_label("qa", "latest"); }) == ErrorKind::Usage);
    CHECK(kind_of([&] { f.registry.set_label("qa", "9lives"); }) == ErrorKind::Usage);
    CHECK(kind_of([&] { f.registry.set_label("qa@7", "staging"); }) == ErrorKind::BadInput);
}

TEST_CASE("extends pins the parent version by hash", "[prompt]") {
    RegistryFixture f;
    auto base_v1 = f.registry.add_file(
        f.write("base.yaml", "name: base\ntemplate: 'A {{$tone}}plain{{/tone}} answer to {{q}}'\n"
                             "variables: {q: {required: true}}\n"),
        "");
    f.registry.set_label("base", "production");
    const std::string child = "name: child\nextends: base@production\n"
                              "template: '{{<base}}{{$tone}}friendly{{/tone}}{{/base}}'\n";
    auto c1 = f.registry.add_file(f.write("child.yaml", child), "");
    CHECK(c1.created);
    CHECK(c1.version.parent_ref == "base@1");
    json doc = f.registry.load_document(c1.version);
    CHECK(doc["extends"] == "base@" + base_v1.version.hash);

    // Re-adding with the parent unchanged: no new version.
    CHECK_FALSE(f.registry.add_file(f.write("child.yaml", child), "").created);

    // A new parent version under the label makes a new child version on the next add, while
    // the old child keeps rendering with the old parent.
    f.registry.add_file(
        f.write("base.yaml", "name: base\ntemplate: 'An {{$tone}}plain{{/tone}} reply to {{q}}'\n"
                             "variables: {q: {required: true}}\n"),
        "");
    f.registry.set_label("base@2", "production");
    auto c2 = f.registry.add_file(f.write("child.yaml", child), "");
    CHECK(c2.created);
    CHECK(c2.version.parent_ref == "base@2");

    PromptRenderer r1(f.registry.load(f.registry.resolve("child@1")));
    CHECK(r1.render(json{{"q", "x"}}).text == "A friendly answer to x");
    PromptRenderer r2(f.registry.load(f.registry.resolve("child@2")));
    CHECK(r2.render(json{{"q", "x"}}).text == "An friendly reply to x");
    // A missing required variable inherited from the parent is still an error.
    CHECK_THROWS_WITH(r2.render(json::object()), Catch::Contains("missing required variable 'q'"));

    // Extending an unknown prompt is located at the extends line.
    CHECK_THROWS_WITH(f.registry.add_file(f.write("bad.yaml", "name: bad\nextends: nobody\n"), ""),
                      Catch::Contains("no prompt named 'nobody'") &&
                          Catch::Contains("bad.yaml:2:"));
}
