#pragma once
// What the phone judge needs to know of a region before asking libphonenumber, read once from
// libphonenumber's own metadata: the country code, the trunk prefix, the possible lengths of a
// national significant number, and the region's general number pattern compiled with RE2.
// Each is a necessary condition of libphonenumber's checks (IsPossibleNumber is a length test;
// IsValidNumberForRegion starts by matching the general pattern), so ruling a region out here
// gives the verdict libphonenumber would give, without its ICU regexes.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace llmops::safety {

struct RegionPlan {
    int country_code = 0;               // 0: a region libphonenumber does not know
    std::string trunk_prefix;           // "0" in GB, "1" in the US, empty where there is none
    std::uint32_t possible_lengths = 0; // bit L: a national significant number of L digits
    // The general pattern (all number types of the region); null when RE2 cannot compile it,
    // and then only libphonenumber decides.
    std::shared_ptr<const re2::RE2> general_pattern;

    bool possible_length(std::size_t length) const {
        return length < 32 && (possible_lengths & (1u << length)) != 0;
    }
    // False when the national significant number cannot be a valid number of the region.
    bool may_be_valid(std::string_view national_significant_number) const;
};

// The plan of a two-letter region code ("GB"); an empty plan for anything else.
const RegionPlan& plan_of(std::string_view region);

} // namespace llmops::safety
