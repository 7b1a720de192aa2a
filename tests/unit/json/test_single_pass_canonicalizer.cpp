// The single-pass fast path must never disagree with the full canonicaliser: whatever it
// accepts, the full path accepts with the same bytes; whatever it declines goes the full way,
// so JsonCanonicalizer with and without the fast path gives the same bytes or the same error.
#include "data/row_block.hpp"
#include "data/schema_summary.hpp"
#include "json/canonical_json.hpp"
#include "json/single_pass_canonicalizer.hpp"
#include "json/text_buffer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>

using llmops::FastPath;
using llmops::JsonCanonicalizer;
using llmops::JsonRoot;
using llmops::JsonTextError;
using llmops::kJsonPadding;
using llmops::SinglePassCanonicalizer;

namespace {

struct Outcome {
    bool ok = false;
    std::string text; // canonical text, or the error message
    int issue = -1;
    std::size_t offset = 0;
    bool operator==(const Outcome&) const = default;
};

Outcome run(JsonCanonicalizer& c, const std::string& text, JsonRoot root) {
    std::string padded = text + std::string(kJsonPadding, 'x'); // padding content must not matter
    Outcome o;
    std::string out = "prefix:";
    try {
        c.append(padded.data(), text.size(), out, root);
        o.ok = true;
        o.text = out.substr(7);
    } catch (const JsonTextError& e) {
        o.text = e.what();
        o.issue = static_cast<int>(e.issue());
        o.offset = e.offset();
        CHECK(out == "prefix:"); // nothing half-written
    }
    return o;
}

struct Checker {
    SinglePassCanonicalizer single_pass;
    JsonCanonicalizer full{FastPath::Off};
    JsonCanonicalizer combined{FastPath::On};
    JsonCanonicalizer unpadded{FastPath::On};
    // Written in place: a buffer kept across texts (so rows land after other rows and the
    // buffer grows under way) and a copy of what it must hold.
    SinglePassCanonicalizer in_place_pass;
    JsonCanonicalizer in_place_unpadded{FastPath::On};
    llmops::TextBuffer in_place;
    std::string in_place_expected;
    long accepted = 0;
    long checked = 0;

    // Returns whether the fast path accepted the text.
    bool check(const std::string& text, JsonRoot root = JsonRoot::Any) {
        ++checked;
        const Outcome expected = run(full, text, root);
        std::string fast = "prefix:";
        const bool took = single_pass.append(text, root, fast);
        INFO("text: " << text);
        if (took) {
            ++accepted;
            CHECK(expected.ok);
            CHECK(fast.substr(7) == expected.text);
            // The field types it reports are those of the canonical text.
            if (const auto* fields = single_pass.fields()) {
                llmops::data::SchemaSummary from_text, from_fields;
                from_text.add_row(expected.text);
                from_fields.add_fields(*fields);
                CHECK(from_fields.to_json() == from_text.to_json());
            } else {
                CHECK(expected.text.front() != '{');
            }
        } else {
            CHECK(fast == "prefix:");
        }
        CHECK(run(combined, text, root) == expected);
        // append_unpadded reads nothing past the text: give it an exact-size heap copy (so
        // that AddressSanitizer would see a byte read past it).
        auto exact = std::make_unique<char[]>(text.size() + (text.empty() ? 1 : 0));
        std::copy(text.begin(), text.end(), exact.get());
        llmops::TextBuffer out;
        try {
            unpadded.append_unpadded(std::string_view(exact.get(), text.size()), out, root);
            CHECK(expected.ok);
            CHECK(out.view() == expected.text);
        } catch (const JsonTextError& e) {
            CHECK_FALSE(expected.ok);
            CHECK(e.what() == expected.text);
            CHECK(e.offset() == expected.offset);
        }
        check_in_place(std::string_view(exact.get(), text.size()), root, took, expected);
        return took;
    }

