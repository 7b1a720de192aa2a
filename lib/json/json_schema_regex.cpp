// Translation of JSON Schema (ECMA-262, "u" mode) regular expressions to RE2 syntax.
// RE2 runs user-supplied patterns in linear time; ECMA features it cannot do (lookaround,
// backreferences) are rejected when the schema is compiled rather than silently mismatched.
#include "json/json_schema_regex.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace llmops::json_schema_detail {
namespace {

// ECMA's \s: WhiteSpace and LineTerminator, wider than RE2's ASCII-only \s.
constexpr std::string_view ecma_space_set = R"(\t\n\x0B\f\r \x{FEFF}\p{Zs}\x{2028}\x{2029})";

// ECMA property names (long forms, "General_Category=" / "Script=" prefixes) to RE2's.
std::string translate_property_name(std::string_view name) {
    for (std::string_view prefix :
         {"General_Category=", "gc=", "Script=", "sc=", "Script_Extensions=", "scx="}) {
        if (name.substr(0, prefix.size()) == prefix) {
            name.remove_prefix(prefix.size());
            break;
        }
    }
    struct Alias {
        std::string_view long_name, short_name;
    };
    static constexpr Alias aliases[] = {
        {"Letter", "L"},
        {"Cased_Letter", "L"}, // RE2 has no LC; L is the closest superset
        {"Uppercase_Letter", "Lu"},
        {"Lowercase_Letter", "Ll"},
        {"Titlecase_Letter", "Lt"},
        {"Modifier_Letter", "Lm"},
        {"Other_Letter", "Lo"},
        {"Mark", "M"},
        {"Combining_Mark", "M"},
        {"Nonspacing_Mark", "Mn"},
        {"Spacing_Mark", "Mc"},
        {"Enclosing_Mark", "Me"},
        {"Number", "N"},
        {"Decimal_Number", "Nd"},
        {"digit", "Nd"},
        {"Letter_Number", "Nl"},
        {"Other_Number", "No"},
        {"Punctuation", "P"},
        {"punct", "P"},
        {"Connector_Punctuation", "Pc"},
        {"Dash_Punctuation", "Pd"},
        {"Open_Punctuation", "Ps"},
        {"Close_Punctuation", "Pe"},
        {"Initial_Punctuation", "Pi"},
        {"Final_Punctuation", "Pf"},
        {"Other_Punctuation", "Po"},
        {"Symbol", "S"},
        {"Math_Symbol", "Sm"},
        {"Currency_Symbol", "Sc"},
        {"Modifier_Symbol", "Sk"},
        {"Other_Symbol", "So"},
        {"Separator", "Z"},
        {"Space_Separator", "Zs"},
        {"Line_Separator", "Zl"},
        {"Paragraph_Separator", "Zp"},
        {"Other", "C"},
        {"Control", "Cc"},
        {"cntrl", "Cc"},
        {"Format", "Cf"},
        {"Surrogate", "Cs"},
        {"Private_Use", "Co"},
        {"Unassigned", "Cn"},
    };
    for (const auto& alias : aliases) {
        if (name == alias.long_name) return std::string(alias.short_name);
    }
    return std::string(name); // short names and script names are spelled the same in RE2
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Reads exactly `count` hex digits at `pos`; -1 when they are not there.
long read_hex(std::string_view text, std::size_t pos, std::size_t count) {
    if (pos + count > text.size()) return -1;
    long value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        int digit = hex_value(text[pos + i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

std::string code_point_escape(unsigned long code_point) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "\\x{%lX}", code_point);
    return buffer;
}

[[noreturn]] void bad_pattern(std::string_view pattern, const std::string& schema_pointer,
                              const std::string& why) {
    throw_bad_input("invalid schema: pattern \"" + std::string(pattern) + "\" at " +
                    (schema_pointer.empty() ? std::string("/") : schema_pointer) + ": " + why);
}

} // namespace

std::string ecma_to_re2(std::string_view pattern, const std::string& schema_pointer) {
    std::string out;
    out.reserve(pattern.size() + 16);
    bool in_class = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '\\') {
            if (i + 1 >= pattern.size()) bad_pattern(pattern, schema_pointer, "trailing backslash");
            char e = pattern[++i];
            switch (e) {
            case 'u': {
                long cp = -1;
                if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
                    std::size_t close = pattern.find('}', i + 2);
                    if (close == std::string_view::npos || close == i + 2 || close - i - 2 > 6)
                        bad_pattern(pattern, schema_pointer, "bad \\u{...} escape");
                    cp = read_hex(pattern, i + 2, close - i - 2);
                    i = close;
                } else {
                    cp = read_hex(pattern, i + 1, 4);
                    if (cp >= 0) i += 4;
                    // A UTF-16 surrogate pair written as two escapes is one code point.
                    if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < pattern.size() &&
                        pattern.substr(i + 1, 2) == "\\u") {
                        long low = read_hex(pattern, i + 3, 4);
                        if (low >= 0xDC00 && low <= 0xDFFF) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                            i += 6;
                        }
                    }
                }
                if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    bad_pattern(pattern, schema_pointer, "bad \\u escape");
                out += code_point_escape(static_cast<unsigned long>(cp));
                break;
            }
            case 'p':
            case 'P': {
                if (i + 1 >= pattern.size() || pattern[i + 1] != '{')
                    bad_pattern(pattern, schema_pointer, "\\p needs {name}");
                std::size_t close = pattern.find('}', i + 2);
                if (close == std::string_view::npos)
                    bad_pattern(pattern, schema_pointer, "unterminated \\p{");
                out += '\\';
                out += e;
                out += '{';
                out += translate_property_name(pattern.substr(i + 2, close - i - 2));
                out += '}';
                i = close;
                break;
            }
            case 's':
                out += in_class ? std::string(ecma_space_set)
                                : "[" + std::string(ecma_space_set) + "]";
                break;
            case 'S':
                // Inside a class a negated set cannot be spliced in; RE2's \S is close enough.
                out += in_class ? std::string("\\S") : "[^" + std::string(ecma_space_set) + "]";
                break;
            case 'c': {
                if (i + 1 < pattern.size() &&
                    std::isalpha(static_cast<unsigned char>(pattern[i + 1]))) {
                    out += code_point_escape(static_cast<unsigned long>(pattern[i + 1]) % 32);
                    ++i;
                } else {
                    out += "\\\\c";
                }
                break;
            }
            case '0':
                out += "\\x00";
                break;
            case 'x': {
                long cp = read_hex(pattern, i + 1, 2);
                if (cp < 0) bad_pattern(pattern, schema_pointer, "bad \\x escape");
                out += code_point_escape(static_cast<unsigned long>(cp));
                i += 2;
                break;
            }
            case '/':
                out += '/';
                break;
            case '-':
                out += "\\-";
                break;
            default:
                if (static_cast<unsigned char>(e) >= 0x80) {
                    out += e; // an escaped non-ASCII character is the character itself
                } else {
                    out += '\\';
                    out += e;
                }
            }
            continue;
        }
        if (in_class) {
            if (c == ']') in_class = false;
            out += c;
            continue;
        }
        switch (c) {
        case '[':
            // ECMA's [] matches nothing and [^] matches anything; RE2 reads "]" there literally.
            if (pattern.substr(i, 2) == "[]") {
                out += "[^\\x00-\\x{10FFFF}]";
                ++i;
            } else if (pattern.substr(i, 3) == "[^]") {
                out += "[\\x00-\\x{10FFFF}]";
                i += 2;
            } else {
                in_class = true;
                out += c;
                if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
            }
            break;
        case '.':
            // ECMA's dot excludes every line terminator; RE2's only excludes \n.
            out += "[^\\n\\r\\x{2028}\\x{2029}]";
            break;
        case '(':
            // ECMA named groups (?<name>...) are RE2's (?P<name>...); lookbehind stays and fails.
            if (pattern.substr(i, 3) == "(?<" && i + 3 < pattern.size() && pattern[i + 3] != '=' &&
                pattern[i + 3] != '!') {
                out += "(?P<";
                i += 2;
            } else {
                out += c;
            }
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::shared_ptr<const RE2> compile_pattern(std::string_view pattern,
                                           const std::string& schema_pointer) {
    std::string translated = ecma_to_re2(pattern, schema_pointer);
    RE2::Options options;
    options.set_log_errors(false); // lib/ never prints; the error goes into the exception
    options.set_encoding(RE2::Options::EncodingUTF8);
    auto regex = std::make_shared<const RE2>(translated, options);
    if (!regex->ok()) {
        std::string why = regex->error();
        if (pattern.find("(?=") != std::string_view::npos ||
            pattern.find("(?!") != std::string_view::npos ||
            pattern.find("(?<=") != std::string_view::npos ||
            pattern.find("(?<!") != std::string_view::npos) {
            why += " (lookaround is not supported: patterns run on RE2, in linear time)";
        }
        bad_pattern(pattern, schema_pointer, why);
    }
    return regex;
}

} // namespace llmops::json_schema_detail
