#include "safety/pii_candidates.hpp"

#include "core/text.hpp"
#include "safety/pii_phone.hpp"
#include "safety/pii_validators.hpp"

#include <algorithm>
#include <unordered_set>

namespace llmops::safety {

namespace {

bool is_word_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           u >= 0x80;
}

char before(std::string_view text, std::size_t at, std::size_t back = 1) {
    return at >= back ? text[at - back] : '\0';
}
char after(std::string_view text, std::size_t end, std::size_t ahead = 0) {
    return end + ahead < text.size() ? text[end + ahead] : '\0';
}

// A number must not be the middle of a longer one: "1.2.3.4.5", "12-345-678-9012".
bool number_stands_alone(std::string_view text, std::size_t begin, std::size_t end) {
    if (is_word_byte(before(text, begin)) || is_word_byte(after(text, end))) return false;
    const char b = before(text, begin), a = after(text, end);
    if ((b == '.' || b == '-' || b == ',') && is_ascii_digit(before(text, begin, 2))) return false;
    // The tail of an identifier: SN-4815162342, ORD/20231104.
    if ((b == '-' || b == '/' || b == '_') && is_word_byte(before(text, begin, 2))) return false;
    if ((a == '.' || a == '-' || a == ',') && is_ascii_digit(after(text, end, 1))) return false;
    return true;
}

// Money and percentages: "$1234567", "4 500 000 €", "12.5%".
bool next_to_amount_sign(std::string_view text, std::size_t begin, std::size_t end) {
    const char b = before(text, begin), a = after(text, end);
    if (b == '$' || b == '#' || a == '%') return true;
    std::string_view prev = text.substr(0, begin), next = text.substr(end);
    return prev.ends_with("€") || prev.ends_with("£") || next.starts_with(" €") ||
           next.starts_with("€");
}

std::optional<Candidate> accept(std::size_t begin, std::size_t end, double score,
                                std::string validation) {
    return Candidate{begin, end, score, std::move(validation)};
}

// Top-level domains that are also common file extensions or code words (README.md, setup.py,
// user.name, self.id): a bare two-label name with one of them needs context.
bool ambiguous_top_level_domain(std::string_view tld) {
    static const std::unordered_set<std::string_view> ambiguous{
        "md", "sh", "py", "pl", "rs", "so",  "ps", "cc", "id", "name", "int", "info", "in",
        "is", "it", "to", "at", "as", "be",  "me", "no", "do", "am",   "ai",  "ml",   "mk",
        "sc", "cs", "js", "ts", "gz", "zip", "io", "ly", "so", "tv",   "ca",  "co",   "jp"};
    return ambiguous.contains(tld);
}

std::optional<Candidate> validate_domain(const RecognizerSpec& spec, std::string_view text,
                                         std::size_t begin, std::size_t end) {
    // Part of an e-mail address, a URL or a longer dotted name: those recognizers report it.
    const char b = before(text, begin), a = after(text, end);
    if (b == '@' || a == '@' || b == '.' || b == '/' || b == '-' || b == '\\') return std::nullopt;
    if (a == '.' && is_word_byte(after(text, end, 1))) return std::nullopt;
    if (a == '(' || a == '-' || a == '/' || a == '\\' || a == '_') return std::nullopt;
    std::string_view name = text.substr(begin, end - begin);
    if (!domain_name_valid(name)) return std::nullopt;
    const std::string_view tld = name.substr(name.rfind('.') + 1);
    std::string lower_tld;
    for (char c : tld)
        lower_tld += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool two_labels = std::count(name.begin(), name.end(), '.') == 1;
    const bool www = name.starts_with("www.") || name.starts_with("WWW.");
    double score = spec.score;
    if (two_labels && !www && ambiguous_top_level_domain(lower_tld)) score = 0.35;
    return accept(begin, end, score, "domain_tld");
}

std::optional<Candidate> validate_url(const RecognizerSpec& spec, std::string_view text,
                                      std::size_t begin, std::size_t end) {
    // Trailing punctuation belongs to the sentence; a closing bracket only when unopened.
    while (end > begin) {
        const char c = text[end - 1];
        if (std::string_view(".,;:!?'\"*").find(c) != std::string_view::npos) {
            --end;
            continue;
        }
        if (c == ')' || c == ']' || c == '}') {
            const char open = c == ')' ? '(' : c == ']' ? '[' : '{';
            std::string_view url = text.substr(begin, end - begin);
            if (std::count(url.begin(), url.end(), open) < std::count(url.begin(), url.end(), c)) {
                --end;
                continue;
            }
        }
        break;
    }
    std::string_view url = text.substr(begin, end - begin);
    std::size_t host_begin = url.find("://");
    host_begin = host_begin == std::string_view::npos ? 0 : host_begin + 3;
    std::string_view rest = url.substr(host_begin);
    std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
    if (host.starts_with("[")) { // [IPv6]:port
        auto close = host.find(']');
        if (close == std::string_view::npos || !ipv6_valid(host.substr(1, close - 1)))
            return std::nullopt;
        return accept(begin, end, spec.score, "url_host");
    }
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        std::string_view port = host.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), is_ascii_digit))
            return std::nullopt;
        host = host.substr(0, colon);
    }
    if (host == "localhost" || ipv4_valid(host) || domain_name_valid(host))
        return accept(begin, end, spec.score, "url_host");
    return std::nullopt;
}

