#pragma once
// What the phone judge needs to know of a region, read once from libphonenumber's compiled-in
// metadata without starting libphonenumber itself (its PhoneNumberUtil compiles hundreds of ICU
// patterns first): the country code, the trunk prefix, the lengths a national significant
// number may have, and the region's number patterns and formats compiled with RE2. Each gives
// libphonenumber's own verdict (IsPossibleNumber, IsValidNumberForRegion, Format, and Parse of
// a number written with its country code), without its ICU regexes and string copies;
// tests/unit/safety/test_pii_phone_regions.cpp compares them with libphonenumber.
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
    // The possible lengths of the country's main region, as libphonenumber's TestNumberLength
    // reads them (Parse decides by them whether a national prefix is taken off).
    enum class Length { Possible, LocalOnly, TooShort, TooLong, Invalid };
    struct LengthRule {
        std::uint32_t listed = 0;     // bit L: a listed length
        std::uint32_t local_only = 0; // bit L: possible only when dialled locally
        int shortest = 0, longest = 0;
        bool none = true; // no length listed, or -1: no number is possible
    };
    LengthRule length_rule;
    Length test_length(std::size_t length) const;
    // One description of numbers: possible lengths (none listed: any) and a pattern.
    struct Description {
        std::uint32_t lengths = 0;               // bit L; 0 when the metadata lists none
        std::shared_ptr<const re2::RE2> pattern; // null: matches no number
        bool matches(std::string_view national_significant_number) const;
        bool length_fits(std::size_t length) const { return lengths_fit(lengths, length); }
        static bool lengths_fit(std::uint32_t lengths, std::size_t length) {
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

    // The types' patterns (fixed line, mobile, toll free ...) and the formats are compiled on
    // first use: most regions of a configuration never see a number that needs them.
    bool validity_known() const; // false when RE2 rejected a pattern: ask libphonenumber
    const std::vector<Format>& formats() const;
    bool formats_known() const; // false when RE2 rejected a pattern: ask libphonenumber
    // What reading a number with a country code needs, also compiled on first use: the leading
    // digits that pick this region among those sharing its country code, the national prefix
    // as Parse takes it off, and the INTERNATIONAL formats. False when RE2 rejected a pattern.
    bool international_known() const;
    // Whether leading digits pick this region among those of its country code, and whether the
    // national significant number starts with them; only when international_known.
    bool has_leading_digits() const;
    bool leading_digits_match(std::string_view national_significant_number) const;
    // As libphonenumber's MaybeStripNationalPrefixAndCarrierCode: the number without its
    // national prefix (transformed where the region says so), or the number unchanged; only
    // when international_known.
    std::string without_national_prefix(std::string_view number) const;
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
    // The same for the INTERNATIONAL format, after the country code: {2, 4, 4} for
    // "+44 20 7946 0958"; only on the main region of the country code (the first of
    // plans_of_country_code), when international_known.
    std::vector<std::size_t>
    international_groups(std::string_view national_significant_number) const;
};

// The plan of a two-letter region code ("GB"); an empty plan for anything else.
const RegionPlan& plan_of(std::string_view region);

// The plans of the regions that share a country calling code, in libphonenumber's order (its
// main region first); one plan for a non-geographic code (800, 882 ...); none for a code no
// region has.
const std::vector<const RegionPlan*>& plans_of_country_code(int country_code);

// A number written with its country code, read as libphonenumber's Parse("+" + digits, "ZZ")
// reads it and judged as its IsValidNumber, IsPossibleNumber and Format(INTERNATIONAL) judge
// the result.
struct InternationalReading {
    bool known = true;   // false: RE2 rejected a pattern it needs; ask libphonenumber
    bool parsed = false; // Parse gives a number: a known country code, 2 to 17 digits after it
    bool valid = false;
    bool possible = false;
    // The digit groups of the INTERNATIONAL format after the country code; when valid.
    std::vector<std::size_t> groups;
};
// `digits`: ASCII digits only, those after the "+" (or the "00").
InternationalReading read_international(std::string_view digits);

} // namespace llmops::safety
