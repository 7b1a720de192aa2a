#include "feedback/finetune_format.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "data/dataset_rows.hpp"
#include "prompt/prompt_registry.hpp"
#include "prompt/prompt_render.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace llmops::feedback {

using nlohmann::json;

namespace {

// The per-message overhead of chat formats (role and separators), as OpenAI's cookbook counts.
constexpr std::int64_t kTokensPerMessage = 4;

[[noreturn]] void rule_broken(std::int64_t index, const std::string& field, std::string message) {
    throw Error(ErrorKind::BadInput, std::move(message),
                ErrorLocation{.row = static_cast<long>(index), .field = field});
}

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string format_name(TuneFormat format) {
    return std::string(to_string(format));
}

} // namespace

std::optional<TuneFormat> parse_tune_format(std::string_view name) {
    if (name == "openai-chat") return TuneFormat::OpenAIChat;
    if (name == "anthropic") return TuneFormat::Anthropic;
    if (name == "alpaca") return TuneFormat::Alpaca;
    return std::nullopt;
}

std::string_view to_string(TuneFormat format) {
    switch (format) {
    case TuneFormat::OpenAIChat:
        return "openai-chat";
    case TuneFormat::Anthropic:
        return "anthropic";
    case TuneFormat::Alpaca:
        return "alpaca";
    }
    return "openai-chat";
}

std::int64_t default_token_limit(TuneFormat format) {
    switch (format) {
    case TuneFormat::OpenAIChat:
        return 65536; // OpenAI's per-example limit for gpt-4o-mini and gpt-4.1 fine-tuning
    case TuneFormat::Anthropic:
        return 32000; // Claude 3 Haiku fine-tuning on Bedrock: 32K tokens per record
    case TuneFormat::Alpaca:
        return 4096;
    }
    return 65536;
}

struct TuneExampleBuilder::Renderer {
    prompt::PromptRenderer renderer;
};

TuneExampleBuilder::TuneExampleBuilder(store::Project& project, TuneOptions options)
    : options_(std::move(options)),
      token_limit_(options_.max_tokens > 0 ? options_.max_tokens
                                           : default_token_limit(options_.format)) {
    if (!options_.prompt_ref.empty()) {
        prompt::PromptRegistry registry(project);
        prompt::CompiledPromptPtr p = registry.load(registry.resolve(options_.prompt_ref));
        renderer_ = std::make_unique<Renderer>(Renderer{prompt::PromptRenderer(std::move(p))});
    }
}

TuneExampleBuilder::~TuneExampleBuilder() = default;

std::vector<TuneMessage> TuneExampleBuilder::conversation(const json& row, std::int64_t index) {
    std::vector<TuneMessage> messages;
    if (renderer_) {
        prompt::RenderedPrompt rendered = renderer_->renderer.render(row, static_cast<long>(index));
        if (rendered.completion) {
            messages.push_back({"user", rendered.text});
        } else {
            for (auto& m : rendered.messages)
                messages.push_back({m.role, std::move(m.content)});
        }
    } else {
        auto it = row.find("messages");
        if (it == row.end())
            rule_broken(index, "messages",
                        "the row has no 'messages' field to take the conversation from");
        if (!it->is_array()) rule_broken(index, "messages", "'messages' must be an array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& m = (*it)[i];
            std::string where = fmt::format("messages/{}", i);
            if (!m.is_object() || !m.contains("role") || !m["role"].is_string() ||
                !m.contains("content") || !m["content"].is_string())
                rule_broken(index, where,
                            "a message must be an object with a string role and content");
            messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
        }
    }
    if (!options_.target_field.empty()) {
        auto it = row.find(options_.target_field);
        if (it == row.end())
            rule_broken(index, options_.target_field,
                        "the row has no '" + options_.target_field + "' field (--target-field)");
        messages.push_back({"assistant", it->is_string() ? it->get<std::string>() : it->dump()});
    }

    // The rules common to chat formats.
    if (messages.empty()) rule_broken(index, "messages", "the conversation is empty");
    bool user = false;
    std::int64_t tokens = 0;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        std::string where = fmt::format("messages/{}", i);
        if (m.role != "system" && m.role != "user" && m.role != "assistant")
            rule_broken(index, where,
                        fmt::format("role '{}' is not one of system, user, assistant", m.role));
        if (m.role == "system" && i != 0)
            rule_broken(index, where, "a system message may only come first");
        if (blank(m.content)) rule_broken(index, where, "the " + m.role + " message is empty");
        user = user || m.role == "user";
        tokens += static_cast<std::int64_t>(approx_tokens(m.content)) + kTokensPerMessage;
    }
    if (!user) rule_broken(index, "messages", "the conversation has no user message");
    if (messages.back().role != "assistant")
        rule_broken(index, fmt::format("messages/{}", messages.size() - 1),
                    "the last message must be from the assistant (give --target-field FIELD for "
                    "the answer)");
    if (options_.format == TuneFormat::Anthropic) {
        std::string expect = "user";
        for (std::size_t i = messages[0].role == "system" ? 1 : 0; i < messages.size(); ++i) {
            if (messages[i].role != expect)
                rule_broken(index, fmt::format("messages/{}", i),
                            fmt::format("anthropic: user and assistant messages must alternate, "
                                        "starting with user; found {} where {} was due",
                                        messages[i].role, expect));
            expect = expect == "user" ? "assistant" : "user";
        }
    }
    if (options_.format == TuneFormat::Alpaca) {
        std::size_t first = messages[0].role == "system" ? 1 : 0;
        if (messages.size() - first != 2)
            rule_broken(index, "messages",
                        fmt::format("alpaca holds one instruction and one answer; the "
                                    "conversation has {} user and assistant messages",
                                    messages.size() - first));
    }
    if (tokens > token_limit_)
        rule_broken(index, "messages",
                    fmt::format("the example has about {} tokens, over the {} limit of {} "
                                "(--max-tokens)",
                                tokens, format_name(options_.format), token_limit_));
    last_tokens_ = tokens;
    return messages;
}

