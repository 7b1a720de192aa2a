#pragma once
// The PII engine: every recognizer's pattern in one RE2::Set, so a text is read once whatever
// the number of recognizers; then, for the patterns that matched, each match is validated,
// scored with its context words, filtered by the allow lists and the entity's threshold, and
// overlapping findings are resolved (the higher score wins, then the longer span).
// docs/safety.md.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safety/finding.hpp"
#include "safety/pii_settings.hpp"

namespace llmops::safety {

class PiiEngine {
  public:
    // Compiles the built-in recognizers the settings select and the user's own. Throws
    // Error(BadInput) naming where a user pattern RE2 rejects was written.
    explicit PiiEngine(PiiSettings settings = {});
    ~PiiEngine();
    PiiEngine(PiiEngine&&) noexcept;
    PiiEngine& operator=(PiiEngine&&) noexcept;

    // Findings in `text`, ordered by position, none overlapping. Empty text: none. Throws
    // Error(BadInput) for text that is not valid UTF-8 (naming the byte) or is over
    // limits.max_text_bytes.
    std::vector<Finding> scan(std::string_view text) const;

    const PiiSettings& settings() const;
    // The recognizers in use (built-in and user-defined), in the order they were compiled.
    std::vector<RecognizerSpec> recognizers() const;

  private:
    struct Compiled;
    PiiSettings settings_;
    std::unique_ptr<Compiled> compiled_;
};

} // namespace llmops::safety
