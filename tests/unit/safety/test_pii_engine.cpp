// The PII engine end to end: spans, scores, context words as whole words, overlaps, bad text.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "safety/pii_engine.hpp"

#include <algorithm>

using namespace llmops::safety;

namespace {

const PiiEngine& engine() {
    static const PiiEngine e;
    return e;
}

std::vector<std::string> types_in(std::string_view text, const PiiEngine& e = engine()) {
    std::vector<std::string> out;
    for (const auto& f : e.scan(text))
        out.push_back(f.type);
    return out;
}

} // namespace

TEST_CASE("a finding has its type, byte and code point span, score and validation",
          "[safety][pii]") {
    const std::string text = "Café crème: write to jo@example.com please";
    auto findings = engine().scan(text);
    REQUIRE(findings.size() == 1);
    const Finding& f = findings[0];
    CHECK(f.kind == FindingKind::pii);
    CHECK(f.type == "EMAIL_ADDRESS");
    CHECK(f.rule_id == "pii.email");
    CHECK(text.substr(f.span.byte_begin, f.span.byte_end - f.span.byte_begin) == "jo@example.com");
    CHECK(f.span.byte_begin == 23); // "é" and "è" are two bytes each
    CHECK(f.span.code_point_begin == 21);
    CHECK(f.span.code_point_end == 35);
    CHECK(f.score >= 0.9);
    CHECK(f.validation == "email_syntax");
}

TEST_CASE("each built-in entity type is found in a sentence", "[safety][pii]") {
    CHECK(types_in("card 4111 1111 1111 1111 expires soon") ==
          std::vector<std::string>{"CREDIT_CARD"});
    CHECK(types_in("pay to DE89 3704 0044 0532 0130 00 today") ==
          std::vector<std::string>{"IBAN_CODE"});
    CHECK(types_in("server at 192.168.10.24 and 2001:db8::8a2e:370:7334 answered") ==
          std::vector<std::string>{"IP_ADDRESS", "IP_ADDRESS"});
    CHECK(types_in("see https://example.com/docs/a?b=1.") == std::vector<std::string>{"URL"});
    CHECK(types_in("visit example.org for more") == std::vector<std::string>{"DOMAIN_NAME"});
    CHECK(types_in("her SSN is 536-22-1234") == std::vector<std::string>{"US_SSN"});
    CHECK(types_in("send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa now") ==
          std::vector<std::string>{"CRYPTO"});
    CHECK(types_in("she was born on 17 May 1990 in Leeds") ==
          std::vector<std::string>{"DATE_TIME"});
    CHECK(types_in("Call me at (201) 555-0123 tomorrow") ==
          std::vector<std::string>{"PHONE_NUMBER"});
}

TEST_CASE("near misses are not reported", "[safety][pii]") {
    CHECK(types_in("card 4111 1111 1111 1112 expires soon").empty());    // Luhn
    CHECK(types_in("pay to DE89 3704 0044 0532 0130 01 today").empty()); // mod 97
    CHECK(types_in("version 1.2.3.4.5 and 300.1.1.1").empty());
    CHECK(types_in("her SSN is 666-22-1234").empty());
    CHECK(types_in("edit config.yaml and README.txt").empty());
    CHECK(types_in("the meeting is on 17 May 1990").empty()); // a date, no birth context
    CHECK(types_in("it costs $4,500,000 in 2019-2020").empty());
    // The retry without the last digit group ("555 1234 42") does not cut a token joined by '-':
    // "978-0-306" would pass as an Irish number, and "Call" is a phone context word.
    CHECK(types_in("The ISBN is 978-0-306-40615-7. Call stack depth reached 1024.").empty());
    CHECK(types_in("").empty());
}

TEST_CASE("national phone numbers of other regions, by format", "[safety][pii]") {
    auto findings = engine().scan("Ring the Birmingham office on 0121 234 5678 before noon.");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].type == "PHONE_NUMBER");
    CHECK(findings[0].validation == "phone_national:GB");
    CHECK(types_in("Unser Büro: +49 30 123456.") == std::vector<std::string>{"PHONE_NUMBER"});
    // The country code in parentheses with its plus.
    const auto bracketed = engine().scan("Reach me at (+44) 20 7946 0958 please.");
    REQUIRE(bracketed.size() == 1);
    CHECK(bracketed[0].validation == "phone_international");
    CHECK(bracketed[0].span.byte_begin == 12);
    CHECK(bracketed[0].span.byte_end == 30);
}