    void check_in_place(std::string_view text, JsonRoot root, bool took, const Outcome& expected) {
        if (in_place.size() > (1u << 20)) {
            in_place.clear();
            in_place_expected.clear();
        }
        CHECK(in_place_pass.append(text, root, in_place) == took);
        if (took) in_place_expected += expected.text;
        try {
            in_place_unpadded.append_unpadded(text, in_place, root);
            CHECK(expected.ok);
            in_place_expected += expected.text;
        } catch (const JsonTextError&) {
            CHECK_FALSE(expected.ok);
        }
        REQUIRE(in_place.view() == in_place_expected);
    }
};

// A random JSON value in a random but valid spelling: key order, whitespace, escapes, numbers.
class Generator {
  public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    std::string document() {
        std::string out;
        space(out);
        object(out, 0);
        space(out);
        return out;
    }

    std::string number() {
        std::string out;
        if (pick(3) == 0) out += '-';
        const int kind = pick(6);
        if (kind == 0) {
            out += '0';
        } else {
            out += static_cast<char>('1' + pick(9));
            const int digits = pick(kind >= 4 ? 22 : 8);
            for (int i = 0; i < digits; ++i)
                out += static_cast<char>('0' + pick(10));
        }
        if (pick(2) == 0) {
            out += '.';
            const int zeros = pick(4) == 0 ? pick(9) : 0;
            out.append(static_cast<std::size_t>(zeros), '0');
            const int digits = 1 + pick(pick(2) == 0 ? 4 : 20);
            for (int i = 0; i < digits; ++i)
                out += static_cast<char>('0' + pick(10));
        }
        if (pick(12) == 0) {
            out += pick(2) ? 'e' : 'E';
            if (pick(2)) out += pick(2) ? '-' : '+';
            out += std::to_string(pick(400));
        }
        return out;
    }

    int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  private:
    void space(std::string& out) {
        static const char* const kSpaces[] = {"", "", "", "", " ", "\t", "\r\n ", "  "};
        out += kSpaces[pick(8)];
    }

    void string(std::string& out, bool key) {
        static const char* const kPieces[] = {"a",       "b",       "key",
                                              "id",      "Z",       "_",
                                              " ",       "/",       "é",
                                              "日本",    "😀",       "\x7f",
                                              "\\\"",    "\\\\",    "\\/",
                                              "\\n",     "\\t",     "\\b",
                                              "\\f",     "\\r",     "\\u0000",
                                              "\\u001f", "\\u0041", "\\u00e9",
                                              "\\u00E9", "\\u20ac", "\\ud83d\\ude00",
                                              "\\u0022", "\\u005c", "\\u000a",
                                              "\\u007f", "\\uffff", "0123456789abcdef"};
        out += '"';
        const int n = pick(key ? 3 : 8);
        for (int i = 0; i < n; ++i) {
            const int k = pick(key ? 12 : 33);
            out += kPieces[k];
        }
        if (!key && pick(6) == 0) out += std::string(static_cast<std::size_t>(pick(60)), 'x');
        out += '"';
    }

    void value(std::string& out, int depth) {
        const int kind = depth > 4 ? 2 + pick(5) : pick(7);
        switch (kind) {
        case 0:
            object(out, depth + 1);
            break;
        case 1: {
            out += '[';
            const int n = pick(4);
            for (int i = 0; i < n; ++i) {
                if (i) out += ',';
                space(out);
                value(out, depth + 1);
                space(out);
            }
            out += ']';
            break;
        }
        case 2:
        case 3:
            string(out, false);
            break;
        case 4:
            out += number();
            break;
        case 5:
            out += pick(2) ? "true" : "false";
            break;
        default:
            out += "null";
            break;
        }
    }

    void object(std::string& out, int depth) {
        out += '{';
        space(out);
        const int n = pick(7);
        for (int i = 0; i < n; ++i) {
            if (i) {
                out += ',';
                space(out);
            }
            string(out, true); // short keys from a small pool: duplicates happen
            space(out);
            out += ':';
            space(out);
            value(out, depth);
            space(out);
        }
        out += '}';
    }

