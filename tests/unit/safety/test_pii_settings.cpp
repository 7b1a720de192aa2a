// safety.pii in llmops.yaml: user-defined recognizers (patterns, deny lists, validation),
// thresholds, regions, and errors at file:line:column.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "safety/pii_engine.hpp"
#include "safety/pii_settings.hpp"
#include "json/yaml_document.hpp"

using namespace llmops::safety;

namespace {

PiiSettings settings_of(const std::string& yaml) {
    return read_pii_settings(llmops::parse_yaml(yaml, "llmops.yaml"));
}

llmops::Error settings_error_of(const std::string& yaml) {
    try {
        PiiEngine engine(settings_of(yaml));
    } catch (const llmops::Error& e) {
        return e;
    }
    FAIL("no error for:\n" << yaml);
    throw;
}

std::vector<std::string> types_in(const PiiEngine& e, std::string_view text) {
    std::vector<std::string> out;
    for (const auto& f : e.scan(text))
        out.push_back(f.type + ":" + f.rule_id);
    return out;
}

} // namespace

TEST_CASE("no safety section: the defaults", "[safety][pii][config]") {
    PiiSettings s = settings_of("version: 1\n");
    CHECK(s.default_region == "US");
    CHECK(s.custom.empty());
    CHECK(s.threshold_for("PHONE_NUMBER") == 0.6);
    CHECK(s.threshold_for("EMAIL_ADDRESS") == 0.5);
}

TEST_CASE("user-defined recognizers: pattern, deny list, checksum validation",
          "[safety][pii][config]") {
    PiiEngine e(settings_of(R"(safety:
  pii:
    default_region: GB
    thresholds: {default: 0.4, EMPLOYEE_ID: 0.5}
    recognizers:
      - id: employee
        entity: EMPLOYEE_ID
        pattern: '\bEMP-\d{6}\b'
        score: 0.3
        context: [employee, staff id]
      - id: codenames
        entity: PROJECT
        deny_list: [Bluebird, Nightjar]
        score: 0.9
      - id: account
        entity: ACCOUNT
        pattern: '\b\d{11}\b'
        validation: luhn
)"));
    CHECK(e.settings().default_region == "GB");
    // Score 0.3 is under the threshold 0.5 unless a context phrase is near.
    CHECK(types_in(e, "ref EMP-123456").empty());
    CHECK(types_in(e, "staff id EMP-123456") ==
          std::vector<std::string>{"EMPLOYEE_ID:custom.employee"});
    CHECK(types_in(e, "the nightjar launch") ==
          std::vector<std::string>{"PROJECT:custom.codenames"});
    CHECK(types_in(e, "the nightjars launch").empty()); // whole words only
    CHECK(types_in(e, "acct 79927398713") == std::vector<std::string>{"ACCOUNT:custom.account"});
    CHECK(types_in(e, "acct 79927398710").empty()); // Luhn fails
}

TEST_CASE("a pattern RE2 rejects is an error at its line and column", "[safety][pii][config]") {
    auto e =
        settings_error_of("safety:\n  pii:\n    recognizers:\n      - id: x\n        entity: X\n"
                          "        pattern: '(?<=a)b'\n");
    CHECK(e.kind() == llmops::ErrorKind::BadInput);
    CHECK(e.where().to_string() == "llmops.yaml:6:18");
    CHECK(e.message().find("RE2 rejects the pattern") != std::string::npos);
    auto backref = settings_error_of("safety:\n  pii:\n    allow_patterns: ['(a)\\1']\n");
    CHECK(backref.where().line == 3);
}

TEST_CASE("config errors name the key", "[safety][pii][config]") {
    CHECK(settings_error_of("safety:\n  pii:\n    default_region: XX\n").message() ==
          "/safety/pii/default_region: unknown region 'XX' (ISO 3166 alpha-2)");
    CHECK(settings_error_of("safety:\n  pii:\n    entities: [EMAIL]\n")
              .message()
              .find("unknown entity type 'EMAIL'") != std::string::npos);
    CHECK(settings_error_of(
              "safety:\n  pii:\n    recognizers:\n      - {id: a, entity: A, pattern: x, "
              "validation: lun}\n")
              .message()
              .find("did you mean 'luhn'") != std::string::npos);
    CHECK(settings_error_of("safety:\n  pii:\n    recognizers:\n      - {id: a, entity: A}\n")
              .message()
              .find("needs either `pattern` or `deny_list`") != std::string::npos);
    CHECK(settings_error_of(
              "safety:\n  pii:\n    recognizers:\n      - {id: a, entity: A, pattern: 'x*'}\n")
              .message()
              .find("matches the empty text") != std::string::npos);
    CHECK(settings_error_of("safety:\n  pii:\n    thresholds: {EMAIL_ADDRESS: 2}\n").kind() ==
          llmops::ErrorKind::BadInput);
    CHECK(settings_error_of("safety:\n  pii:\n    colour: red\n").where().line == 3);
}

TEST_CASE("limits on user patterns and recognizers", "[safety][pii][config]") {
    CHECK(
        settings_error_of("safety:\n  pii:\n    limits: {max_pattern_bytes: 4}\n    recognizers:\n"
                          "      - {id: a, entity: A, pattern: 'abcdef'}\n")
            .message()
            .find("over the limit of 4") != std::string::npos);
    CHECK(settings_error_of("safety:\n  pii:\n    limits: {max_recognizers: 1}\n    recognizers:\n"
                            "      - {id: a, entity: A, pattern: 'a'}\n"
                            "      - {id: b, entity: B, pattern: 'b'}\n")
              .message()
              .find("2 recognizers, over the limit of 1") != std::string::npos);
}
