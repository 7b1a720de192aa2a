// The phone judge's region plans give libphonenumber's own verdicts (possible length,
// IsValidNumberForRegion, the digit groups of Format(NATIONAL), and Parse, IsValidNumber,
// IsPossibleNumber and Format(INTERNATIONAL) of a number with its country code) without calling
// it: checked here against libphonenumber on every type's example number of each region, and on
// near misses of those (one digit changed, dropped or added, a national prefix written after the
// country code).
#include <catch2/catch.hpp>

#include "safety/pii_phone.hpp"
#include "safety/pii_phone_regions.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace llmops::safety;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

std::vector<std::size_t> groups_of(const std::string& text) {
    std::vector<std::size_t> groups;
    std::size_t run = 0;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            ++run;
        } else if (run) {
            groups.push_back(run);
            run = 0;
        }
    }
    if (run) groups.push_back(run);
    return groups;
}

PhoneNumber number_of(const std::string& nsn, int country_code) {
    PhoneNumber number;
    number.set_country_code(country_code);
    std::size_t zeros = 0;
    while (zeros + 1 < nsn.size() && nsn[zeros] == '0')
        ++zeros;
    if (zeros > 0) {
        number.set_italian_leading_zero(true);
        if (zeros > 1) number.set_number_of_leading_zeros(static_cast<int>(zeros));
    }
    number.set_national_number(std::stoull(nsn));
    return number;
}

// An example number and its near misses.
void add_near_misses(const std::string& nsn, std::set<std::string>& out) {
    out.insert(nsn);
    for (std::size_t i = 0; i < nsn.size(); ++i) {
        std::string changed = nsn;
        changed[i] = changed[i] == '9' ? '0' : static_cast<char>(changed[i] + 1);
        out.insert(changed);
    }
    if (nsn.size() > 4) out.insert(nsn.substr(0, nsn.size() - 1));
    out.insert(nsn + "7");
    out.insert("1" + nsn);
}

// National significant numbers to try in a region: example numbers and their near misses.
std::set<std::string> samples_for(const std::string& region) {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    std::set<std::string> out;
    for (int type = PhoneNumberUtil::FIXED_LINE; type <= PhoneNumberUtil::VOICEMAIL; ++type) {
        PhoneNumber example;
        if (!util.GetExampleNumberForType(
                region, static_cast<PhoneNumberUtil::PhoneNumberType>(type), &example))
            continue;
        std::string nsn;
        util.GetNationalSignificantNumber(example, &nsn);
        add_near_misses(nsn, out);
    }
    return out;
}

// The digit groups after the country code's of what Format(INTERNATIONAL) writes.
std::vector<std::size_t> international_groups_of(const PhoneNumber& number) {
    std::string formatted;
    PhoneNumberUtil::GetInstance()->Format(number, PhoneNumberUtil::INTERNATIONAL, &formatted);
    std::vector<std::size_t> groups = groups_of(formatted);
    if (!groups.empty()) groups.erase(groups.begin());
    return groups;
}

} // namespace

TEST_CASE("phone region plans: libphonenumber's verdicts from its metadata",
          "[safety][pii][phone]") {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    std::size_t compared = 0;
    for (const auto& region : default_phone_regions()) {
        const RegionPlan& plan = plan_of(region);
        REQUIRE(plan.country_code == util.GetCountryCodeForRegion(region));
        REQUIRE(plan.validity_known());
        REQUIRE(plan.formats_known());
        for (const auto& nsn : samples_for(region)) {
            if (nsn.size() > 17) continue;
            const PhoneNumber number = number_of(nsn, plan.country_code);
            INFO(region << " " << nsn);
            CHECK(plan.possible_length(nsn.size()) == util.IsPossibleNumber(number));
            CHECK(plan.valid(nsn) == util.IsValidNumberForRegion(number, region));
            std::string formatted;
            util.Format(number, PhoneNumberUtil::NATIONAL, &formatted);
            CHECK(plan.national_groups(nsn) == groups_of(formatted));
            ++compared;
        }
    }
    CHECK(compared > 1000);
}

TEST_CASE("phone region plans: anything but a known region code has an empty plan",
          "[safety][pii][phone]") {
    CHECK(plan_of("").country_code == 0);
    CHECK(plan_of("gb").country_code == 0);
    CHECK(plan_of("ZZ").country_code == 0);
    CHECK(plan_of("GBR").country_code == 0);
    CHECK(plan_of("GB").country_code == 44);
    CHECK(plan_of("GB").trunk_prefix == "0");
}

