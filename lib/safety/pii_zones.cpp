#include "safety/pii_zones.hpp"

#include "safety/pii_phone.hpp"
#include "safety/pii_validators.hpp"

#include <algorithm>
#include <string>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

// The zones below follow the patterns of pii_recognizers.cpp: each comment names the pattern's
// bytes and what every match must hold. Changing a built-in pattern means changing its zones.

namespace llmops::safety {

namespace {

struct ByteSet {
    std::array<bool, 256> in{};
    bool operator()(char c) const { return in[static_cast<unsigned char>(c)]; }
};

// `extra` bytes plus, as asked, ASCII digits and letters.
constexpr ByteSet byte_set(std::string_view extra, bool digits, bool upper, bool lower) {
    ByteSet set;
    for (char c : extra)
        set.in[static_cast<unsigned char>(c)] = true;
    for (int c = 0; c < 256; ++c) {
        if (digits && c >= '0' && c <= '9') set.in[c] = true;
        if (upper && c >= 'A' && c <= 'Z') set.in[c] = true;
        if (lower && c >= 'a' && c <= 'z') set.in[c] = true;
    }
    return set;
}

// Phone numbers, card numbers, SSNs and IPv4 addresses are made of these bytes only.
constexpr ByteSet kNumberBytes = byte_set(" ()./-+", true, false, false);
constexpr ByteSet kAlnum = byte_set("", true, true, true);
constexpr ByteSet kIbanBytes = byte_set(" ", true, true, false);
constexpr ByteSet kEmailBytes = byte_set("._%+-@", true, true, true);
constexpr ByteSet kIpv6Bytes = byte_set(":.%", true, true, true);
constexpr ByteSet kDomainBytes = byte_set(".-", true, true, true);
// A URL runs to a space or one of <>"'` (RE2's \s is [\t\n\f\r ]); every other byte may be in.
constexpr ByteSet kUrlBreaks = byte_set("\t\n\f\r <>\"'`", false, false, false);

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

// Offset of the first ASCII digit at or after `from`, or npos.
std::size_t next_digit(std::string_view text, std::size_t from) {
    const char* const data = text.data();
    std::size_t i = from;
#ifdef __SSE2__
    // '0'..'9' + 0x50 are the signed bytes -128..-119: one compare finds them.
    const __m128i shift = _mm_set1_epi8(0x50);
    const __m128i limit = _mm_set1_epi8(-118);
    for (; i + 16 <= text.size(); i += 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        const int mask = _mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(bytes, shift), limit));
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
#endif
    for (; i < text.size(); ++i)
        if (is_digit(data[i])) return i;
    return std::string_view::npos;
}

// The run of `bytes` around text[at] (which is one of them), not reaching below `floor`.
Zone run_around(std::string_view text, std::size_t at, std::size_t floor, const ByteSet& bytes) {
    Zone z{at, at};
    while (z.begin > floor && bytes(text[z.begin - 1]))
        --z.begin;
    while (z.end < text.size() && bytes(text[z.end]))
        ++z.end;
    return z;
}

// Zones around the occurrences of `byte` that pass `trigger`, as runs of `bytes` that pass
// `keep`.
template <typename Trigger, typename Keep>
void runs_around_byte(std::string_view text, char byte, const ByteSet& bytes, Trigger trigger,
                      Keep keep, std::vector<Zone>& out) {
    std::size_t floor = 0, next = 0;
    for (std::size_t at = text.find(byte); at != std::string_view::npos;
         at = text.find(byte, next)) {
        next = at + 1;
        if (!trigger(at)) continue;
        const Zone z = run_around(text, at, floor, bytes);
        if (keep(z)) out.push_back(z);
        floor = next = z.end;
    }
}

// A crypto address is a whole run of letters and digits (\b on both sides):
// [13] and 25-34 more (base58), or bc1/BC1 and 6-87 more (bech32). Its end, or 0.
std::size_t crypto_end(std::string_view text, std::size_t start) {
    if (start > 0 && kAlnum(text[start - 1])) return 0;
    // Most numbers end long before an address could: look that far first.
    const std::size_t shortest = text[start] == 'b' || text[start] == 'B' ? 9 : 26;
    if (start + shortest > text.size() || !kAlnum(text[start + shortest - 1])) return 0;
    std::size_t end = start;
    while (end < text.size() && kAlnum(text[end]))
        ++end;
    const std::size_t length = end - start;
    if ((text[start] == '1' || text[start] == '3') && length >= 26 && length <= 35) return end;
    const std::string_view head = text.substr(start, 3);
    if ((head == "bc1" || head == "BC1") && length >= 9 && length <= 90) return end;
    return 0;
}

// Bytes a date can stretch before and after the first digit of its year: "30th of september,
// 1990" is 20 before it, "1990-05-17" 10 after (RE2's (?i) also reads 'ſ' as 's': two bytes).
constexpr std::size_t kDateBefore = 32, kDateAfter = 16;

// A date's year is written after [/.-] (17/05/1990), before '-' or '/' (1990-05-17), or after a
// space with a month's name shortly before (17 May 1990, May 17th, 1990): its first three
// letters in any case, 'ſ' for 's' too (RE2's (?i) folds them).
bool could_be_date(std::string_view text, std::size_t year) {
    auto digit_at = [&](std::size_t i) { return i < text.size() && is_digit(text[i]); };
    auto separator_at = [&](std::size_t i, std::string_view separators) {
        return i < text.size() && separators.find(text[i]) != std::string_view::npos;
    };
    // 1990-05-17, 1990/05/17: a separator, one or two digits, a separator, a digit.
    if (separator_at(year + 4, "-/") && digit_at(year + 5)) {
        const std::size_t next = digit_at(year + 6) ? year + 7 : year + 6;
        if (separator_at(next, "-/") && digit_at(next + 1)) return true;
    }
    // 17/05/1990: a digit, a separator, one or two digits, a separator, the year.
    if (year >= 4 && separator_at(year - 1, "/.-") && digit_at(year - 2)) {
        const std::size_t day = digit_at(year - 3) ? year - 3 : year - 2;
        if (day >= 2 && separator_at(day - 1, "/.-") && digit_at(day - 2)) return true;
    }
    if (year < 4 || text[year - 1] != ' ') return false;
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    // The first three letters of a month: jan feb mar apr may jun jul aug sep oct nov dec.
    auto month = [](char a, char b, char c) {
        switch (a) {
        case 'j':
            return (b == 'a' && c == 'n') || (b == 'u' && (c == 'n' || c == 'l'));
        case 'f':
            return b == 'e' && c == 'b';
        case 'm':
            return b == 'a' && (c == 'r' || c == 'y');
        case 'a':
            return (b == 'p' && c == 'r') || (b == 'u' && c == 'g');
        case 's':
            return b == 'e' && c == 'p';
        case 'o':
            return b == 'c' && c == 't';
        case 'n':
            return b == 'o' && c == 'v';
        case 'd':
            return b == 'e' && c == 'c';
        default:
            return false;
        }
    };
    // "30th of ſeptember, " and "ſeptember. 30ſt, " start at most 23 bytes before the year.
    static constexpr ByteSet kMonthStarts = byte_set("jfmasondJFMASOND\xC5", false, false, false);
    for (std::size_t i = year > kDateBefore ? year - kDateBefore : 0; i + 3 < year; ++i) {
        if (!kMonthStarts(text[i])) continue;
        const char c = lower(text[i + 2]);
        if (month(lower(text[i]), lower(text[i + 1]), c)) return true;
        if (text[i] == '\xC5' && text[i + 1] == '\xBF' && c == 'e' && lower(text[i + 3]) == 'p')
            return true;
    }
    return false;
}

// An SSN is a whole run of 9 digits, or runs of 3, 2 and 4 digits with one '-' or ' ' between.
bool could_be_ssn(std::string_view text, const Zone& run) {
    // The lengths of the last three runs of digits and whether one '-' or ' ' joins them.
    std::size_t before_last = 0, last = 0;
    bool joined_before = false, joined_last = false;
    std::size_t i = run.begin;
    while (i < run.end) {
        const std::size_t start = i;
        while (i < run.end && is_digit(text[i]))
            ++i;
        const std::size_t length = i - start;
        const std::size_t gap = i;
        while (i < run.end && !is_digit(text[i]))
            ++i;
        if (length == 0) continue;
        if (length == 9) return true;
        if (before_last == 3 && last == 2 && length == 4 && joined_before && joined_last)
            return true;
        before_last = last;
        last = length;
        joined_before = joined_last;
        joined_last = i - gap == 1 && (text[gap] == '-' || text[gap] == ' ');
    }
    return false;
}

// Where the run of number bytes that ends at `end` goes on as a phone number's extension
// ("x123", "ext. 45", "extension 6789", any case; the run holds a space before it): the end of
// the run of number bytes holding the extension's digits, else `end` unchanged.
std::size_t phone_extension_end(std::string_view text, std::size_t end) {
    std::size_t at = end;
    for (std::string_view word : kPhoneExtensionMarkers) {
        if (text.size() - at < word.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < word.size() && same; ++i)
            same = (text[at + i] | 0x20) == word[i]; // ASCII case folding; '.' is unchanged
        if (!same) continue;
        at += word.size();
        break;
    }
    if (at == end) return end;
    if (at < text.size() && text[at] == ' ') ++at;
    if (at >= text.size() || !is_digit(text[at])) return end;
    return run_around(text, at, at, kNumberBytes).end;
}

// One pass over the runs of number bytes (every digit of the text is in one): the zones of the
// recognizers whose matches hold digits.
void number_zones(std::string_view text, TextZones& out) {
    auto& phone = out.of[static_cast<std::size_t>(ZoneKind::phone)];
    auto& card = out.of[static_cast<std::size_t>(ZoneKind::credit_card)];
    auto& ssn = out.of[static_cast<std::size_t>(ZoneKind::us_ssn)];
    auto& ipv4 = out.of[static_cast<std::size_t>(ZoneKind::ipv4)];
    auto& iban = out.of[static_cast<std::size_t>(ZoneKind::iban)];
    auto& crypto = out.of[static_cast<std::size_t>(ZoneKind::crypto)];
    auto& date = out.of[static_cast<std::size_t>(ZoneKind::date)];
    auto add_crypto = [&](std::size_t start) {
        if (!crypto.empty() && start < crypto.back().end) return;
        if (const std::size_t end = crypto_end(text, start)) crypto.push_back({start, end});
    };
    auto add_date = [&](std::size_t year) {
        const Zone z{year > kDateBefore ? year - kDateBefore : 0,
                     std::min(text.size(), year + 4 + kDateAfter)};
        if (!could_be_date(text, year)) return;
        if (!date.empty() && z.begin <= date.back().end)
            date.back().end = z.end;
        else
            date.push_back(z);
    };
    std::size_t from = 0;
    for (std::size_t at = next_digit(text, from); at != std::string_view::npos;
         at = next_digit(text, from)) {
        const Zone run = run_around(text, at, from, kNumberBytes);
        from = run.end;
        std::size_t digits = 0, dots = 0;
        for (std::size_t i = at; i < run.end; ++i) {
            const char c = text[i];
            if (c == '.') ++dots;
            if (!is_digit(c)) continue;
            ++digits;
            // A year: (19|20)\d\d.
            if (i + 4 <= text.size() &&
                ((c == '1' && text[i + 1] == '9') || (c == '2' && text[i + 1] == '0')) &&
                is_digit(text[i + 2]) && is_digit(text[i + 3]))
                add_date(i);
            if (c == '1' || c == '3') add_crypto(i);
            if (c == '1' && i >= 2 &&
                ((text[i - 2] == 'b' && text[i - 1] == 'c') ||
                 (text[i - 2] == 'B' && text[i - 1] == 'C')))
                add_crypto(i - 2);
        }
        // A phone number has at least 7 digits (safety/pii_phone.cpp), a card number 12, an SSN
        // 9; an IPv4 address has 3 dots.
        if (digits >= 7) {
            // An extension after the number belongs to its zone; the run of its digits may
            // make a zone of its own, which then joins this one.
            const Zone zone{run.begin, phone_extension_end(text, run.end)};
            if (!phone.empty() && zone.begin < phone.back().end)
                phone.back().end = std::max(phone.back().end, zone.end);
            else
                phone.push_back(zone);
        }
        if (digits >= 12) card.push_back(run);
        if (digits >= 9 && could_be_ssn(text, run)) ssn.push_back(run);
        if (dots >= 3 && digits >= 4) ipv4.push_back(run);
        // An IBAN starts [A-Z]{2}\d{2}: its first digit starts a run of number bytes.
        if (run.begin >= 2 && is_digit(text[run.begin]) && run.begin + 1 < text.size() &&
            is_digit(text[run.begin + 1]) && is_upper(text[run.begin - 1]) &&
            is_upper(text[run.begin - 2]) && (iban.empty() || run.begin - 2 >= iban.back().end))
            iban.push_back(
                run_around(text, run.begin - 2, iban.empty() ? 0 : iban.back().end, kIbanBytes));
    }
}

// A domain name that validates ends in a known top-level domain, in one case, after a '.':
// 2-24 letters up to the end of the run of letters.
bool holds_known_tld(std::string_view text, const Zone& zone) {
    for (std::size_t dot = zone.begin; dot < zone.end; ++dot) {
        if (text[dot] != '.') continue;
        std::size_t end = dot + 1;
        bool lower = false, upper = false;
        while (end < zone.end && ((text[end] >= 'a' && text[end] <= 'z') || is_upper(text[end]))) {
            (is_upper(text[end]) ? upper : lower) = true;
            ++end;
        }
        const std::size_t length = end - dot - 1;
        if (length >= 2 && length <= 24 && !(lower && upper) &&
            known_top_level_domain(text.substr(dot + 1, length)))
            return true;
    }
    return false;
}

// "www." at text[dot - 3] (any case: RE2's (?i) folds no other character to 'w').
bool www_before(std::string_view text, std::size_t dot, std::size_t floor) {
    if (dot < floor + 3) return false;
    for (std::size_t i = dot - 3; i < dot; ++i)
        if (text[i] != 'w' && text[i] != 'W') return false;
    return true;
}

// A URL holds "://" or "www." within a run of bytes that are not URL breaks.
void url_zones(std::string_view text, std::vector<Zone>& out) {
    std::size_t from = 0;
    auto next_scheme = [&] { return text.find("://", from); };
    auto next_www = [&] {
        for (std::size_t dot = text.find('.', from); dot != std::string_view::npos;
             dot = text.find('.', dot + 1))
            if (www_before(text, dot, from)) return dot - 3;
        return std::string_view::npos;
    };
    std::size_t scheme = next_scheme(), www = next_www();
    while (scheme != std::string_view::npos || www != std::string_view::npos) {
        const std::size_t at = std::min(scheme, www);
        Zone z{at, at};
        while (z.begin > from && !kUrlBreaks(text[z.begin - 1]))
            --z.begin;
        while (z.end < text.size() && !kUrlBreaks(text[z.end]))
            ++z.end;
        out.push_back(z);
        from = z.end;
        if (scheme != std::string_view::npos && scheme < from) scheme = next_scheme();
        if (www != std::string_view::npos && www < from) www = next_www();
    }
}

} // namespace