// The end of an IBAN of its country's length at `begin`, or 0.
std::size_t registered_iban_end(std::string_view text, std::size_t begin, std::size_t end) {
    const std::size_t length = iban_length_for_country(text.substr(begin, 2));
    if (length == 0) return 0;
    // The pattern may have taken a following word of capitals: keep the country's length.
    std::size_t taken = 0, cut = begin;
    while (cut < end && taken < length) {
        if (text[cut] != ' ') ++taken;
        ++cut;
    }
    if (taken != length) return 0;
    if (cut < end && text[cut] != ' ') return 0; // the length ends inside a group
    if (is_word_byte(after(text, cut)) && cut == end) return 0;
    return iban_valid(text.substr(begin, cut - begin)) ? cut : 0;
}

std::optional<Candidate> validate_iban(const RecognizerSpec& spec, std::string_view text,
                                       std::size_t begin, std::size_t end) {
    if (const std::size_t cut = registered_iban_end(text, begin, end))
        return accept(begin, cut, spec.score, "iban_mod97");
    // The check digits right for a length the registry does not give the country: less sure.
    // (Faker's default IBANs are "GB" ones of 21 characters, not 22, and labelled sets are made
    // with it.) The whole match, or its first group when it took a following word.
    if (iban_length_for_country(text.substr(begin, 2)) == 0) return std::nullopt;
    constexpr double kChecksumOnlyScore = 0.6;
    auto checked_up_to = [&](std::size_t stop) {
        return iban_checksum_valid(text.substr(begin, stop - begin)) &&
               !is_word_byte(after(text, stop));
    };
    const std::size_t space = text.substr(begin, end - begin).find(' ');
    std::size_t stop = end;
    if (!checked_up_to(stop)) {
        if (space == std::string_view::npos || !checked_up_to(begin + space)) return std::nullopt;
        stop = begin + space;
    }
    return accept(begin, stop, std::min(spec.score, kChecksumOnlyScore), "iban_mod97_only");
}

std::optional<Candidate> validate_builtin_kind(const RecognizerSpec& spec, std::string_view text,
                                               std::size_t begin, std::size_t end,
                                               const PhoneJudge& phone) {
    std::string_view m = text.substr(begin, end - begin);
    const std::string& kind = spec.validation;
    if (kind == "none") return accept(begin, end, spec.score, "");
    if (kind == "email")
        return email_valid(m) ? accept(begin, end, spec.score, "email_syntax") : std::nullopt;
    if (kind == "domain") return validate_domain(spec, text, begin, end);
    if (kind == "url") return validate_url(spec, text, begin, end);
    if (kind == "iban") return validate_iban(spec, text, begin, end);
    if (kind == "bitcoin") {
        if (bitcoin_base58_valid(m)) return accept(begin, end, spec.score, "base58check");
        if (bitcoin_bech32_valid(m)) return accept(begin, end, spec.score, "bech32");
        return std::nullopt;
    }
    if (kind == "ipv6") {
        if (is_word_byte(before(text, begin)) || before(text, begin) == ':' ||
            is_word_byte(after(text, end)) || after(text, end) == ':')
            return std::nullopt;
        const auto hex_groups = std::count(m.begin(), m.end(), ':');
        if (hex_groups < 2 || !ipv6_valid(m)) return std::nullopt;
        return accept(begin, end, spec.score, "ipv6");
    }
    if (kind == "date")
        return calendar_date_valid(m) ? accept(begin, end, spec.score, "calendar_date")
                                      : std::nullopt;
    // The rest are numbers.
    if (!number_stands_alone(text, begin, end)) return std::nullopt;
    if (kind == "ipv4")
        return ipv4_valid(m) ? accept(begin, end, spec.score, "ipv4") : std::nullopt;
    if (next_to_amount_sign(text, begin, end)) return std::nullopt;
    if (kind == "luhn")
        return luhn_valid(m) ? accept(begin, end, spec.score, "luhn") : std::nullopt;
    if (kind == "credit_card")
        return credit_card_valid(m) ? accept(begin, end, spec.score, "luhn") : std::nullopt;
    if (kind == "us_ssn") {
        if (!us_ssn_valid(m)) return std::nullopt;
        const bool separated = m.find_first_of(" -") != std::string_view::npos;
        return accept(begin, end, separated ? spec.score : 0.3, "us_ssn_rules");
    }
    if (kind == "phone") {
        PhoneVerdict verdict = phone.judge(m);
        if (verdict.score <= 0) return std::nullopt;
        const double score = spec.id.starts_with("pii.") ? verdict.score : spec.score;
        return accept(begin, begin + verdict.length, score, verdict.validation);
    }
    return std::nullopt;
}

} // namespace

std::optional<Candidate> validate_candidate(const RecognizerSpec& spec, std::string_view text,
                                            std::size_t begin, std::size_t end,
                                            const PhoneJudge& phone) {
    if (begin >= end) return std::nullopt;
    return validate_builtin_kind(spec, text, begin, end, phone);
}

} // namespace llmops::safety
