// Unit tests for lib/store/project_limits.cpp: the `limits:` section of llmops.yaml and the
// LLMOPS_TEMPLATE_* variables that override it.
#include "core/error.hpp"
#include "store/project_limits.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

using namespace llmops;
namespace fs = std::filesystem;

namespace {

// Sets an environment variable for one test.
struct ScopedEnv {
    std::string name;
    ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
        ::setenv(name.c_str(), value, 1);
    }
    ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

mustache::TemplateLimits parse_limits(const std::string& yaml) {
    return store::parse_template_limits(parse_yaml(yaml, "llmops.yaml"));
}

} // namespace

TEST_CASE("limits: defaults without the section", "[store][limits]") {
    auto limits = parse_limits("providers: {}\n");
    CHECK(limits.max_steps == 10'000'000);
    CHECK(limits.max_output_bytes == 16u << 20);
    CHECK(limits.max_depth == 100);
}

TEST_CASE("limits: each key sets its budget", "[store][limits]") {
    auto limits = parse_limits("limits:\n  template_steps: 5000\n  template_output_bytes: 1024\n"
                               "  template_depth: 12\n");
    CHECK(limits.max_steps == 5000);
    CHECK(limits.max_output_bytes == 1024);
    CHECK(limits.max_depth == 12);
}

TEST_CASE("limits: bad keys and values are errors at their line", "[store][limits]") {
    auto error_of = [](const std::string& yaml) -> Error {
        try {
            parse_limits(yaml);
        } catch (const Error& e) {
            return e;
        }
        FAIL("expected an error for " << yaml);
        return Error(ErrorKind::BadInput, "");
    };
    auto unknown = error_of("limits:\n  template_step: 5\n");
    CHECK(unknown.kind() == ErrorKind::BadInput);
    CHECK(unknown.message().find("unknown key 'template_step'") != std::string::npos);
    CHECK(unknown.where().line == 2);
    for (const char* value : {"0", "-3", "1.5", "lots", "9007199254740993"}) {
        INFO(value);
        auto e = error_of(std::string("limits:\n  template_steps: ") + value + "\n");
        CHECK(e.message().find("limits.template_steps must be a whole number from 1 to") == 0);
        CHECK(e.where().line == 2);
        CHECK(e.where().column == 19);
    }
    CHECK(error_of("limits:\n  template_depth: 1001\n").message().find("from 1 to 1000") !=
          std::string::npos);
    CHECK(error_of("limits: 5\n").message().find("limits: must be a mapping") == 0);
}

TEST_CASE("limits: the environment overrides llmops.yaml", "[store][limits]") {
    testing::TempDir dir;
    fs::path config = dir.path() / "llmops.yaml";
    std::ofstream(config) << "limits:\n  template_steps: 5000\n  template_depth: 12\n";
    ScopedEnv steps("LLMOPS_TEMPLATE_STEPS", "70");
    auto limits = store::load_template_limits(config);
    CHECK(limits.max_steps == 70);
    CHECK(limits.max_depth == 12);
    CHECK(limits.max_output_bytes == 16u << 20);
    // No file: the defaults, then the environment.
    CHECK(store::load_template_limits(dir.path() / "missing.yaml").max_steps == 70);
    {
        ScopedEnv bad("LLMOPS_TEMPLATE_OUTPUT_BYTES", "12k");
        try {
            store::load_template_limits(config);
            FAIL("expected a usage error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Usage);
            CHECK(e.message() == "LLMOPS_TEMPLATE_OUTPUT_BYTES must be a whole number from 1 to "
                                 "9007199254740992, got '12k'");
        }
    }
}