TEST_CASE("an IBAN whose length is not its country's is found with less confidence",
          "[safety][pii]") {
    const auto findings = engine().scan("It was GB50LBCL9139099603082 all along.");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].type == "IBAN_CODE");
    CHECK(findings[0].validation == "iban_mod97_only");
    CHECK(findings[0].score == Approx(0.6));
    CHECK(findings[0].span.byte_end - findings[0].span.byte_begin == 21);
    // A context word lifts it as any other finding.
    CHECK(engine().scan("Our account GB50LBCL9139099603082 is new.").at(0).score > 0.9);
    CHECK(types_in("Our account GB51LBCL9139099603082 is new.").empty()); // check digits
    CHECK(types_in("Our account ZZ50LBCL9139099603082 is new.").empty()); // no such country
}

TEST_CASE("an IPv6 address with an IPv4 tail is found whole", "[safety][pii]") {
    const auto findings = engine().scan("mapped to ::ffff:192.0.2.128 here");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].type == "IP_ADDRESS");
    CHECK(findings[0].span.byte_begin == 10);
    CHECK(findings[0].span.byte_end == 28);
}

TEST_CASE("phone extensions belong to the number they follow", "[safety][pii]") {
    for (const std::string number :
         {"212-555-0147x123", "(212)555-0147 ext. 4567", "212.555.0147 EXT 89",
          "+1-212-555-0147 extension 12", "212 555 0147 x 1"}) {
        INFO(number);
        const auto findings = engine().scan("Reach the office at " + number + " please.");
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].type == "PHONE_NUMBER");
        CHECK(findings[0].span.byte_begin == 20);
        CHECK(findings[0].span.byte_end == 20 + number.size());
    }
    // Seven digits or more after the marker are no extension; neither is a size.
    CHECK(types_in("Reach the office at 212-555-0147x12345678 please.").empty());
    CHECK(types_in("a 1920x1080 screen").empty());
}

TEST_CASE("context words count only as whole words", "[safety][pii]") {
    // Nine digits with no separators score 0.3: only the whole word "ssn" lifts them.
    CHECK(types_in("ssn 536221234") == std::vector<std::string>{"US_SSN"});
    CHECK(types_in("SSN: 536221234") == std::vector<std::string>{"US_SSN"});
    CHECK(types_in("grassnest 536221234").empty()); // "ssn" inside a word
    CHECK(types_in("536221234").empty());
    // A multi-word phrase, in order.
    CHECK(types_in("date of birth 1990-05-17") == std::vector<std::string>{"DATE_TIME"});
    CHECK(types_in("birthday-ish: 1990-05-17") == std::vector<std::string>{"DATE_TIME"});
    CHECK(types_in("rebirthdays 1990-05-17").empty());
}

TEST_CASE("a URL wins over the domain inside it, an e-mail over its domain", "[safety][pii]") {
    auto findings = engine().scan("read https://docs.example.com/x or mail a@b-c.example.com");
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].type == "URL");
    CHECK(findings[1].type == "EMAIL_ADDRESS");
}

TEST_CASE("invalid UTF-8 and over-long texts are errors, not crashes", "[safety][pii]") {
    try {
        (void)engine().scan(std::string("abc \xff\xfe def"));
        FAIL("no error");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK(e.message() == "the text is not valid UTF-8 (byte 4)");
    }
    PiiSettings small;
    small.limits.max_text_bytes = 8;
    PiiEngine limited(small);
    CHECK_THROWS_AS(limited.scan("123456789"), llmops::Error);
    CHECK(limited.scan("short").empty());
}

TEST_CASE("per-entity thresholds and the entity list", "[safety][pii]") {
    PiiSettings strict;
    strict.thresholds["DOMAIN_NAME"] = 0.99;
    CHECK(types_in("see example.org for more", PiiEngine(strict)).empty());
    CHECK(types_in("see example.org for more").size() == 1);
    PiiSettings only_email;
    only_email.entities = {"EMAIL_ADDRESS"};
    CHECK(types_in("jo@example.com at 192.168.1.1", PiiEngine(only_email)) ==
          std::vector<std::string>{"EMAIL_ADDRESS"});
}

TEST_CASE("allow lists drop exact texts and full pattern matches", "[safety][pii]") {
    PiiSettings s;
    s.allow_list = {"Support@Example.com"};
    s.allow_patterns = {R"(10\.0\.\d+\.\d+)"};
    PiiEngine e(s);
    CHECK(types_in("mail support@example.com or jo@example.com", e) ==
          std::vector<std::string>{"EMAIL_ADDRESS"});
    CHECK(types_in("hosts 10.0.0.7 and 172.16.0.9", e) == std::vector<std::string>{"IP_ADDRESS"});
}
