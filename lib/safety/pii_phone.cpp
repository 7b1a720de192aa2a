#include "safety/pii_phone.hpp"

#include "core/text.hpp"
#include "safety/pii_phone_regions.hpp"
#include "safety/pii_validators.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace llmops::safety {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& util() {
    return *PhoneNumberUtil::GetInstance();
}

// Lengths of the runs of digits: "(020) 7946-0958" -> {3, 4, 4}.
std::vector<std::size_t> digit_groups(std::string_view text) {
    std::vector<std::size_t> groups;
    std::size_t run = 0;
    for (char c : text) {
        if (is_ascii_digit(c)) {
            ++run;
        } else if (run) {
            groups.push_back(run);
            run = 0;
        }
    }
    if (run) groups.push_back(run);
    return groups;
}

bool balanced_parentheses(std::string_view text) {
    int depth = 0;
    for (char c : text) {
        if (c == '(') ++depth;
        if (c == ')' && --depth < 0) return false;
        if (depth > 1) return false;
    }
    return depth == 0;
}

// Numbers that are something else written with the same characters: dates, IPv4 addresses,
// decimals, thousands written with dots.
bool looks_like_other_number(std::string_view text, const std::vector<std::size_t>& groups) {
    if (calendar_date_valid(text) || ipv4_valid(text)) return true;
    const bool only_dots = text.find_first_of(" -/()") == std::string_view::npos &&
                           text.find('.') != std::string_view::npos;
    if (only_dots) {
        // 1.234.567 (thousands), 3.14159 (a decimal: two groups), dates already handled.
        if (groups.size() == 2) return true;
        if (groups.front() <= 3 &&
            std::all_of(groups.begin() + 1, groups.end(), [](std::size_t g) { return g == 3; }))
            return true;
    }
    // Year ranges and similar: 1990-2000, 2019/2020.
    if (groups.size() == 2 && groups[0] == 4 && groups[1] == 4) return true;
    return false;
}

struct Parsed {
    bool ok = false;
    PhoneNumber number;
};

Parsed parse_in(const std::string& text, const std::string& region) {
    Parsed p;
    p.ok = util().Parse(text, region, &p.number) == PhoneNumberUtil::NO_PARSING_ERROR;
    return p;
}

bool written_as_formatted(const std::vector<std::size_t>& groups, const PhoneNumber& number,
                          PhoneNumberUtil::PhoneNumberFormat format) {
    std::string formatted;
    util().Format(number, format, &formatted);
    std::vector<std::size_t> expected = digit_groups(formatted);
    if (format == PhoneNumberUtil::INTERNATIONAL && !expected.empty())
        expected.erase(expected.begin()); // the country code, compared separately
    return groups == expected;
}

PhoneVerdict judge_international(bool plus, std::string_view digits,
                                 const std::vector<std::size_t>& groups) {
    if (!plus) digits.remove_prefix(2); // 00 prefix
    std::vector<std::size_t> national_groups = groups;
    if (!national_groups.empty()) national_groups.erase(national_groups.begin());
    const PhoneVerdict valid_formatted{.score = 0.95, .validation = "phone_international"};
    const PhoneVerdict valid{.score = 0.85, .validation = "phone_international"};
    const PhoneVerdict possible{.score = 0.45, .validation = "phone_possible_international"};
    // The region plans read the number as libphonenumber would, without starting it.
    const InternationalReading reading = read_international(digits);
    if (reading.known) {
        if (!reading.parsed) return {};
        if (reading.valid) return reading.groups == national_groups ? valid_formatted : valid;
        return reading.possible ? possible : PhoneVerdict{};
    }
    std::string with_plus = "+";
    with_plus += digits;
    Parsed p = parse_in(with_plus, "ZZ");
    if (!p.ok) return {};
    if (util().IsValidNumber(p.number))
        return written_as_formatted(national_groups, p.number, PhoneNumberUtil::INTERNATIONAL)
                   ? valid_formatted
                   : valid;
    return util().IsPossibleNumber(p.number) ? possible : PhoneVerdict{};
}