    std::mt19937_64 rng_;
};

std::string mutate(const std::string& text, Generator& g) {
    static const char kBytes[] = {'"',    '\\',   ',',    ':',    '{',    '}',    '[',  ']',
                                  ' ',    '0',    '-',    '.',    'e',    'u',    'x',  '\x01',
                                  '\x1f', '\x80', '\xc0', '\xed', '\xf4', '\xff', '\n', '\0'};
    std::string out = text;
    if (out.empty()) return out;
    const auto at = static_cast<std::size_t>(g.pick(static_cast<int>(out.size())));
    switch (g.pick(4)) {
    case 0:
        out[at] = kBytes[g.pick(sizeof kBytes)];
        break;
    case 1:
        out.erase(at, 1);
        break;
    case 2:
        out.insert(at, 1, kBytes[g.pick(sizeof kBytes)]);
        break;
    default:
        out.resize(at);
        break;
    }
    return out;
}

} // namespace

TEST_CASE("single-pass canonicaliser: known spellings", "[data][canonical]") {
    Checker c;
    // Accepted: canonical rows are copied, others rebuilt in one pass.
    for (const char* text :
         {R"({"a":1,"b":"x"})",
          R"({"b":"x","a":1})",
          R"( { "b" : 1 , "a" : [ 1 , 2 ] } )",
          R"({"o":{"y":1,"x":{"q":null,"p":true}},"a":[{"z":1,"y":2}]})",
          "{}",
          "[]",
          "{ }",
          R"("x")",
          "0",
          "-0",
          "12",
          "-12",
          "0.5",
          "-0.5",
          "100.25",
          "0.000001",
          "123.456",
          "9223372036854775807",
          "-9223372036854775808",
          "18446744073709551615",
          "999999999999999999",
          "1.0",
          "-0.0",
          "0.30000000000000004",
          "1.5000",
          "0.500",
          "-0.500",
          "12.3400",
          "-3.000",
          "10.0",
          "-0.000",
          "0.0000010",
          "0.00000100",
          "123456789012345.0",
          "123456789012345.60",
          "1234567890123456.0",
          "9007199254740993.0",
          "12345678901234567890.000",
          R"({"b":0.50,"a":1.0,"c":[2.00,-0.0]})",
          "123456789012345.6",
          "1234567890123456.7",
          "0.1234567890123456789",
          R"(["\/","\u00e9","\ud83d\ude00","a\"b\\c","\b\f\n\r\t","\u0001\u001f\u0000"])",
          R"(["\u0022\u005c\u000A\u000d\u0008","\u007f","\uFFFF","\u0041"])",
          "[\"é日本😀\x7f\"]",
          R"({"é":1,"z":2,"":3})",
          R"({"Z":1,"a":2,"_":3})",
          R"({"a":true,"b":false,"c":null})"}) {
        CHECK(c.check(text));
    }
    // Declined, and then the full path's answer (bytes or error) is what comes out.
    for (const char* text : {"",
                             " ",
                             R"({"a":1,"a":2})",
                             R"({"b":1,"a":2,"b":3})",
                             R"({"a":1,"\u0061":2})",
                             R"({"\u0062":1,"a":2})",
                             "[1e2]",
                             "[1E-7]",
                             "[1e400]",
                             "[1e-400]",
                             "[0.0000001]",
                             "[18446744073709551616]",
                             "[-9223372036854775809]",
                             "[123456789012345678901234567890]",
                             "[01]",
                             "[-]",
                             "[1.]",
                             "[.5]",
                             "[+1]",
                             "[-01]",
                             "[1.e5]",
                             R"(["\ud800"])",
                             R"(["\udc00"])",
                             R"(["\ud800\u0041"])",
                             R"(["\ude00\ud83d"])",
                             R"(["\u00G0"])",
                             R"(["\x"])",
                             R"(["\'"])",
                             "[\"\x01\"]",
                             "[\"\t\"]",
                             "[\"\xff\"]",
                             "[\"\xc0\x80\"]",
                             "[\"\xe0\x80\x80\"]",
                             "[\"\xed\xa0\x80\"]",
                             "[\"\xf4\x90\x80\x80\"]",
                             "[\"\xf5\"]",
                             "[\"\xe6\x97\"]",
                             "[\"é\xe6\"]",
                             "é",
                             "[tru]",
                             "[truex]",
                             "[nul]",
                             "[true1]",
                             "{} {}",
                             "[1,]",
                             "[,1]",
                             "{,}",
                             R"({"a"})",
                             R"({"a":})",
                             R"({"a" 1})",
                             R"({"a":1,})",
                             "[1 2]",
                             "{\"a\":1}\x0b",
                             "\x0c[]",
                             "[\"abc",
                             "[\"abc\\",
                             "{\"a\":1",
                             "[\"\\u12\"]",
                             "\"\\ud83d\\ude0\""}) {
        c.check(text);
    }
    c.check(std::string("[1]\0", 4));
    c.check(std::string("[\"a\0b\"]", 7));
    // Root objects only, as rows are read.
    c.check("[1]", JsonRoot::Object);
    c.check("  \"x\"", JsonRoot::Object);
    c.check("3", JsonRoot::Object);
    CHECK(c.check(" {\"b\":2,\"a\":1} ", JsonRoot::Object));
}

