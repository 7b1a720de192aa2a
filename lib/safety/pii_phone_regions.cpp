#include "safety/pii_phone_regions.hpp"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
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

using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr int kMaxNationalLength = 17;

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneNumberDesc;

// Region code -> its metadata, in the collection parsed once from the blob compiled into
// libphonenumber (kept for the life of the process: the plans point into it).
std::unordered_map<std::string, const PhoneMetadata*> region_metadata() {
    static const auto* collection = [] {
        auto* parsed = new PhoneMetadataCollection;
        if (!parsed->ParseFromArray(i18n::phonenumbers::metadata_get(),
                                    i18n::phonenumbers::metadata_size()))
            parsed->Clear();
        return parsed;
    }();
    std::unordered_map<std::string, const PhoneMetadata*> out;
    for (const auto& metadata : collection->metadata())
        out.emplace(metadata.id(), &metadata);
    return out;
}

// False when RE2 rejects the pattern.
bool compile(const PhoneNumberDesc& desc, RegionPlan::Description& out) {
    for (int length : desc.possible_length())
        if (length > 0 && length < 32) out.lengths |= 1u << length;
    // A description whose only length is -1 has no numbers: keep a mask that matches none.
    if (desc.possible_length_size() > 0 && out.lengths == 0) out.lengths = 1u;
    if (desc.national_number_pattern().empty()) return true;
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(desc.national_number_pattern(), options);
    if (!regex->ok()) return false;
    out.pattern = std::move(regex);
    return true;
}

// The types' descriptions; false when RE2 rejects one.
bool add_types(const PhoneMetadata& metadata, std::vector<RegionPlan::Description>& types) {
    bool compiled = true;
    // Any type makes a number valid: the common ones first, so valid numbers stop early.
    for (const PhoneNumberDesc* desc :
         {&metadata.fixed_line(), &metadata.mobile(), &metadata.toll_free(),
          &metadata.premium_rate(), &metadata.shared_cost(), &metadata.voip(),
          &metadata.personal_number(), &metadata.pager(), &metadata.uan(), &metadata.voicemail()}) {
        RegionPlan::Description type;
        compiled = compile(*desc, type) && compiled;
        if (type.pattern) types.push_back(std::move(type));
    }
    return compiled;
}

std::shared_ptr<const RE2> compile_pattern(const std::string& pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(pattern, options);
    return regex->ok() ? regex : nullptr;
}

// The format with its first group ("$1") replaced by the national prefix rule ("0$1"), as
// libphonenumber's FormatNsnUsingPattern does for the NATIONAL format.
std::string national_rule(const i18n::phonenumbers::NumberFormat& format) {
    std::string rule = format.format();
    const std::string& prefix_rule = format.national_prefix_formatting_rule();
    if (prefix_rule.empty()) return rule;
    for (std::size_t i = 0; i + 1 < rule.size(); ++i) {
        if (rule[i] != '$' || rule[i + 1] < '0' || rule[i + 1] > '9') continue;
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

// `formatting` is the metadata of the main region of the country code; false when RE2
// rejects a pattern.
bool add_formats(const PhoneMetadata& formatting, std::vector<RegionPlan::Format>& formats) {
    for (const auto& format : formatting.number_format()) {
        RegionPlan::Format out;
        const int leading = format.leading_digits_pattern_size();
        if (leading > 0) {
            out.leading_digits = compile_pattern(format.leading_digits_pattern(leading - 1));
            if (!out.leading_digits) return false;
        }
        out.pattern = compile_pattern(format.pattern());
        if (!out.pattern) return false;
        out.rule = national_rule(format);
        formats.push_back(std::move(out));
    }
    return true;
}

} // namespace

struct RegionPlan::Lazy {
    const PhoneMetadata* metadata = nullptr;   // the region's, when its country code agrees
    const PhoneMetadata* formatting = nullptr; // the main region's, the same
    bool general_compiled = false;
    std::once_flag types_made, formats_made;
    std::vector<Description> types;
    bool validity_known = false;
    std::vector<Format> formats;
    bool formats_known = false;

    void make_types() {
        std::call_once(types_made, [&] {
            if (metadata) validity_known = add_types(*metadata, types) && general_compiled;
        });
    }
    void make_formats() {
        std::call_once(formats_made, [&] {
            if (formatting) formats_known = add_formats(*formatting, formats);
        });
    }
};

namespace {

RegionPlan make_plan(const std::string& region, const PhoneMetadata* metadata,
                     const PhoneMetadata* formatting) {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    RegionPlan plan;
    plan.country_code = util.GetCountryCodeForRegion(region);
    if (plan.country_code == 0) return plan;
    util.GetNddPrefixForRegion(region, true, &plan.trunk_prefix);
    // IsPossibleNumber depends on the country code and the length alone: probe each length.
    std::uint64_t probe = 1; // 1, 10, 100 ...
    for (int length = 1; length <= kMaxNationalLength; ++length, probe *= 10) {
        PhoneNumber number;
        number.set_country_code(plan.country_code);
        number.set_national_number(probe);
        if (util.IsPossibleNumber(number)) plan.possible_lengths |= 1u << length;
    }
    plan.lazy = std::make_shared<RegionPlan::Lazy>();
    if (metadata && metadata->country_code() == plan.country_code) {
        plan.lazy->metadata = metadata;
        plan.lazy->general_compiled = compile(metadata->general_desc(), plan.general);
    }
    if (formatting && formatting->country_code() == plan.country_code)
        plan.lazy->formatting = formatting;
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

const std::vector<RegionPlan::Description>& RegionPlan::types() const {
    static const std::vector<Description> none;
    if (!lazy) return none;
    lazy->make_types();
    return lazy->types;
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
    std::vector<std::size_t> groups;
    for (const auto& format : formats()) {
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
            if (rule[i] == '$' && i + 1 < rule.size() && rule[i + 1] >= '0' && rule[i + 1] <= '9') {
                const int group = rule[i + 1] - '0';
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

// As GetNumberTypeHelper(...) != UNKNOWN: the general description and then any type's.
bool RegionPlan::valid(std::string_view national_significant_number) const {
    return general.matches(national_significant_number) &&
           valid_in_general(national_significant_number);
}

bool RegionPlan::valid_in_general(std::string_view national_significant_number) const {
    if (!general.length_fits(national_significant_number.size())) return false;
    for (const auto& type : types())
        if (type.matches(national_significant_number)) return true;
    return false;
}

const RegionPlan& plan_of(std::string_view region) {
    // Plans are made on first use: a configuration names a few dozen of the ~250 regions.
    static const std::unordered_map<std::string, const PhoneMetadata*> metadata = region_metadata();
    static std::array<std::once_flag, kSlots> made;
    // Never destroyed: freeing hundreds of compiled patterns only slows the exit.
    static auto& plans = *new std::array<RegionPlan, kSlots>;
    const std::size_t slot = slot_of(region);
    if (slot == 0) return plans[0];
    std::call_once(made[slot], [&] {
        const std::string code(region);
        auto found = metadata.find(code);
        if (found == metadata.end()) return; // a region libphonenumber does not know
        std::string main_region;
        PhoneNumberUtil::GetInstance()->GetRegionCodeForCountryCode(found->second->country_code(),
                                                                    &main_region);
        auto formatting = metadata.find(main_region);
        plans[slot] = make_plan(code, found->second,
                                formatting == metadata.end() ? nullptr : formatting->second);
    });
    return plans[slot];
}

} // namespace llmops::safety