// The national significant number `digits` stand for when dialled inside the region of
// `plan` (libphonenumber's Parse does the same, with much more string handling: this runs for
// every region of every candidate); empty when the region has no number of that length
// (equivalent to IsPossibleNumber, which tests nothing but the length).
std::string_view national_part(std::string_view digits, const RegionPlan& plan) {
    if (plan.country_code == 0) return {};
    std::string_view national = digits;
    if (!plan.trunk_prefix.empty() && national.starts_with(plan.trunk_prefix))
        national.remove_prefix(plan.trunk_prefix.size());
    if (national.size() < 4 || national.size() > 14) return {};
    if (!plan.possible_length(national.size())) return {};
    return national;
}

PhoneNumber number_of(std::string_view national, const RegionPlan& plan) {
    PhoneNumber out;
    out.set_country_code(plan.country_code);
    std::size_t zeros = 0;
    while (zeros + 1 < national.size() && national[zeros] == '0')
        ++zeros;
    if (zeros > 0) {
        out.set_italian_leading_zero(true);
        if (zeros > 1) out.set_number_of_leading_zeros(static_cast<int>(zeros));
    }
    std::uint64_t value = 0;
    for (char c : national)
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    out.set_national_number(value);
    return out;
}

// The best score a region other than the default can reach (valid and formatted as there).
constexpr double kBestOtherRegionScore = 0.45 + 0.2;

} // namespace

// The regions of a judge in the order they are tried, and their general patterns in one
// RE2::Set: a single pass tells which regions a national number can be valid in, where one
// match per region took a pass each. (A set of the types' patterns too is slower: its
// automaton grows too large.)
struct PhoneJudge::Regions {
    struct Entry {
        std::string region;
        const RegionPlan* plan;
        bool is_default;
        int pattern; // in `general`, or -1: no pattern RE2 took
    };
    std::vector<Entry> order;
    std::unique_ptr<RE2::Set> general;
    std::vector<std::size_t> entry_of_pattern;

    Regions(const std::string& default_region, const std::vector<std::string>& regions) {
        auto add = [&](const std::string& region, bool is_default) {
            order.push_back({region, &plan_of(region), is_default, -1});
        };
        add(default_region, true);
        for (const auto& region : regions)
            if (region != default_region) add(region, false);
        RE2::Options options;
        options.set_log_errors(false);
        general = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
        for (std::size_t i = 0; i < order.size(); ++i) {
            const RegionPlan& plan = *order[i].plan;
            if (!plan.general.pattern) continue;
            const int index = general->Add(plan.general.pattern->pattern(), nullptr);
            if (index < 0) continue;
            order[i].pattern = index;
            entry_of_pattern.push_back(i);
        }
        if (!general->Compile()) general.reset();
    }
};

struct PhoneJudge::Lazy {
    std::once_flag made;
    std::optional<Regions> regions;
};