TEST_CASE("single-pass canonicaliser: nesting depth", "[data][canonical]") {
    Checker c;
    for (std::size_t depth : {1, 10, 63, 64, 65, 200, 1023, 1024, 1025, 3000}) {
        c.check(std::string(depth, '[') + std::string(depth, ']'));
        std::string objects;
        for (std::size_t i = 0; i < depth; ++i)
            objects += "{\"k\":";
        objects += "1" + std::string(depth, '}');
        c.check(objects);
    }
}

TEST_CASE("single-pass canonicaliser agrees with the full path on generated rows",
          "[data][canonical]") {
    Checker c;
    Generator g(20261128);
    long valid = 0, valid_accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::string doc = g.document();
        ++valid;
        valid_accepted += c.check(doc, JsonRoot::Object);
        for (int m = 0; m < 4; ++m)
            c.check(mutate(doc, g), m % 2 ? JsonRoot::Object : JsonRoot::Any);
    }
    // The fast path must actually be taken for most valid rows, or it is not a fast path (it
    // declines duplicate keys, which the small key pool makes common, and exponents).
    INFO("accepted " << valid_accepted << " of " << valid << " valid rows");
    CHECK(valid_accepted > valid / 2);
}

TEST_CASE("single-pass canonicaliser agrees on fractions with trailing zeros",
          "[data][canonical]") {
    Checker c;
    std::mt19937 rng(20261206);
    auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    for (int i = 0; i < 50000; ++i) {
        std::string number = pick(3) == 0 ? "-" : "";
        const int int_digits = pick(4) == 0 ? 0 : 1 + pick(20);
        if (int_digits == 0) number += '0';
        for (int d = 0; d < int_digits; ++d)
            number += static_cast<char>((d == 0 ? '1' : '0') + pick(d == 0 ? 9 : 10));
        number += '.';
        const int leading = pick(3) == 0 ? pick(8) : 0;
        number.append(static_cast<std::size_t>(leading), '0');
        const int digits = pick(4) == 0 ? 0 : pick(18);
        for (int d = 0; d < digits; ++d)
            number += static_cast<char>('0' + pick(10));
        number.append(static_cast<std::size_t>(1 + pick(5)), '0');
        c.check("[" + number + "]");
        c.check(R"({"z":)" + number + R"(,"a":)" + number + "}");
    }
    CHECK(c.accepted == c.checked); // every one of these is a plain decimal
}

TEST_CASE("single-pass canonicaliser agrees on number spellings", "[data][canonical]") {
    Checker c;
    Generator g(7);
    for (int i = 0; i < 100000; ++i)
        c.check("[" + g.number() + "]");
    CHECK(c.accepted > c.checked / 2);
}

TEST_CASE("single-pass canonicaliser: long strings cross the 16-byte scan at every offset",
          "[data][canonical]") {
    Checker c;
    for (std::size_t len = 0; len < 70; ++len) {
        for (const char* special : {"\\n", "\\\"", "é", "\\u00e9", "\x01", "\xff"}) {
            for (std::size_t at = 0; at <= len; at += 5) {
                std::string s(len, 'x');
                s.insert(at, special);
                c.check("{\"k\":\"" + s + "\"}");
                c.check("\"" + s + "\""); // ends exactly at the text's end
            }
        }
    }
}

