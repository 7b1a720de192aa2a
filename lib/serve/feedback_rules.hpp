#pragma once
// What a feedback entry must be, for the gateway's POST /v1/feedback and `llmops feedback add`
// alike: a request id, a name of 1-200 bytes, a value that is a finite number, a boolean or a
// category (a non-empty string of at most 200 bytes), and a comment of at most 4,096 bytes.
#include <optional>
#include <string>

#include "serve/request_log.hpp"

namespace llmops::serve {

inline constexpr std::size_t kMaxFeedbackNameBytes = 200;
inline constexpr std::size_t kMaxFeedbackCategoryBytes = 200;
inline constexpr std::size_t kMaxFeedbackTextBytes = 4096;

struct FeedbackProblem {
    std::string field;   // request_id, name, value, comment
    std::string message; // what it must be
};

// The first field of `f` that breaks the rules above; nullopt when it is fine.
std::optional<FeedbackProblem> check_feedback(const FeedbackRecord& f);

} // namespace llmops::serve