namespace {

PhoneVerdict judge_national(std::string_view text, const std::vector<std::size_t>& groups,
                            const PhoneJudge::Regions& regions) {
    const std::string digits = digits_of(text);
    const auto& order = regions.order;
    // Each region's national number (a suffix of the digits), and whether the region's
    // general pattern matches it: one set pass per distinct suffix.
    thread_local std::vector<std::string_view> nationals;
    thread_local std::vector<char> general_matches;
    thread_local std::vector<int> matched;
    thread_local std::vector<const char*> done; // suffixes matched already
    nationals.resize(order.size());
    general_matches.assign(order.size(), 0);
    done.clear();
    bool general_known = regions.general != nullptr;
    for (std::size_t i = 0; i < order.size(); ++i)
        nationals[i] = national_part(digits, *order[i].plan);
    for (std::size_t i = 0; i < order.size() && general_known; ++i) {
        if (nationals[i].empty() || order[i].pattern < 0) continue;
        if (std::find(done.begin(), done.end(), nationals[i].data()) != done.end()) continue;
        done.push_back(nationals[i].data());
        RE2::Set::ErrorInfo error{};
        if (!regions.general->Match(nationals[i], &matched, &error)) {
            if (error.kind != RE2::Set::kNoError) general_known = false;
            continue;
        }
        for (int index : matched) {
            const std::size_t j = regions.entry_of_pattern[static_cast<std::size_t>(index)];
            if (nationals[j].data() == nationals[i].data()) general_matches[j] = 1;
        }
    }

    PhoneVerdict best;
    auto consider = [&](std::size_t i) {
        const auto& entry = order[i];
        const RegionPlan& plan = *entry.plan;
        const std::string_view national = nationals[i];
        if (national.empty()) return; // most regions end here
        bool valid = false;
        if (!plan.validity_known())
            valid = util().IsValidNumberForRegion(number_of(national, plan), entry.region);
        else if (general_known && entry.pattern >= 0)
            valid = general_matches[i] && plan.valid_in_general(national);
        else
            valid = plan.valid(national);
        // Only the default region scores numbers that are merely possible.
        if (!valid && !entry.is_default) return;
        const bool formatted = plan.formats_known()
                                   ? plan.national_groups(national) == groups
                                   : written_as_formatted(groups, number_of(national, plan),
                                                          PhoneNumberUtil::NATIONAL);
        const double score = valid ? (entry.is_default ? 0.6 : 0.45) + (formatted ? 0.2 : 0)
                                   : 0.25 + (formatted ? 0.1 : 0);
        if (score > best.score)
            best = {.score = score,
                    .validation = (valid ? "phone_national:" : "phone_possible:") + entry.region};
    };
    consider(0);
    // Ties keep the earlier region, so once a region reaches the best score another can
    // reach, the rest cannot change the verdict.
    for (std::size_t i = 1; i < order.size(); ++i) {
        if (best.score >= kBestOtherRegionScore) break;
        consider(i);
    }
    // A bare run of ten or more digits is as often an order or account number.
    if (best.score > 0 && groups.size() == 1 && groups[0] >= 10) best.score -= 0.1;
    return best;
}

PhoneVerdict judge_one(std::string_view text, const PhoneJudge::Regions& regions) {
    const std::string digits = digits_of(text);
    if (digits.size() < 7 || digits.size() > 15) return {};
    if (std::all_of(digits.begin(), digits.end(), [&](char c) { return c == digits[0]; }))
        return {};
    if (!balanced_parentheses(text)) return {};
    const auto groups = digit_groups(text);
    if (looks_like_other_number(text, groups)) return {};
    // "+44 …" and "(+44) …" with a plus, "0044 …" with the international prefix.
    const bool plus = text.front() == '+' || text.starts_with("(+");
    const bool international = plus || (text.starts_with("00") && digits.size() >= 10);
    PhoneVerdict verdict = international ? judge_international(plus, digits, groups)
                                         : judge_national(text, groups, regions);
    verdict.length = text.size();
    return verdict;
}

// The candidate without its last digit group ("555 1234 42" -> "555 1234"), or empty. Only a
// group set apart by a space goes: one joined by '-', '.' or '/' belongs to the same token
// ("978-0-306-40615-7", an ISBN, holds no phone number "978-0-306").
std::string_view without_last_group(std::string_view text) {
    std::size_t end = text.size();
    while (end > 0 && is_ascii_digit(text[end - 1]))
        --end;
    bool spaced = false;
    while (end > 0 && !is_ascii_digit(text[end - 1]))
        spaced = text[--end] == ' ' || spaced;
    return spaced ? text.substr(0, end) : std::string_view();
}

// The length of the number before an extension the candidate ends with ("x123", " ext. 45",
// "extension 6789", as the phone pattern allows them), or the whole length when it has none.
std::size_t length_before_extension(std::string_view candidate) {
    std::size_t end = candidate.size();
    while (end > 0 && is_ascii_digit(candidate[end - 1]))
        --end;
    if (end == candidate.size()) return candidate.size();
    if (end > 0 && candidate[end - 1] == ' ') --end;
    const std::string_view before = candidate.substr(0, end);
    std::size_t marker = 0;
    for (std::string_view word : kPhoneExtensionMarkers)
        if (before.size() > word.size() &&
            ascii_iequals(before.substr(before.size() - word.size()), word)) {
            marker = word.size();
            break;
        }
    if (marker == 0) return candidate.size();
    end -= marker;
    if (end > 0 && candidate[end - 1] == ' ') --end;
    return end > 0 && is_ascii_digit(candidate[end - 1]) ? end : candidate.size();
}

PhoneVerdict judge_number(std::string_view candidate, const PhoneJudge::Regions& regions) {
    // A sentence that ends after a number and goes on with another: "call 555 1234. 42 of".
    if (auto stop = candidate.find(". "); stop != std::string_view::npos)
        candidate = candidate.substr(0, stop);
    while (!candidate.empty() && !is_ascii_digit(candidate.back()))
        candidate.remove_suffix(1);
    // The pattern is greedy: a number followed by another group of digits may only be a
    // number without that group.
    std::string_view text = candidate;
    for (int attempt = 0; attempt < 3 && !text.empty(); ++attempt) {
        PhoneVerdict verdict = judge_one(text, regions);
        if (verdict.score > 0) return verdict;
        text = without_last_group(text);
    }
    return {};
}

// A number with an extension is judged without it; its finding covers the extension when the
// number is the whole of what came before it.
PhoneVerdict judge_uncached(std::string_view candidate, const PhoneJudge::Regions& regions) {
    const std::size_t number = length_before_extension(candidate);
    PhoneVerdict verdict = judge_number(candidate.substr(0, number), regions);
    if (verdict.score > 0 && verdict.length == number) verdict.length = candidate.size();
    return verdict;
}

struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
        return std::hash<std::string_view>{}(text);
    }
};

} // namespace

