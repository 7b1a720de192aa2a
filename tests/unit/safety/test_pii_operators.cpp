// Redaction operators: redact, mask, keyed hash, replace.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "safety/pii_engine.hpp"
#include "safety/pii_operators.hpp"

#include <cstdlib>

using namespace llmops::safety;

namespace {

std::string redacted(std::string_view text, const RedactionOperator& op) {
    static const PiiEngine engine;
    return redact_text(text, engine.scan(text), op);
}

} // namespace

TEST_CASE("redact puts the entity type in place", "[safety][pii][operators]") {
    CHECK(redacted("mail jo@example.com or call (201) 555-0123",
                   parse_operator("redact", "UNUSED")) ==
          "mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>");
    CHECK(redacted("nothing here", parse_operator("redact", "UNUSED")) == "nothing here");
}

TEST_CASE("mask keeps the last N characters", "[safety][pii][operators]") {
    CHECK(redacted("card 4111 1111 1111 1111.", parse_operator("mask", "UNUSED")) ==
          "card ***************1111.");
    CHECK(redacted("card 4111 1111 1111 1111.", parse_operator("mask:0", "UNUSED")) ==
          "card *******************.");
    CHECK(apply_operator(parse_operator("mask:2", "UNUSED"), "X", "émile") == "***le");
    CHECK(apply_operator(parse_operator("mask:9", "UNUSED"), "X", "abc") == "abc");
}

TEST_CASE("hash gives stable keyed pseudonyms", "[safety][pii][operators]") {
    ::setenv("LLMOPS_TEST_PII_KEY", "secret-1", 1);
    auto op = parse_operator("hash", "LLMOPS_TEST_PII_KEY");
    const std::string a = apply_operator(op, "EMAIL_ADDRESS", "jo@example.com");
    CHECK(a.starts_with("<EMAIL_ADDRESS:"));
    CHECK(a.size() == std::string("<EMAIL_ADDRESS:>").size() + 16);
    CHECK(apply_operator(op, "EMAIL_ADDRESS", "jo@example.com") == a);
    CHECK(apply_operator(op, "EMAIL_ADDRESS", "al@example.com") != a);
    ::setenv("LLMOPS_TEST_PII_KEY", "secret-2", 1);
    auto other_key = parse_operator("hash", "LLMOPS_TEST_PII_KEY");
    CHECK(apply_operator(other_key, "EMAIL_ADDRESS", "jo@example.com") != a);
    ::unsetenv("LLMOPS_TEST_PII_KEY");
    CHECK_THROWS_AS(parse_operator("hash", "LLMOPS_TEST_PII_KEY"), llmops::Error);
}

TEST_CASE("replace puts one text in place and bad operators are usage errors",
          "[safety][pii][operators]") {
    CHECK(redacted("mail jo@example.com", parse_operator("replace:[removed]", "UNUSED")) ==
          "mail [removed]");
    for (const char* bad : {"erase", "mask:x", "mask:", "redact:3", "replace"}) {
        try {
            (void)parse_operator(bad, "UNUSED");
            FAIL("accepted " << bad);
        } catch (const llmops::Error& e) {
            CHECK(e.kind() == llmops::ErrorKind::Usage);
        }
    }
}