TEST_CASE("phone verdicts: the same number judged again with other regions is judged anew",
          "[safety][pii][phone]") {
    const std::vector<std::string> none;
    const PhoneVerdict in_gb = judge_phone_number("020 7946 0958", "GB", none);
    CHECK(in_gb.validation == "phone_national:GB");
    CHECK(judge_phone_number("020 7946 0958", "GB", none).validation == in_gb.validation);
    const PhoneVerdict in_us = judge_phone_number("020 7946 0958", "US", none);
    CHECK(in_us.validation != in_gb.validation);
    CHECK(judge_phone_number("020 7946 0958", "US", {"GB"}).validation == "phone_national:GB");
}

TEST_CASE("phone region plans: every region's code, trunk prefix and lengths from the metadata",
          "[safety][pii][phone]") {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    std::set<std::string> regions;
    util.GetSupportedRegions(&regions);
    REQUIRE(regions.size() > 200);
    for (const auto& region : regions) {
        INFO(region);
        const RegionPlan& plan = plan_of(region);
        CHECK(is_phone_region(region));
        CHECK(plan.country_code == util.GetCountryCodeForRegion(region));
        std::string trunk;
        util.GetNddPrefixForRegion(region, true, &trunk);
        CHECK(plan.trunk_prefix == trunk);
        std::uint64_t probe = 1;
        for (std::size_t length = 1; length <= 17; ++length, probe *= 10) {
            PhoneNumber number;
            number.set_country_code(plan.country_code);
            number.set_national_number(probe);
            CHECK(plan.possible_length(length) == util.IsPossibleNumber(number));
        }
        std::string main;
        util.GetRegionCodeForCountryCode(plan.country_code, &main);
        REQUIRE(!plans_of_country_code(plan.country_code).empty());
        CHECK(plans_of_country_code(plan.country_code).front() == &plan_of(main));
    }
    CHECK_FALSE(is_phone_region("ZZ"));
    CHECK_FALSE(is_phone_region("001"));
    CHECK(plans_of_country_code(0).empty());
    CHECK(plans_of_country_code(999).empty());
}

TEST_CASE("phone region plans: numbers with a country code read as libphonenumber reads them",
          "[safety][pii][phone]") {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    // Country code -> national significant numbers to write after it.
    std::map<int, std::set<std::string>> samples;
    std::set<std::string> regions;
    util.GetSupportedRegions(&regions);
    for (const auto& region : regions) {
        const int code = util.GetCountryCodeForRegion(region);
        std::string trunk;
        util.GetNddPrefixForRegion(region, true, &trunk);
        for (const auto& nsn : samples_for(region)) {
            samples[code].insert(nsn);
            if (!trunk.empty()) samples[code].insert(trunk + nsn); // "+44 0 20 ..."
        }
    }
    std::set<int> non_geographic;
    util.GetSupportedGlobalNetworkCallingCodes(&non_geographic);
    REQUIRE(!non_geographic.empty());
    for (int code : non_geographic) {
        PhoneNumber example;
        if (!util.GetExampleNumberForNonGeoEntity(code, &example)) continue;
        std::string nsn;
        util.GetNationalSignificantNumber(example, &nsn);
        add_near_misses(nsn, samples[code]);
    }
    // Unknown codes, and too few digits after a code.
    samples[999] = {"1234567"};
    samples[44].insert("1");
    std::size_t compared = 0, valid = 0, unknown = 0;
    for (const auto& [code, numbers] : samples) {
        for (const auto& nsn : numbers) {
            const std::string digits = std::to_string(code) + nsn;
            INFO("+" << digits);
            const InternationalReading reading = read_international(digits);
            if (!reading.known) {
                ++unknown;
                continue;
            }
            PhoneNumber number;
            const bool parsed =
                util.Parse("+" + digits, "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR;
            REQUIRE(reading.parsed == parsed);
            ++compared;
            if (!parsed) continue;
            CHECK(reading.valid == util.IsValidNumber(number));
            CHECK(reading.possible == util.IsPossibleNumber(number));
            if (reading.valid) {
                ++valid;
                CHECK(reading.groups == international_groups_of(number));
            }
        }
    }
    CHECK(compared > 20000);
    CHECK(valid > 3000);
    CHECK(unknown == 0);                                  // RE2 takes every pattern of the metadata
    CHECK_FALSE(read_international("0441234567").parsed); // no code starts with 0
    CHECK_FALSE(read_international("44").parsed);
}
