#pragma once
// What the phone judge needs to know of a region before asking libphonenumber, read once from
// libphonenumber's own metadata: the country code, the trunk prefix, the possible lengths of a
// national significant number, and the region's general number pattern compiled with RE2.
// Each is a necessary condition of libphonenumber's checks (IsPossibleNumber is a length test;
// IsValidNumberForRegion matches the general description and then those of the number types),
// so the verdict here is libphonenumber's, without its ICU regexes and string copies.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace llmops::safety {

struct RegionPlan {
    int country_code = 0;               // 0: a region libphonenumber does not know
    std::string trunk_prefix;           // "0" in GB, "1" in the US, empty where there is none
    std::uint32_t possible_lengths = 0; // bit L: a national significant number of L digits
    // One description of numbers: possible lengths (none listed: any) and a pattern.
    struct Description {
        std::uint32_t lengths = 0;               // bit L; 0 when the metadata lists none
        std::shared_ptr<const re2::RE2> pattern; // null: matches no number
        bool matches(std::string_view national_significant_number) const;
        bool length_fits(std::size_t length) const {
            return lengths == 0 || (length < 32 && (lengths & (1u << length)) != 0);
        }
    };
    Description general; // all numbers of the region

    // How the country writes national numbers (the formats of the country code's main
    // region, as libphonenumber's Format uses them).
    struct Format {
        std::shared_ptr<const re2::RE2> leading_digits; // null: any number
        std::shared_ptr<const re2::RE2> pattern;
        std::string rule; // "$1 $2 $3" with the national prefix rule applied: "0$1 $2 $3"
    };

    // The types' descriptions (fixed line, mobile, toll free ...) and the formats are compiled
    // on first use: most regions of a configuration never see a number that needs them.
    const std::vector<Description>& types() const;
    bool validity_known() const; // false when RE2 rejected a pattern: ask libphonenumber
    const std::vector<Format>& formats() const;
    bool formats_known() const; // false when RE2 rejected a pattern: ask libphonenumber
    struct Lazy;
    std::shared_ptr<Lazy> lazy; // null: a region libphonenumber does not know

    bool possible_length(std::size_t length) const {
        return length < 32 && (possible_lengths & (1u << length)) != 0;
    }
    // IsValidNumberForRegion for the number of the region with this national significant
    // number; only when validity_known.
    bool valid(std::string_view national_significant_number) const;
    // The same once the general pattern is known to match (the judge tests it for all regions
    // at once): the general lengths and any type's description.
    bool valid_in_general(std::string_view national_significant_number) const;
    // The lengths of the digit groups of libphonenumber's NATIONAL format of the number:
    // {3, 4, 4} for "020 7946 0958"; only when formats_known.
    std::vector<std::size_t> national_groups(std::string_view national_significant_number) const;
};

// The plan of a two-letter region code ("GB"); an empty plan for anything else.
const RegionPlan& plan_of(std::string_view region);

} // namespace llmops::safety
