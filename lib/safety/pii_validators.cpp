#include "safety/pii_validators.hpp"

#include "core/text.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace llmops::safety {

namespace {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool all_same_digit(std::string_view digits) {
    return !digits.empty() &&
           std::all_of(digits.begin(), digits.end(), [&](char c) { return c == digits[0]; });
}

// Separators between digit groups: none, or one kind (space or hyphen) throughout.
bool one_separator_kind(std::string_view text) {
    char seen = 0;
    for (char c : text) {
        if (is_ascii_digit(c)) continue;
        if (c != ' ' && c != '-') return false;
        if (seen && seen != c) return false;
        seen = c;
    }
    return true;
}

int prefix_number(std::string_view digits, std::size_t n) {
    int v = 0;
    for (std::size_t i = 0; i < n && i < digits.size(); ++i)
        v = v * 10 + (digits[i] - '0');
    return v;
}

bool known_card_issuer(std::string_view d) {
    const std::size_t n = d.size();
    const int p1 = prefix_number(d, 1), p2 = prefix_number(d, 2), p3 = prefix_number(d, 3),
              p4 = prefix_number(d, 4), p6 = prefix_number(d, 6);
    // Maestro alone has 12-digit numbers; only its own ranges, not the whole 50/56-69 block a
    // longer number may come from (a 12-digit run is as often an order or account number).
    if (n == 12)
        return p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 ||
               (p4 >= 6761 && p4 <= 6763);
    if (p1 == 4) return n == 13 || n == 16 || n == 19;                        // Visa
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16; // Mastercard
    if (p2 == 34 || p2 == 37) return n == 15;                                 // Amex
    if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925))
        return n >= 16 && n <= 19;                           // Discover
    if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
    // JCB as the common validation rule has it (35 with 16 digits; 2131 and 1800 with 15), and
    // its older ranges; Faker generates numbers by that rule.
    if (p2 == 35 || (p4 >= 3088 && p4 <= 3094) || (p4 >= 3096 && p4 <= 3102) ||
        (p4 >= 3112 && p4 <= 3120) || (p4 >= 3158 && p4 <= 3159) || (p4 >= 3337 && p4 <= 3349))
        return n == 16;
    if (p4 == 1800 || p4 == 2131) return n == 15;
    if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39)
        return n >= 14 && n <= 19;                                     // Diners Club
    if (p2 == 62) return n >= 16 && n <= 19;                           // UnionPay
    if (p2 == 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19; // Maestro
    return false;
}

void sha256(const unsigned char* data, std::size_t size, unsigned char out[32]) {
    unsigned int length = 0;
    EVP_Digest(data, size, out, &length, EVP_sha256(), nullptr);
}

} // namespace

std::string digits_of(std::string_view text) {
    std::string out;
    for (char c : text)
        if (is_ascii_digit(c)) out += c;
    return out;
}

