#include "core/text.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace llmops;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
} // namespace

TEST_CASE("UTF-8 validation: the SIMD check and the located one agree", "[text]") {
    struct Case {
        std::string bytes;
        std::optional<std::size_t> first_invalid;
    };
    const Case cases[] = {
        {"plain ASCII", std::nullopt},
        {"Größe 日本 \xF0\x9F\x98\x80", std::nullopt},
        {"\xEF\xBF\xBF\xF4\x8F\xBF\xBF", std::nullopt}, // U+FFFF and U+10FFFF are valid
        {"ab\xFF", 2},
        {"a\xC0\xAF", 1},        // overlong '/'
        {"\xE0\x80\xAF", 0},     // overlong, three bytes
        {"x\xED\xA0\x80", 1},    // UTF-16 surrogate
        {"\xF4\x90\x80\x80", 0}, // past U+10FFFF
        {"ok \xE2\x82", 3},      // cut short
        {"\x80 lone", 0},        // a continuation byte alone
        {"\xC3\xA9\xC3", 2},     // a lead byte at the end
    };
    for (const auto& c : cases) {
        INFO(c.bytes);
        CHECK(is_valid_utf8(c.bytes) == !c.first_invalid);
        CHECK(find_invalid_utf8(c.bytes) == c.first_invalid);
    }
}

TEST_CASE("UTF-8 decoding replaces each invalid byte, encoding round-trips", "[text]") {
    CHECK(decode_utf8("a\xC3\xA9") == U"a\u00E9");
    CHECK(decode_utf8("a\xFF"
                      "b") == U"a\uFFFDb");
    CHECK(decode_utf8("\xE2\x82") == U"\uFFFD\uFFFD");           // truncated sequence
    CHECK(decode_utf8("\xC0\xAF") == U"\uFFFD\uFFFD");           // overlong '/'
    CHECK(decode_utf8("\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD"); // UTF-16 surrogate
    CHECK(encode_utf8(U"\U0001F600x\u00E9") == "\xF0\x9F\x98\x80x\xC3\xA9");
    CHECK(encode_utf8(std::u32string{0xD800, 0x110000}) == kFffd + kFffd);
    char32_t cp = 0;
    CHECK(decode_utf8_at("a\xE6\x97\xA5", 1, cp) == 3);
    CHECK(cp == U'\u65E5');
    CHECK(decode_utf8_at("\xFF", 0, cp) == 0);
    char buffer[4];
    CHECK(std::string(buffer, write_utf8(U'\u20AC', buffer)) == "\xE2\x82\xAC");
}

TEST_CASE("code points, repair and cutting at character boundaries", "[text]") {
    CHECK(code_point_count("日本語") == 3);
    CHECK(code_point_count("a\xFF\x80") == 3); // invalid bytes count one each
    CHECK(code_point_count("") == 0);
    CHECK(to_valid_utf8("Größe") == "Größe");
    CHECK(to_valid_utf8("a\xFF"
                        "b") == "a" + kFffd + "b");
    CHECK(to_valid_utf8("\xC0\xAF") == kFffd + kFffd);
    CHECK(is_valid_utf8(to_valid_utf8("\xED\xA0\x80 \xF4\x90\x80\x80")));
    CHECK(utf8_prefix("aé", 2) == "a"); // é is 2 bytes: never cut in half
    CHECK(utf8_prefix("aé", 3) == "aé");
    CHECK(utf8_prefix("日本", 5) == "日");
    CHECK(utf8_prefix("abc", 0).empty());
}

TEST_CASE("one line for a table", "[text]") {
    CHECK(one_line("a\tb\nc\r", 20) == "a b c ");
    CHECK(one_line("abcdefghij", 10) == "abcdefghij");
    CHECK(one_line("abcdefghijk", 10) == "abcdefg...");
    CHECK(one_line("ab日本語", 8) == "ab日...");
    CHECK(one_line("ab日本語", 7) == "ab..."); // 日 would end past byte 4: cut before it
}

TEST_CASE("Unicode categories and the token estimate", "[text]") {
    CHECK(is_unicode_letter_or_number(U'x'));
    CHECK(is_unicode_letter_or_number(U'7'));
    CHECK(is_unicode_letter_or_number(U'\u00E9'));
    CHECK(is_unicode_letter_or_number(U'\u0663')); // Arabic-Indic three
    CHECK_FALSE(is_unicode_letter_or_number(U'_'));
    CHECK_FALSE(is_unicode_letter_or_number(U'\u2014'));
    CHECK(is_unicode_combining_mark(U'\u0301'));
    CHECK_FALSE(is_unicode_combining_mark(U'a'));
    // ceil(code points / 4), whatever the bytes.
    CHECK(approx_tokens("") == 0);
    CHECK(approx_tokens("abcd") == 1);
    CHECK(approx_tokens("abcde") == 2);
    CHECK(approx_tokens("日本語の文") == 2);
    CHECK(approx_tokens_of_chars(9) == 3);
}

TEST_CASE("ASCII helpers and normalisation", "[text]") {
    CHECK(ascii_lower("Content-Type É") == "content-type É");
    CHECK(ascii_iequals("ETag", "etag"));
    CHECK_FALSE(ascii_iequals("ETag", "etags"));
    CHECK(trim_blanks(" \t x y \t") == "x y");
    CHECK(trim_blanks("\nx\r") == "\nx\r");
    CHECK(trim_spaces("\n\v\f\r\t x y \t\r\n") == "x y");
    CHECK(trim_spaces("\x08x\x0E") == "\x08x\x0E"); // the neighbours of the range stay
    CHECK(trim_spaces(" \n ").empty());
    CHECK(normalize_text("  Hello\u00A0  WORLD ") == "hello world");
    CHECK(normalize_text("Ｆｕｌｌ ｗｉｄｔｈ") == "full width");
    CHECK(normalize_text("STRASSE") == normalize_text("Straße"));
    CHECK(normalize_text("\uFB01ne") == "fine"); // the fi ligature
}

TEST_CASE("positions in a text", "[text]") {
    CHECK(position_of("ab\ncd", 4).line == 2);
    CHECK(position_of("ab\ncd", 4).column == 2);
    CHECK(position_of("ab", 99).column == 3);
}
