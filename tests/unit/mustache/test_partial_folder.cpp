// Partials of raw templates from a folder: NAME.mustache or NAME, never a path.
#include "core/error.hpp"
#include "mustache/partial_folder.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace llmops;
using namespace llmops::mustache;
namespace fs = std::filesystem;

TEST_CASE("partials come from NAME.mustache or NAME in the folder", "[mustache][partials]") {
    testing::TempDir dir;
    std::ofstream(dir.path() / "greeting.mustache") << "Hello {{name}}";
    std::ofstream(dir.path() / "plain") << "[{{name}}]";
    std::ofstream(dir.path() / ".hidden.mustache") << "secret";
    fs::create_directory(dir.path() / "sub");
    std::ofstream(dir.path() / "sub" / "x.mustache") << "nested";

    PartialCache partials = partials_from_folder(dir.path());
    const nlohmann::json vars = {{"name", "Ann"}};
    auto render_text = [&](const std::string& source) {
        return render(compile(source, {.name = "t"}), vars, partials, {});
    };
    CHECK(render_text("{{> greeting}}!") == "Hello Ann!");
    CHECK(render_text("{{> plain}}") == "[Ann]");
    // Not found (non-strict rendering): names are not paths and hidden files stay hidden.
    CHECK(render_text("{{> sub/x}}|{{> .hidden}}|{{> missing}}") == "||");
}

TEST_CASE("no folder gives no partials and a file is not a folder", "[mustache][partials]") {
    testing::TempDir dir;
    CHECK(render(compile("a{{> x}}b", {.name = "t"}), nlohmann::json::object(),
                 partials_from_folder(""), {}) == "ab");
    std::ofstream(dir.path() / "file") << "x";
    try {
        partials_from_folder(dir.path() / "file");
        FAIL("a file was taken for a folder");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
    }
}