bool luhn_valid(std::string_view text) {
    const std::string digits = digits_of(text);
    if (digits.empty()) return false;
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

bool credit_card_valid(std::string_view text) {
    if (!one_separator_kind(text)) return false;
    const std::string digits = digits_of(text);
    if (digits.size() < 12 || digits.size() > 19 || all_same_digit(digits)) return false;
    return known_card_issuer(digits) && luhn_valid(digits);
}

std::size_t iban_length_for_country(std::string_view cc) {
    // The IBAN registry (SWIFT), release 2024.
    static const std::unordered_map<std::string, std::size_t> lengths{
        {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
        {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
        {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
        {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
        {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
        {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
        {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
        {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
        {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
        {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
        {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
        {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
        {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30}};
    auto it = lengths.find(std::string(cc.substr(0, 2)));
    return it == lengths.end() ? 0 : it->second;
}

bool iban_valid(std::string_view text) {
    return iban_checksum_valid(text) &&
           std::count_if(text.begin(), text.end(), [](char c) { return c != ' '; }) ==
               static_cast<std::ptrdiff_t>(iban_length_for_country(text));
}

bool iban_checksum_valid(std::string_view text) {
    std::string compact;
    for (char c : text) {
        if (c == ' ') continue;
        if (!is_ascii_digit(c) && !(c >= 'A' && c <= 'Z')) return false;
        compact += c;
    }
    if (compact.size() < 15 || !is_alpha(compact[0]) || !is_alpha(compact[1]) ||
        !is_ascii_digit(compact[2]) || !is_ascii_digit(compact[3]))
        return false;
    if (compact.size() > 34) return false;
    // Move the first four characters to the end, letters as 10..35, the remainder mod 97 is 1.
    std::rotate(compact.begin(), compact.begin() + 4, compact.end());
    unsigned remainder = 0;
    for (char c : compact) {
        if (is_ascii_digit(c))
            remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
        else
            remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    }
    return remainder == 1;
}

bool us_ssn_valid(std::string_view text) {
    if (!one_separator_kind(text)) return false;
    const std::string d = digits_of(text);
    if (d.size() != 9 || all_same_digit(d)) return false;
    const int area = prefix_number(d, 3);
    const int group = (d[3] - '0') * 10 + (d[4] - '0');
    const int serial = prefix_number(std::string_view(d).substr(5), 4);
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
    return d != "078051120" && d != "219099999" && d != "123456789";
}

bool ipv4_valid(std::string_view text) {
    int parts = 0;
    std::size_t i = 0;
    while (i <= text.size()) {
        std::size_t j = i;
        while (j < text.size() && is_ascii_digit(text[j]))
            ++j;
        const std::size_t len = j - i;
        if (len == 0 || len > 3 || (len > 1 && text[i] == '0')) return false;
        if (prefix_number(text.substr(i), len) > 255) return false;
        ++parts;
        if (j == text.size()) break;
        if (text[j] != '.') return false;
        i = j + 1;
    }
    return parts == 4;
}

bool ipv6_valid(std::string_view text) {
    std::string address(text.substr(0, text.find('%'))); // a zone id (%eth0) is not checked
    if (address.size() < 3 || address.size() > 45) return false;
    unsigned char buffer[16];
    if (inet_pton(AF_INET6, address.c_str(), buffer) != 1) return false;
    // "::" and "::1"-like runs of zeros alone are too short to be an address someone wrote.
    return std::count_if(address.begin(), address.end(),
                         [](char c) { return c != ':' && c != '0'; }) > 0 ||
           address.size() > 3;
}

bool known_top_level_domain(std::string_view tld) {
    static const std::unordered_set<std::string> tlds = [] {
        std::unordered_set<std::string> set{
            "com",      "net",     "org",      "edu",     "gov",     "mil",        "int",
            "info",     "biz",     "name",     "pro",     "aero",    "coop",       "museum",
            "mobi",     "asia",    "tel",      "travel",  "jobs",    "cat",        "app",
            "dev",      "cloud",   "online",   "site",    "tech",    "store",      "blog",
            "shop",     "xyz",     "top",      "club",    "live",    "news",       "email",
            "page",     "art",     "design",   "agency",  "digital", "network",    "solutions",
            "services", "group",   "company",  "media",   "global",  "world",      "today",
            "space",    "website", "life",     "io",      "ai",      "bank",       "health",
            "support",  "systems", "software", "academy", "center",  "consulting", "finance",
            "legal",    "law",     "money",    "capital", "energy",  "studio",     "social",
            "team",     "works",   "zone",     "link",    "click",   "host",       "tools",
            "codes",    "run",     "gmbh",     "inc",     "llc",     "ltd",        "eu",
            "uk",       "ac",      "su"};
        const char* codes =
            "ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn "
            "bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz "
            "de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl "
            "gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm "
            "jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me "
            "mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np "
            "nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd "
            "se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to "
            "tr tt tv tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw";
        for (std::string_view rest = codes; rest.size() >= 2;) {
            set.emplace(rest.substr(0, 2));
            rest.remove_prefix(std::min<std::size_t>(3, rest.size()));
        }
        return set;
    }();
    std::string key;
    for (char c : tld)
        key += lower(c);
    return tlds.contains(key);
}

bool domain_name_valid(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    if (text.empty() || text.size() > 253) return false;
    int labels = 0;
    std::string_view last;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t dot = text.find('.', start);
        if (dot == std::string_view::npos) dot = text.size();
        std::string_view label = text.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label)
            if (!is_alpha(c) && !is_ascii_digit(c) && c != '-') return false;
        ++labels;
        last = label;
        if (dot == text.size()) break;
        start = dot + 1;
    }
    if (labels < 2) return false;
    // A top-level domain is letters, written all lower or all upper case ("Example.COM" is fine,
    // "end.Next" is a missing space).
    const bool all_lower = std::all_of(last.begin(), last.end(), [](char c) { return c >= 'a'; });
    const bool all_upper =
        std::all_of(last.begin(), last.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    return (all_lower || all_upper) && known_top_level_domain(last);
}

bool email_valid(std::string_view text) {
    const std::size_t at = text.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > 64) return false;
    std::string_view local = text.substr(0, at);
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
        return false;
    return domain_name_valid(text.substr(at + 1));
}

bool bitcoin_base58_valid(std::string_view text) {
    static constexpr std::string_view alphabet =
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    if (text.size() < 26 || text.size() > 35) return false;
    // Base 58 to base 256, big-endian, in a 25-byte buffer (version, 20-byte hash, checksum).
    std::array<unsigned char, 25> bytes{};
    for (char c : text) {
        const std::size_t digit = alphabet.find(c);
        if (digit == std::string_view::npos) return false;
        unsigned carry = static_cast<unsigned>(digit);
        for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
            carry += 58u * *it;
            *it = static_cast<unsigned char>(carry & 0xff);
            carry >>= 8;
        }
        if (carry) return false; // more than 25 bytes
    }
    if (bytes[0] != 0x00 && bytes[0] != 0x05) return false;
    // Leading '1's stand for leading zero bytes: their count must match.
    const std::size_t ones = text.find_first_not_of('1');
    std::size_t zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == 0)
        ++zeros;
    if (ones != zeros && !(bytes[0] == 0x05 && ones == 0)) return false;
    unsigned char first[32], second[32];
    sha256(bytes.data(), 21, first);
    sha256(first, 32, second);
    return std::equal(second, second + 4, bytes.begin() + 21);
}

namespace {

std::uint32_t bech32_polymod(const std::vector<std::uint8_t>& values) {
    static constexpr std::uint32_t generator[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                                   0x2a1462b3};
    std::uint32_t check = 1;
    for (std::uint8_t v : values) {
        const std::uint32_t top = check >> 25;
        check = ((check & 0x1ffffff) << 5) ^ v;
        for (int i = 0; i < 5; ++i)
            if ((top >> i) & 1) check ^= generator[i];
    }
    return check;
}

} // namespace

bool bitcoin_bech32_valid(std::string_view text) {
    static constexpr std::string_view charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    if (text.size() < 14 || text.size() > 90) return false;
    const bool has_lower = std::any_of(text.begin(), text.end(), [](char c) { return c >= 'a'; });
    const bool has_upper =
        std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (has_lower && has_upper) return false;
    std::string s;
    for (char c : text)
        s += lower(c);
    const std::size_t separator = s.rfind('1');
    if (s.substr(0, separator) != "bc" || s.size() - separator < 7) return false;
    std::vector<std::uint8_t> values{3, 3, 0, 2, 3}; // "bc" expanded: high bits, 0, low bits
    std::vector<std::uint8_t> data;
    for (std::size_t i = separator + 1; i < s.size(); ++i) {
        const std::size_t v = charset.find(s[i]);
        if (v == std::string_view::npos) return false;
        data.push_back(static_cast<std::uint8_t>(v));
    }
    values.insert(values.end(), data.begin(), data.end());
    const std::uint32_t residue = bech32_polymod(values);
    const std::uint8_t witness_version = data[0];
    if (witness_version > 16) return false;
    // Version 0 uses bech32 (constant 1), later versions bech32m (BIP 350).
    return residue == (witness_version == 0 ? 1u : 0x2bc830a3u);
}

namespace {

int month_from_name(std::string_view word) {
    static constexpr std::array<std::string_view, 12> names = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december"};
    std::string w;
    for (char c : word)
        if (is_alpha(c)) w += lower(c);
    if (w.size() < 3) return 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (w == names[i]) return static_cast<int>(i) + 1;
        if ((w.size() == 3 || w == "sept") && names[i].starts_with(w))
            return static_cast<int>(i) + 1;
    }
    return 0;
}

bool real_date(int year, int month, int day) {
    if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap ? 1 : 0);
}

std::vector<std::string_view> date_parts(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !is_alpha(text[i]) && !is_ascii_digit(text[i]))
            ++i;
        std::size_t j = i;
        while (j < text.size() && (is_alpha(text[j]) || is_ascii_digit(text[j])))
            ++j;
        if (j > i) parts.push_back(text.substr(i, j - i));
        i = j;
    }
    return parts;
}

int number_of(std::string_view s) {
    if (s.empty() || s.size() > 4 || !std::all_of(s.begin(), s.end(), is_ascii_digit)) return -1;
    return prefix_number(s, s.size());
}

// "17th" -> 17.
int day_of(std::string_view s) {
    std::size_t digits = 0;
    while (digits < s.size() && is_ascii_digit(s[digits]))
        ++digits;
    std::string_view suffix = s.substr(digits);
    if (digits == 0 || digits > 2) return -1;
    if (!suffix.empty() && suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th")
        return -1;
    return prefix_number(s, digits);
}

} // namespace

bool calendar_date_valid(std::string_view text) {
    auto parts = date_parts(text);
    std::erase_if(parts, [](std::string_view p) { return p == "of" || p == "Of" || p == "OF"; });
    if (parts.size() != 3) return false;
    const int named_month_1 = month_from_name(parts[1]);
    const int named_month_0 = month_from_name(parts[0]);
    if (named_month_1) // 17 May 1990
        return real_date(number_of(parts[2]), named_month_1, day_of(parts[0]));
    if (named_month_0) // May 17, 1990
        return real_date(number_of(parts[2]), named_month_0, day_of(parts[1]));
    const int a = number_of(parts[0]), b = number_of(parts[1]), c = number_of(parts[2]);
    if (parts[0].size() == 4) return real_date(a, b, c); // ISO 8601: 1990-05-17
    if (parts[2].size() != 4) return false;
    return real_date(c, b, a) || real_date(c, a, b); // day first, or month first (US)
}

} // namespace llmops::safety
