#include "safety/pii_phone_regions.hpp"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <set>
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

// Region code -> the general pattern of its numbers.
std::unordered_map<std::string, std::string> general_patterns() {
    std::unordered_map<std::string, std::string> out;
    PhoneMetadataCollection collection;
    if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
                                   i18n::phonenumbers::metadata_size()))
        return out;
    for (const auto& metadata : collection.metadata())
        if (metadata.general_desc().has_national_number_pattern())
            out.emplace(metadata.id(), metadata.general_desc().national_number_pattern());
    return out;
}

RegionPlan make_plan(const std::string& region, const std::string* pattern) {
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
    if (pattern) {
        RE2::Options options;
        options.set_log_errors(false);
        auto regex = std::make_shared<const RE2>(*pattern, options);
        if (regex->ok()) plan.general_pattern = std::move(regex);
    }
    return plan;
}

// Region codes are two capital letters: one slot per code, slot 0 for anything else.
std::size_t slot_of(std::string_view region) {
    if (region.size() != 2 || region[0] < 'A' || region[0] > 'Z' || region[1] < 'A' ||
        region[1] > 'Z')
        return 0;
    return 1 + static_cast<std::size_t>(region[0] - 'A') * 26 +
           static_cast<std::size_t>(region[1] - 'A');
}

} // namespace

bool RegionPlan::may_be_valid(std::string_view national_significant_number) const {
    return !general_pattern || RE2::FullMatch(national_significant_number, *general_pattern);
}

const RegionPlan& plan_of(std::string_view region) {
    static const std::vector<RegionPlan> plans = [] {
        std::vector<RegionPlan> out(1 + 26 * 26);
        std::set<std::string> supported;
        PhoneNumberUtil::GetInstance()->GetSupportedRegions(&supported);
        const auto patterns = general_patterns();
        for (const auto& code : supported) {
            auto pattern = patterns.find(code);
            if (std::size_t slot = slot_of(code))
                out[slot] = make_plan(code, pattern == patterns.end() ? nullptr : &pattern->second);
        }
        return out;
    }();
    return plans[slot_of(region)];
}

} // namespace llmops::safety
