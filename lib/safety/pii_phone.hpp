#pragma once
// Phone numbers: libphonenumber's validation combined with the evidence of how the number is
// written. A number with a country code (+44 ..., 0044 ...) is checked as it is; a national
// number is tried in the default region and then in the listed regions, and gains when it is
// written the way that region writes its numbers (digit groups as libphonenumber formats them).
// docs/safety.md#phone-numbers.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::safety {

struct PhoneVerdict {
    double score = 0;       // before context words; 0 = not a phone number
    std::string validation; // "phone_e164", "phone_national:GB", "phone_possible:DE" ...
    std::size_t length = 0; // bytes of the candidate that make up the number (a prefix)
};

// The words that start a phone number's extension ("x123", "ext. 45", "extension 6789"; any
// case), longest first, as the phone pattern has them (safety/pii_recognizers.cpp).
inline constexpr std::array<std::string_view, 4> kPhoneExtensionMarkers{"extension", "ext.", "ext",
                                                                        "x"};

// The regions tried for national numbers when the configuration lists none.
const std::vector<std::string>& default_phone_regions();
// True when libphonenumber knows the region ("GB", "US" ...).
bool is_phone_region(std::string_view region);

// Judges candidates matched by the phone pattern: national numbers in `default_region` first,
// then in `regions`. Verdicts are kept per thread and judge (texts repeat their numbers).
class PhoneJudge {
  public:
    PhoneJudge(std::string default_region, std::vector<std::string> regions);

    PhoneVerdict judge(std::string_view candidate) const;

    struct Regions; // made on the first number judged (safety/pii_phone.cpp)

  private:
    struct Lazy;
    std::string default_region_;
    std::vector<std::string> regions_;
    std::shared_ptr<Lazy> lazy_; // shared by copies, like id_
    std::uint64_t id_;           // names the configuration in the per-thread cache
};

// One candidate judged by a judge made for it.
PhoneVerdict judge_phone_number(std::string_view candidate, const std::string& default_region,
                                const std::vector<std::string>& regions);

} // namespace llmops::safety
