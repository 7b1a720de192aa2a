// Messages stay one line and carry no terminal escape sequences (core/text.hpp).
#include <catch2/catch.hpp>

#include "core/text.hpp"

using llmops::escape_control_characters;

TEST_CASE("C0 controls and DEL are escaped", "[core]") {
    CHECK(escape_control_characters("a\nb") == "a\\nb");
    CHECK(escape_control_characters("a\r\tb") == "a\\r\\tb");
    CHECK(escape_control_characters("\x1b[31mred") == "\\x1b[31mred");
    CHECK(escape_control_characters(std::string("nul\0x", 5)) == "nul\\x00x");
    CHECK(escape_control_characters("del\x7f") == "del\\x7f");
}

TEST_CASE("C1 controls, line separators and bidi overrides are escaped", "[core]") {
    CHECK(escape_control_characters("\xc2\x9b"
                                    "31m") == "\\u{009b}31m"); // U+009B CSI
    CHECK(escape_control_characters("a\xe2\x80\xa8z") == "a\\u{2028}z");
    CHECK(escape_control_characters("\xe2\x80\xae"
                                    "abc") == "\\u{202e}abc");
}

TEST_CASE("text that is not UTF-8 is escaped byte by byte", "[core]") {
    CHECK(escape_control_characters("\x9b"
                                    "31m") == "\\x9b31m");
    CHECK(escape_control_characters("\xff\xfe") == "\\xff\\xfe");
    CHECK(escape_control_characters("\xe2\x80") == "\\xe2\\x80"); // cut short
    CHECK(escape_control_characters("\xc0\xaf") == "\\xc0\\xaf"); // overlong
}

TEST_CASE("printable text is kept as it is", "[core]") {
    CHECK(escape_control_characters("") == "");
    CHECK(escape_control_characters("plain ASCII, with \\ and 'quotes'") ==
          "plain ASCII, with \\ and 'quotes'");
    CHECK(escape_control_characters("Grüße — 日本語 😀") == "Grüße — 日本語 😀");
}
