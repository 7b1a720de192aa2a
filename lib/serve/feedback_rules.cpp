#include "serve/feedback_rules.hpp"

#include <cmath>

namespace llmops::serve {

std::optional<FeedbackProblem> check_feedback(const FeedbackRecord& f) {
    if (f.request_id.empty() || f.request_id.size() > kMaxFeedbackTextBytes)
        return FeedbackProblem{"request_id", "a request id (x-request-id) is required"};
    if (f.name.empty() || f.name.size() > kMaxFeedbackNameBytes)
        return FeedbackProblem{"name", "a non-empty string of at most 200 bytes is required"};
    const auto& v = f.value;
    bool ok = v.is_boolean() || (v.is_number() && std::isfinite(v.get<double>())) ||
              (v.is_string() && !v.get_ref<const std::string&>().empty() &&
               v.get_ref<const std::string&>().size() <= kMaxFeedbackCategoryBytes);
    if (!ok)
        return FeedbackProblem{
            "value", "a number, a boolean or a category (a non-empty string) is required"};
    if (f.comment.size() > kMaxFeedbackTextBytes)
        return FeedbackProblem{"comment", "must be a string of at most 4096 bytes"};
    return std::nullopt;
}

} // namespace llmops::serve