std::optional<ZoneKind> zone_kind_of(std::string_view builtin_id) {
    static constexpr std::array<std::pair<std::string_view, ZoneKind>, kZoneKinds> kinds{{
        {"pii.email", ZoneKind::email},
        {"pii.phone", ZoneKind::phone},
        {"pii.credit_card", ZoneKind::credit_card},
        {"pii.iban", ZoneKind::iban},
        {"pii.ipv4", ZoneKind::ipv4},
        {"pii.ipv6", ZoneKind::ipv6},
        {"pii.url", ZoneKind::url},
        {"pii.domain", ZoneKind::domain},
        {"pii.us_ssn", ZoneKind::us_ssn},
        {"pii.crypto", ZoneKind::crypto},
        {"pii.date_of_birth", ZoneKind::date},
    }};
    for (const auto& [id, kind] : kinds)
        if (id == builtin_id) return kind;
    return std::nullopt;
}

void find_zones(std::string_view text, TextZones& out) {
    for (auto& zones : out.of)
        zones.clear();
    number_zones(text, out);
    auto any = [](auto) { return true; };
    // An e-mail address holds an '@'.
    runs_around_byte(text, '@', kEmailBytes, any, any,
                     out.of[static_cast<std::size_t>(ZoneKind::email)]);
    // An IPv6 address holds two ':' at least.
    runs_around_byte(
        text, ':', kIpv6Bytes, any,
        [&](const Zone& z) {
            return std::count(text.begin() + static_cast<std::ptrdiff_t>(z.begin),
                              text.begin() + static_cast<std::ptrdiff_t>(z.end), ':') >= 2;
        },
        out.of[static_cast<std::size_t>(ZoneKind::ipv6)]);
    // A domain name ends in '.' and two letters.
    runs_around_byte(
        text, '.', kDomainBytes,
        [&](std::size_t dot) {
            const char c = dot + 1 < text.size() ? text[dot + 1] : '\0';
            return (c >= 'a' && c <= 'z') || is_upper(c);
        },
        [&](const Zone& z) { return holds_known_tld(text, z); },
        out.of[static_cast<std::size_t>(ZoneKind::domain)]);
    url_zones(text, out.of[static_cast<std::size_t>(ZoneKind::url)]);
}

} // namespace llmops::safety
