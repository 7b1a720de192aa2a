// The phone judge's region plans give libphonenumber's own verdicts (possible length,
// IsValidNumberForRegion, the digit groups of Format(NATIONAL)) without calling it: checked here
// against libphonenumber on every type's example number of each default region, and on near
// misses of those (one digit changed, dropped or added).
#include <catch2/catch.hpp>

#include "safety/pii_phone.hpp"
#include "safety/pii_phone_regions.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

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
    return out;
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