std::string TuneExampleBuilder::line(std::string_view row_text, std::int64_t index) {
    json row = json::parse(row_text);
    json out;
    if (options_.format == TuneFormat::Alpaca && !renderer_ && !row.contains("messages")) {
        // A row already in Alpaca's shape.
        for (const char* field : {"instruction", "output"}) {
            auto it = row.find(field);
            if (it == row.end() || !it->is_string() || blank(it->get<std::string>()))
                rule_broken(index, field,
                            fmt::format("alpaca: '{}' must be a non-empty string", field));
        }
        std::string input = row.value("input", "");
        std::int64_t tokens = static_cast<std::int64_t>(
            approx_tokens(row["instruction"].get<std::string>()) + approx_tokens(input) +
            approx_tokens(row["output"].get<std::string>()));
        if (tokens > token_limit_)
            rule_broken(index, "output",
                        fmt::format("the example has about {} tokens, over the alpaca limit of "
                                    "{} (--max-tokens)",
                                    tokens, token_limit_));
        last_tokens_ = tokens;
        out = {{"instruction", row["instruction"]}, {"input", input}, {"output", row["output"]}};
        return out.dump(-1, ' ', false, json::error_handler_t::strict);
    }
    std::vector<TuneMessage> messages = conversation(row, index);
    switch (options_.format) {
    case TuneFormat::OpenAIChat: {
        json list = json::array();
        for (const auto& m : messages)
            list.push_back({{"role", m.role}, {"content", m.content}});
        out = {{"messages", std::move(list)}};
        break;
    }
    case TuneFormat::Anthropic: {
        json list = json::array();
        std::size_t first = 0;
        out = json::object();
        if (messages[0].role == "system") {
            out["system"] = messages[0].content;
            first = 1;
        }
        for (std::size_t i = first; i < messages.size(); ++i)
            list.push_back({{"role", messages[i].role}, {"content", messages[i].content}});
        out["messages"] = std::move(list);
        break;
    }
    case TuneFormat::Alpaca: {
        const std::size_t system = messages[0].role == "system" ? 1 : 0;
        out = {{"instruction", system ? messages[0].content : messages[system].content},
               {"input", system ? messages[1].content : ""},
               {"output", messages.back().content}};
        break;
    }
    }
    return out.dump(-1, ' ', false, json::error_handler_t::strict);
}

TuneExport build_tune_export(store::Project& project, const data::DatasetVersion& version,
                             const TuneOptions& options) {
    TuneExampleBuilder builder(project, options);
    TuneExport result;
    data::for_each_row(project, version, [&](std::string_view row, std::int64_t index) {
        if (options.limit >= 0 && result.examples >= options.limit) return false;
        result.jsonl += builder.line(row, index);
        result.jsonl += '\n';
        ++result.examples;
        result.tokens += builder.last_tokens();
        result.max_tokens = std::max(result.max_tokens, builder.last_tokens());
        return true;
    });
    if (result.examples == 0)
        throw Error(ErrorKind::BadInput, version.ref() + " has no rows to train on");
    return result;
}

json tune_export_json(const data::DatasetVersion& version, const TuneExport& result,
                      const std::string& path, TuneFormat format) {
    return {{"ref", version.ref()},
            {"rows", result.examples},
            {"path", path},
            {"format", to_string(format)},
            {"tokens", result.tokens},
            {"max_tokens", result.max_tokens}};
}

} // namespace llmops::feedback
