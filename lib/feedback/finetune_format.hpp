#pragma once
// Fine-tuning JSONL: the rows of a dataset version as training examples in the shape a trainer
// wants (docs/feedback.md#fine-tuning-formats), each checked against that format's rules before
// anything is written:
//   openai-chat  {"messages": [{"role", "content"}]}: roles system (first only), user,
//                assistant; a user and an assistant message; the last from the assistant.
//   anthropic    {"system"?, "messages": [...]}: user and assistant strictly alternating,
//                from a user message to an assistant one; a system message only first.
//   alpaca       {"instruction", "input", "output"}: one instruction and one answer.
// Every format: no empty content, and an estimated token count per example (core/text.hpp's
// approx_tokens, plus 4 per message) at most the limit (65,536, 32,000 and 4,096 by default).
// A row becomes a conversation by rendering a prompt with the row as its variables (--prompt),
// else from its `messages` field (or, for alpaca, its instruction/input/output fields); the
// row's --target-field, when given, is appended as the assistant's answer.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset_version.hpp"
#include "store/project.hpp"

namespace llmops::feedback {

enum class TuneFormat { OpenAIChat, Anthropic, Alpaca };

// "openai-chat", "anthropic", "alpaca"; nullopt for any other name.
std::optional<TuneFormat> parse_tune_format(std::string_view name);
std::string_view to_string(TuneFormat format);
std::int64_t default_token_limit(TuneFormat format);

struct TuneOptions {
    TuneFormat format = TuneFormat::OpenAIChat;
    std::string prompt_ref{};    // "" = the rows hold the conversation
    std::string target_field{};  // "" = none appended
    std::int64_t max_tokens = 0; // per example; 0 = the format's default
    std::int64_t limit = -1;     // rows; negative = all
};

struct TuneMessage {
    std::string role;
    std::string content;
};

// Turns rows into checked example lines. Throws Error(BadInput) at the row (0-based, as every
// dataset error) and field that breaks a rule, Error(Usage) for contradictory options.
class TuneExampleBuilder {
  public:
    TuneExampleBuilder(store::Project& project, TuneOptions options);
    ~TuneExampleBuilder();

    // The example line (compact JSON, no newline) for a canonical row.
    std::string line(std::string_view row, std::int64_t index);
    // The checked conversation of a row (what line() formats).
    std::vector<TuneMessage> conversation(const nlohmann::json& row, std::int64_t index);
    std::int64_t last_tokens() const { return last_tokens_; }

  private:
    struct Renderer;
    TuneOptions options_;
    std::int64_t token_limit_;
    std::unique_ptr<Renderer> renderer_;
    std::int64_t last_tokens_ = 0;
};

struct TuneExport {
    std::string jsonl;
    std::int64_t examples = 0;
    std::int64_t tokens = 0;     // estimated, all examples
    std::int64_t max_tokens = 0; // estimated, the largest example
};

// Every example of the version, checked, in memory (nothing is written).
TuneExport build_tune_export(store::Project& project, const data::DatasetVersion& version,
                             const TuneOptions& options);

// `data export --format openai-chat ... --json`: {ref, rows, path, format, tokens, max_tokens}.
nlohmann::json tune_export_json(const data::DatasetVersion& version, const TuneExport& result,
                                const std::string& path, TuneFormat format);

} // namespace llmops::feedback
