#pragma once
// From a pattern match to a scored candidate: the validation named by the recognizer (which may
// narrow the span: a URL loses its trailing full stop, an IBAN the word after it), the base
// score, and the boundary rules that keep numbers from being read out of longer numbers.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safety/pii_phone.hpp"
#include "safety/pii_settings.hpp"

namespace llmops::safety {

struct Candidate {
    std::size_t begin = 0; // bytes, in the scanned text
    std::size_t end = 0;
    double score = 0;
    std::string validation; // what passed; empty for a recognizer without validation
};

// Validates the match [begin, end) of `spec` in `text`; nullopt when it is not one.
std::optional<Candidate> validate_candidate(const RecognizerSpec& spec, std::string_view text,
                                            std::size_t begin, std::size_t end,
                                            const PhoneJudge& phone);

} // namespace llmops::safety
