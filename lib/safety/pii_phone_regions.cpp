#include "safety/pii_phone_regions.hpp"

#include <phonenumbers/phonemetadata.pb.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

// libphonenumber's compiled-in metadata (its metadata.h, which Debian does not install).
namespace i18n::phonenumbers {
int metadata_size();
const void* metadata_get();
} // namespace i18n::phonenumbers

namespace llmops::safety {

namespace {

using i18n::phonenumbers::NumberFormat;
using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;

constexpr int kMaxNationalLength = 17;
constexpr const char* kNonGeographic = "001"; // libphonenumber's region of codes like 800

// The metadata collection parsed once from the blob compiled into libphonenumber (kept for
// the life of the process: the plans point into it), indexed as PhoneNumberUtil indexes it.
struct MetadataIndex {
    const PhoneMetadataCollection* collection = nullptr;             // never freed
    std::unordered_map<std::string, const PhoneMetadata*> by_region; // geographic regions
    // Country calling code -> its regions' metadata, the main region first, the rest in the
    // collection's order (as libphonenumber's country_calling_code_to_region_code_map).
    std::map<int, std::vector<const PhoneMetadata*>> by_country_code;
};

const MetadataIndex& metadata_index() {
    static const MetadataIndex index = [] {
        auto* collection = new PhoneMetadataCollection;
        if (!collection->ParseFromArray(i18n::phonenumbers::metadata_get(),
                                        i18n::phonenumbers::metadata_size()))
            collection->Clear();
        MetadataIndex out;
        out.collection = collection;
        for (const auto& metadata : collection->metadata()) {
            if (metadata.id() == "ZZ") continue;
            if (metadata.id() != kNonGeographic) out.by_region.emplace(metadata.id(), &metadata);
            auto& regions = out.by_country_code[metadata.country_code()];
            if (metadata.main_country_for_code())
                regions.insert(regions.begin(), &metadata);
            else
                regions.push_back(&metadata);
        }
        return out;
    }();
    return index;
}

// Bit L for each length the description lists; 0 when it lists none (any length), 1 (no
// length) when its only length is -1 (a type with no numbers).
std::uint32_t lengths_of(const PhoneNumberDesc& desc) {
    std::uint32_t lengths = 0;
    for (int length : desc.possible_length())
        if (length > 0 && length < 32) lengths |= 1u << length;
    if (desc.possible_length_size() > 0 && lengths == 0) lengths = 1u;
    return lengths;
}

// False when RE2 rejects the pattern.
bool compile(const PhoneNumberDesc& desc, RegionPlan::Description& out) {
    out.lengths = lengths_of(desc);
    if (desc.national_number_pattern().empty()) return true;
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(desc.national_number_pattern(), options);
    if (!regex->ok()) return false;
    out.pattern = std::move(regex);
    return true;
}

// The patterns of a region's number types (fixed line, mobile, toll free ...) in one RE2::Set:
// one pass tells which match, where a match per type took a pass each.
struct TypeSet {
    std::unique_ptr<RE2::Set> set;      // anchored at both ends
    std::vector<std::uint32_t> lengths; // per pattern of the set, as lengths_of
    std::vector<std::string> patterns;  // the same patterns, should the set's automaton fail
};

// False when RE2 rejects a pattern.
bool make_type_set(const PhoneMetadata& metadata, TypeSet& out) {
    RE2::Options options;
    options.set_log_errors(false);
    auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
    for (const PhoneNumberDesc* desc :
         {&metadata.fixed_line(), &metadata.mobile(), &metadata.toll_free(),
          &metadata.premium_rate(), &metadata.shared_cost(), &metadata.voip(),
          &metadata.personal_number(), &metadata.pager(), &metadata.uan(), &metadata.voicemail()}) {
        if (desc->national_number_pattern().empty()) continue; // matches no number
        if (set->Add(desc->national_number_pattern(), nullptr) < 0) return false;
        out.lengths.push_back(lengths_of(*desc));
        out.patterns.push_back(desc->national_number_pattern());
    }
    if (!set->Compile()) return false;
    out.set = std::move(set);
    return true;
}

// Whether a type whose lengths fit matches the number.
bool any_type_matches(const TypeSet& types, std::string_view nsn) {
    if (!types.set) return false;
    thread_local std::vector<int> matched;
    RE2::Set::ErrorInfo error{};
    if (types.set->Match(nsn, &matched, &error)) {
        for (int i : matched)
            if (RegionPlan::Description::lengths_fit(types.lengths[static_cast<std::size_t>(i)],
                                                     nsn.size()))
                return true;
        return false;
    }
    if (error.kind == RE2::Set::kNoError) return false;
    // The set's automaton ran out of memory: one pattern at a time.
    for (std::size_t i = 0; i < types.patterns.size(); ++i)
        if (RegionPlan::Description::lengths_fit(types.lengths[i], nsn.size()) &&
            RE2::FullMatch(nsn, RE2(types.patterns[i], RE2::Quiet)))
            return true;
    return false;
}

std::shared_ptr<const RE2> compile_pattern(const std::string& pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(pattern, options);
    return regex->ok() ? regex : nullptr;
}

// The group a rule's "$N" at `i` names, or -1 when there is none at `i`.
int group_at(std::string_view rule, std::size_t i) {
    return rule[i] == '$' && i + 1 < rule.size() && rule[i + 1] >= '0' && rule[i + 1] <= '9'
               ? rule[i + 1] - '0'
               : -1;
}

// The format with its first group ("$1") replaced by the national prefix rule ("0$1"), as
// libphonenumber's FormatNsnUsingPattern does for the NATIONAL format.
std::string national_rule(const i18n::phonenumbers::NumberFormat& format) {
    std::string rule = format.format();
    const std::string& prefix_rule = format.national_prefix_formatting_rule();
    if (prefix_rule.empty()) return rule;
    for (std::size_t i = 0; i + 1 < rule.size(); ++i) {
        if (group_at(rule, i) < 0) continue;
        // In the prefix rule "$1" stands for the group token it replaces: Argentina's
        // "$2 15-$3-$4" becomes "0$2 15-$3-$4".
        std::string replacement;
        for (std::size_t j = 0; j < prefix_rule.size(); ++j) {
            if (prefix_rule.compare(j, 2, "$1") == 0) {
                replacement += rule.substr(i, 2);
                ++j;
            } else {
                replacement += prefix_rule[j];
            }
        }
        return rule.replace(i, 2, replacement);
    }
    return rule;
}

// False when RE2 rejects a pattern. `national`: the rules of the NATIONAL format (with the
// national prefix rule), else those of INTERNATIONAL (the format as it is).
bool add_formats(const google::protobuf::RepeatedPtrField<NumberFormat>& source, bool national,
                 std::vector<RegionPlan::Format>& formats) {
    for (const auto& format : source) {
        RegionPlan::Format out;
        const int leading = format.leading_digits_pattern_size();
        if (leading > 0) {
            out.leading_digits = compile_pattern(format.leading_digits_pattern(leading - 1));
            if (!out.leading_digits) return false;
        }
        out.pattern = compile_pattern(format.pattern());
        if (!out.pattern) return false;
        out.rule = national ? national_rule(format) : format.format();
        formats.push_back(std::move(out));
    }
    return true;
}

// The digit groups of the number formatted by the first format that fits it (leading digits,
// then the whole pattern), as libphonenumber's ChooseFormattingPatternForNumber and
// FormatNsnUsingPattern; the number as one group when none fits.
std::vector<std::size_t> groups_by_formats(const std::vector<RegionPlan::Format>& formats,
                                           std::string_view nsn) {
    std::vector<std::size_t> groups;
    for (const auto& format : formats) {
        if (format.leading_digits &&
            !format.leading_digits->Match(nsn, 0, nsn.size(), RE2::ANCHOR_START, nullptr, 0))
            continue;
        constexpr int kMaxGroups = 10;
        const int captures = std::min(format.pattern->NumberOfCapturingGroups(), kMaxGroups - 1);
        // Whether it fits first (an automaton), the groups only for the format that does.
        if (!format.pattern->Match(nsn, 0, nsn.size(), RE2::ANCHOR_BOTH, nullptr, 0)) continue;
        std::array<re2::StringPiece, kMaxGroups> parts;
        if (!format.pattern->Match(nsn, 0, nsn.size(), RE2::ANCHOR_BOTH, parts.data(),
                                   captures + 1))
            continue;
        std::size_t run = 0;
        auto digits = [&](std::size_t count) { run += count; };
        auto separator = [&] {
            if (run) groups.push_back(run);
            run = 0;
        };
        const std::string& rule = format.rule;
        for (std::size_t i = 0; i < rule.size(); ++i) {
            if (const int group = group_at(rule, i); group >= 0) {
                const re2::StringPiece part = group <= captures ? parts[group] : re2::StringPiece();
                for (char c : part)
                    c >= '0' && c <= '9' ? digits(1) : separator();
                ++i;
            } else {
                rule[i] >= '0' && rule[i] <= '9' ? digits(1) : separator();
            }
        }
        separator();
        return groups;
    }
    if (!nsn.empty()) groups.push_back(nsn.size());
    return groups;
}

// The metadata's lengths as TestNumberLength reads them (for an unknown number type: the
// general description's).
RegionPlan::LengthRule length_rule_of(const PhoneNumberDesc& general) {
    RegionPlan::LengthRule rule;
    const auto& listed = general.possible_length();
    if (listed.empty() || listed.Get(0) == -1) return rule;
    rule.none = false;
    rule.shortest = listed.Get(0);
    rule.longest = listed.Get(listed.size() - 1);
    for (int length : listed)
        if (length > 0 && length < 32) rule.listed |= 1u << length;
    for (int length : general.possible_length_local_only())
        if (length > 0 && length < 32) rule.local_only |= 1u << length;
    return rule;
}

} // namespace

struct RegionPlan::Lazy {
    const PhoneMetadata* metadata = nullptr;   // the region's
    const PhoneMetadata* formatting = nullptr; // its country code's main region's
    bool general_compiled = false;
    std::once_flag types_made, formats_made, international_made;
    TypeSet types;
    bool validity_known = false;
    std::vector<Format> formats;
    bool formats_known = false;
    // Reading numbers with a country code.
    bool international_known = false;
    std::shared_ptr<const RE2> leading_digits;  // null: none in the metadata
    std::shared_ptr<const RE2> national_prefix; // national_prefix_for_parsing; null: none
    std::string transform_rule;                 // "9$1" ..., empty: the prefix goes
    std::vector<Format> international_formats;