// A block's field types counted from the canonicaliser's fields, with rows whose keys repeat the
// row before counted without comparing keys, must equal the counts read back from the canonical
// text of every row, whatever mix of key lists, orders and full-path rows comes along.
namespace {

// Rows drawn from a few shapes: the same keys in the same order (the common case), the same
// keys in another order, fewer or more keys, an empty object, and spellings the single-pass
// canonicaliser declines (an exponent, an escaped key) so that the full path comes between.
std::string row_of_some_shape(std::mt19937& rng) {
    auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const std::string id = std::to_string(pick(1000));
    const std::string score = pick(2) ? "0.5" : "2";
    switch (pick(12)) {
    case 0:
        return R"({"text":"b","id":)" + id + R"(,"score":)" + score + "}";
    case 1:
        return R"({"id":)" + id + R"(,"text":"a"})";
    case 2:
        return R"({"id":)" + id + R"(,"text":"a","score":)" + score + R"(,"extra":null})";
    case 3:
        return "{}";
    case 4:
        return R"({"id":1e2,"text":"a","score":)" + score + "}"; // exponent: the full path
    case 5:
        return R"({"\u0069d":)" + id + R"(,"text":"a","score":1})"; // escaped key: full path
    case 6:
        return R"({"a":{"id":1,"text":"x"},"id":)" + id + "}";
    case 7:
        return R"({"idx":)" + id + R"(,"text":"a","score":)" + score + "}"; // "id" + more
    case 8:
        return R"({ "id" : )" + id + R"( , "text":"a","score":)" + score + "}"; // spaces
    default:
        return R"({"id":)" + id + R"(,"text":"a","score":)" + score + "}";
    }
}

} // namespace

TEST_CASE("a block's field types are the same when repeated keys are not compared",
          "[data][schema]") {
    std::mt19937 rng(20261206);
    for (int round = 0; round < 200; ++round) {
        JsonCanonicalizer canonicalizer;
        JsonCanonicalizer full{FastPath::Off};
        llmops::data::RowBlock block;
        llmops::data::SchemaSummary from_text;
        int repeats = 0;
        for (int i = 0; i < 200; ++i) {
            const std::string row = row_of_some_shape(rng);
            const std::size_t start = block.text.size();
            canonicalizer.append_unpadded(row, block.text, JsonRoot::Object);
            repeats += canonicalizer.last_keys_repeat();
            block.end_row(start, canonicalizer.last_fields(), canonicalizer.last_keys_repeat());
            from_text.add_row(block.row(block.rows() - 1));
            llmops::TextBuffer expected;
            full.append_unpadded(row, expected, JsonRoot::Object);
            REQUIRE(block.row(block.rows() - 1) == expected.view());
        }
        CHECK(repeats > 0);
        REQUIRE(block.schema.to_json() == from_text.to_json());
    }
}

TEST_CASE("keys repeat only after an object with the same keys in the same order",
          "[data][schema]") {
    JsonCanonicalizer c;
    llmops::TextBuffer out;
    auto repeat_after = [&](const std::string& row) {
        c.append_unpadded(row, out, JsonRoot::Object);
        return c.last_keys_repeat();
    };
    CHECK_FALSE(repeat_after(R"({"b":1,"a":2})"));
    CHECK(repeat_after(R"({"b":3,"a":4})"));
    CHECK_FALSE(repeat_after(R"({"a":3,"b":4})"));   // another order
    CHECK_FALSE(repeat_after(R"({"a":3})"));         // fewer keys
    CHECK_FALSE(repeat_after(R"({"a":3,"b":4})"));   // more keys
    CHECK_FALSE(repeat_after(R"({"a":1e3,"b":4})")); // the full path
    CHECK_FALSE(repeat_after(R"({"a":3,"b":4})"));   // after the full path
    CHECK(repeat_after(R"({"a":{"z":1},"b":[]})"));
    CHECK_FALSE(repeat_after("{}"));
    CHECK_FALSE(repeat_after(R"({"a":{"z":1},"b":[]})")); // after an empty object
}