const std::vector<std::string>& default_phone_regions() {
    static const std::vector<std::string> regions{
        "US", "CA", "GB", "IE", "DE", "FR", "IT", "ES", "PT", "NL", "BE", "LU", "CH",
        "AT", "SE", "NO", "DK", "FI", "IS", "PL", "CZ", "SK", "HU", "RO", "BG", "GR",
        "HR", "SI", "RS", "UA", "RU", "TR", "IL", "AE", "SA", "EG", "ZA", "NG", "KE",
        "MA", "IN", "PK", "BD", "LK", "CN", "HK", "TW", "JP", "KR", "SG", "MY", "ID",
        "TH", "VN", "PH", "AU", "NZ", "MX", "BR", "AR", "CL", "CO", "PE"};
    return regions;
}

bool is_phone_region(std::string_view region) {
    return plan_of(region).country_code != 0;
}

PhoneJudge::PhoneJudge(std::string default_region, std::vector<std::string> regions)
    : default_region_(std::move(default_region)), regions_(std::move(regions)),
      lazy_(std::make_shared<Lazy>()) {
    static std::atomic<std::uint64_t> next_id{1};
    id_ = next_id++;
}

PhoneVerdict PhoneJudge::judge(std::string_view candidate) const {
    // Texts repeat their numbers (years, versions, the same contact line in every message):
    // verdicts are kept per thread, for the judge (its regions) that gave them, up to a bound.
    struct Cache {
        std::uint64_t judge = 0;
        std::unordered_map<std::string, PhoneVerdict, TextHash, std::equal_to<>> verdicts;
    };
    constexpr std::size_t kCachedVerdicts = 1 << 14;
    thread_local Cache cache;
    if (cache.judge != id_) {
        cache.judge = id_;
        cache.verdicts.clear();
    }
    if (auto hit = cache.verdicts.find(candidate); hit != cache.verdicts.end()) return hit->second;
    std::call_once(lazy_->made, [&] { lazy_->regions.emplace(default_region_, regions_); });
    PhoneVerdict verdict = judge_uncached(candidate, *lazy_->regions);
    if (cache.verdicts.size() >= kCachedVerdicts) cache.verdicts.clear();
    cache.verdicts.emplace(std::string(candidate), verdict);
    return verdict;
}

PhoneVerdict judge_phone_number(std::string_view candidate, const std::string& default_region,
                                const std::vector<std::string>& regions) {
    return PhoneJudge(default_region, regions).judge(candidate);
}

} // namespace llmops::safety