    void make_types() {
        std::call_once(types_made, [&] {
            validity_known = make_type_set(*metadata, types) && general_compiled;
        });
    }
    void make_formats() {
        std::call_once(formats_made, [&] {
            formats_known = add_formats(formatting->number_format(), true, formats);
        });
    }
    void make_international() {
        std::call_once(international_made, [&] {
            bool compiled = general_compiled;
            if (metadata->has_leading_digits()) {
                leading_digits = compile_pattern(metadata->leading_digits());
                compiled = compiled && leading_digits;
            }
            if (!metadata->national_prefix_for_parsing().empty()) {
                national_prefix = compile_pattern(metadata->national_prefix_for_parsing());
                compiled = compiled && national_prefix;
                transform_rule = metadata->national_prefix_transform_rule();
            }
            // Only the main region formats its country code's numbers: its international
            // formats where the metadata has any, else its national ones.
            if (metadata == formatting) {
                const auto& source = formatting->intl_number_format_size() > 0
                                         ? formatting->intl_number_format()
                                         : formatting->number_format();
                compiled = add_formats(source, false, international_formats) && compiled;
            }
            international_known = compiled;
        });
    }
};

namespace {

// `main`: the metadata of the main region of the region's country code (the region itself
// for most).
RegionPlan make_plan(const PhoneMetadata& metadata, const PhoneMetadata& main) {
    RegionPlan plan;
    plan.country_code = metadata.country_code();
    // As GetNddPrefixForRegion(region, true): the prefix without its '~' (wait for a tone).
    for (char c : metadata.national_prefix())
        if (c != '~') plan.trunk_prefix += c;
    // IsPossibleNumber reads the lengths of the country code's main region.
    plan.length_rule = length_rule_of(main.general_desc());
    for (int length = 1; length <= kMaxNationalLength; ++length) {
        const RegionPlan::Length verdict = plan.test_length(static_cast<std::size_t>(length));
        if (verdict == RegionPlan::Length::Possible || verdict == RegionPlan::Length::LocalOnly)
            plan.possible_lengths |= 1u << length;
    }
    plan.lazy = std::make_shared<RegionPlan::Lazy>();
    plan.lazy->metadata = &metadata;
    plan.lazy->formatting = &main;
    plan.lazy->general_compiled = compile(metadata.general_desc(), plan.general);
    return plan;
}

// Region codes are two capital letters: one slot per code, slot 0 for anything else.
constexpr std::size_t kSlots = 1 + 26 * 26;

std::size_t slot_of(std::string_view region) {
    if (region.size() != 2 || region[0] < 'A' || region[0] > 'Z' || region[1] < 'A' ||
        region[1] > 'Z')
        return 0;
    return 1 + static_cast<std::size_t>(region[0] - 'A') * 26 +
           static_cast<std::size_t>(region[1] - 'A');
}

} // namespace

// As libphonenumber's IsNumberMatchingDesc: the length first, when lengths are listed.
bool RegionPlan::Description::matches(std::string_view national_significant_number) const {
    if (!length_fits(national_significant_number.size())) return false;
    return pattern &&
           pattern->Match(national_significant_number, 0, national_significant_number.size(),
                          RE2::ANCHOR_BOTH, nullptr, 0);
}

bool RegionPlan::validity_known() const {
    if (!lazy) return false;
    lazy->make_types();
    return lazy->validity_known;
}

const std::vector<RegionPlan::Format>& RegionPlan::formats() const {
    static const std::vector<Format> none;
    if (!lazy) return none;
    lazy->make_formats();
    return lazy->formats;
}

bool RegionPlan::formats_known() const {
    if (!lazy) return false;
    lazy->make_formats();
    return lazy->formats_known;
}

// As Format(NATIONAL): the first format whose leading digits and pattern fit, its rule filled
// with the pattern's groups; the number unformatted when none fits.
std::vector<std::size_t> RegionPlan::national_groups(std::string_view nsn) const {
    return groups_by_formats(formats(), nsn);
}

bool RegionPlan::international_known() const {
    if (!lazy) return false;
    lazy->make_international();
    return lazy->international_known;
}

bool RegionPlan::has_leading_digits() const {
    return international_known() && lazy->leading_digits != nullptr;
}

// As the Consume (a match at the start) GetRegionCodeForNumberFromRegionList does.
bool RegionPlan::leading_digits_match(std::string_view nsn) const {
    return has_leading_digits() &&
           lazy->leading_digits->Match(nsn, 0, nsn.size(), RE2::ANCHOR_START, nullptr, 0);
}

std::vector<std::size_t> RegionPlan::international_groups(std::string_view nsn) const {
    if (!international_known()) return {};
    return groups_by_formats(lazy->international_formats, nsn);
}

// libphonenumber's IsMatch: the general pattern over the whole number, whatever its length.
namespace {
bool general_pattern_matches(const RegionPlan& plan, std::string_view number) {
    return plan.general.pattern &&
           plan.general.pattern->Match(number, 0, number.size(), RE2::ANCHOR_BOTH, nullptr, 0);
}
} // namespace

std::string RegionPlan::without_national_prefix(std::string_view number) const {
    if (number.empty() || !international_known() || !lazy->national_prefix)
        return std::string(number);
    const RE2& prefix = *lazy->national_prefix;
    constexpr int kMaxGroups = 10;
    const int groups = std::min(prefix.NumberOfCapturingGroups(), kMaxGroups - 1);
    std::array<re2::StringPiece, kMaxGroups> parts;
    if (!prefix.Match(number, 0, number.size(), RE2::ANCHOR_START, parts.data(), groups + 1))
        return std::string(number);
    const bool viable = general_pattern_matches(*this, number);
    const std::string_view rest = number.substr(parts[0].size());
    // ICU's Consume with two outputs takes groups 1 and 2, with one group 1; the second
    // names the part of the prefix the transform rule keeps.
    const re2::StringPiece captured = groups >= 2 ? parts[2] : groups == 1 ? parts[1] : "";
    std::string out;
    if (!lazy->transform_rule.empty() && !captured.empty()) {
        const std::string& rule = lazy->transform_rule;
        for (std::size_t i = 0; i < rule.size(); ++i) {
            if (const int group = group_at(rule, i); group >= 0) {
                if (group <= groups) out.append(parts[group].data(), parts[group].size());
                ++i;
            } else {
                out += rule[i];
            }
        }
        out += rest;
    } else {
        out = rest;
    }
    // A number that fitted the general pattern keeps its prefix when the rest does not.
    if (viable && !general_pattern_matches(*this, out)) return std::string(number);
    return out;
}

RegionPlan::Length RegionPlan::test_length(std::size_t length) const {
    const LengthRule& rule = length_rule;
    if (rule.none) return Length::Invalid;
    const std::uint32_t bit = length < 32 ? 1u << length : 0;
    if (rule.local_only & bit) return Length::LocalOnly;
    const auto actual = static_cast<int>(length);
    if (actual == rule.shortest) return Length::Possible;
    if (actual < rule.shortest) return Length::TooShort;
    if (actual > rule.longest) return Length::TooLong;
    return (rule.listed & bit) ? Length::Possible : Length::Invalid;
}

// As GetNumberTypeHelper(...) != UNKNOWN: the general description and then any type's.
bool RegionPlan::valid(std::string_view national_significant_number) const {
    return general.matches(national_significant_number) &&
           valid_in_general(national_significant_number);
}

bool RegionPlan::valid_in_general(std::string_view national_significant_number) const {
    if (!general.length_fits(national_significant_number.size()) || !lazy) return false;
    lazy->make_types();
    return any_type_matches(lazy->types, national_significant_number);
}

const RegionPlan& plan_of(std::string_view region) {
    // Plans are made on first use: a configuration names a few dozen of the ~250 regions.
    static std::array<std::once_flag, kSlots> made;
    // Never destroyed: freeing hundreds of compiled patterns only slows the exit.
    static auto& plans = *new std::array<RegionPlan, kSlots>;
    const std::size_t slot = slot_of(region);
    if (slot == 0) return plans[0];
    std::call_once(made[slot], [&] {
        const MetadataIndex& index = metadata_index();
        auto found = index.by_region.find(std::string(region));
        if (found == index.by_region.end()) return; // a region libphonenumber does not know
        const PhoneMetadata& metadata = *found->second;
        plans[slot] =
            make_plan(metadata, *index.by_country_code.at(metadata.country_code()).front());
    });
    return plans[slot];
}

const std::vector<const RegionPlan*>& plans_of_country_code(int country_code) {
    static std::mutex mutex;
    // Never destroyed, as above; map nodes stay where they are as others are added.
    static auto& made = *new std::map<int, std::vector<const RegionPlan*>>;
    static auto& non_geographic = *new std::map<int, RegionPlan>;
    static const std::vector<const RegionPlan*> none;
    const MetadataIndex& index = metadata_index();
    auto regions = index.by_country_code.find(country_code);
    if (regions == index.by_country_code.end()) return none;
    std::lock_guard lock(mutex);
    if (auto found = made.find(country_code); found != made.end()) return found->second;
    std::vector<const RegionPlan*> plans;
    for (const PhoneMetadata* metadata : regions->second) {
        if (metadata->id() == kNonGeographic) {
            auto [plan, added] = non_geographic.try_emplace(country_code);
            if (added) plan->second = make_plan(*metadata, *metadata);
            plans.push_back(&plan->second);
        } else {
            plans.push_back(&plan_of(metadata->id()));
        }
    }
    return made.emplace(country_code, std::move(plans)).first->second;
}

InternationalReading read_international(std::string_view digits) {
    constexpr std::size_t kMinNational = 2; // libphonenumber's kMinLengthForNsn
    constexpr std::size_t kMaxCountryCodeLength = 3;
    InternationalReading out;
    // ExtractCountryCode: the shortest prefix that is a country calling code, never one
    // starting with 0, and more than 2 digits in all.
    if (digits.size() <= kMinNational || digits.front() == '0') return out;
    const std::vector<const RegionPlan*>* plans = nullptr;
    std::size_t code_length = 1;
    for (int code = 0; code_length <= std::min(kMaxCountryCodeLength, digits.size());
         ++code_length) {
        code = code * 10 + (digits[code_length - 1] - '0');
        plans = &plans_of_country_code(code);
        if (!plans->empty()) break;
    }
    if (plans->empty()) return out;
    const auto unknown = [] { return InternationalReading{.known = false}; };
    const RegionPlan& main = *plans->front();
    if (!main.international_known()) return unknown();
    std::string national(digits.substr(code_length));
    if (national.size() < kMinNational) return out;
    // The national prefix goes when what is left has a length the country allows (or is too
    // long), as ParseHelper decides.
    std::string stripped = main.without_national_prefix(national);
    const RegionPlan::Length length = main.test_length(stripped.size());
    if (length == RegionPlan::Length::Possible || length == RegionPlan::Length::TooLong)
        national = std::move(stripped);
    if (national.size() < kMinNational || national.size() > kMaxNationalLength) return out;
    out.parsed = true;
    out.possible = main.possible_length(national.size());
    // GetRegionCodeForNumber: the only region, or the first whose leading digits start the
    // number (or, without leading digits, in which it is valid); then valid in that region.
    // Patterns are compiled only for the regions looked at.
    const RegionPlan* region = plans->size() == 1 ? &main : nullptr;
    for (std::size_t i = 0; !region && i < plans->size(); ++i) {
        const RegionPlan& plan = *(*plans)[i];
        if (!plan.international_known()) return unknown();
        if (plan.has_leading_digits()) {
            if (plan.leading_digits_match(national)) region = &plan;
        } else {
            if (!plan.validity_known()) return unknown();
            if (plan.valid(national)) region = &plan;
        }
    }
    if (region && !region->validity_known()) return unknown();
    out.valid = region && region->valid(national);
    if (out.valid) out.groups = main.international_groups(national);
    return out;
}

} // namespace llmops::safety
