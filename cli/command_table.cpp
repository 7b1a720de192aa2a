#include "command_table.hpp"

#include "core/closest_match.hpp"
#include "core/error.hpp"

#include <array>
#include <fmt/format.h>

namespace llmops::cli {

namespace {

using enum StoreUse;

// Groups come before their children; help and completion list commands in this order.
constexpr std::array kCommands = {
    // Store
    CommandInfo{"init", "Store", "Create an llmops project (llmops.yaml and .llmops/) in DIR",
                None},
    CommandInfo{"status", "Store", "Show what the store holds", Read},
    CommandInfo{"fsck", "Store", "Check the database and re-hash every object; exit 1 on problems",
                Read},
    CommandInfo{"gc", "Store", "Remove objects nothing references and stale temp files", Write},
    CommandInfo{"object", "Store", "Plumbing: read and write raw objects", None},
    CommandInfo{"object put", "Store", "Store FILE as an object; print its hash", Write},
    CommandInfo{"object cat", "Store", "Write an object's content to stdout", Read},
    // Data
    CommandInfo{"data", "Data", "Versioned datasets", None},
    CommandInfo{"data add", "Data",
                "Store files (JSONL, CSV, JSON, or folders of them) as a new version", Write},
    CommandInfo{"data list", "Data", "List datasets and their latest versions", Read},
    CommandInfo{"data show", "Data", "Show a version: rows, fields, sources, provenance", Read},
    CommandInfo{"data log", "Data", "List the versions of a dataset, newest first", Read},
    CommandInfo{"data cat", "Data", "Write a version's rows to stdout", Read},
    CommandInfo{"data export", "Data", "Write a version's rows to a file", Read},
    CommandInfo{"data diff", "Data", "Row-level differences between two versions", Read},
    CommandInfo{"data tag", "Data", "Name a version with a tag (moves an existing tag)", Write},
    CommandInfo{"data rm", "Data", "Remove a dataset, or one version with NAME@N", Write},
    CommandInfo{"data dedup", "Data", "Drop exact and near-duplicate rows", Write},
    CommandInfo{"data split", "Data", "Split rows deterministically into NAME-train, NAME-val ...",
                Write},
    CommandInfo{"data transform", "Data", "Filter rows and compute, rename, select or drop fields",
                Write},
    CommandInfo{"data merge", "Data", "Concatenate versions into a new dataset version", Write},
    CommandInfo{"data sample", "Data", "A deterministic sample of N rows without replacement",
                Write},
    CommandInfo{"data profile", "Data",
                "Statistics of a version: types, missing, distinct, numbers, text, duplicates",
                Read},
    CommandInfo{"data scan", "Data",
                "Personal data in a version: findings per field and entity type; exit 1 when any",
                Read},
    // Prompts
    CommandInfo{"prompt", "Prompts", "Versioned prompts: add, label, render, diff", None},
    CommandInfo{"prompt add", "Prompts",
                "Check a prompt spec (YAML) and store it as a new version if it changed", Write},
    CommandInfo{"prompt list", "Prompts", "List prompts with their latest version and labels",
                Read},
    CommandInfo{"prompt show", "Prompts", "Show a prompt version's spec (YAML, or --json)", Read},
    CommandInfo{"prompt log", "Prompts",
                "List a prompt's versions, newest first, and its label history", Read},
    CommandInfo{"prompt diff", "Prompts",
                "Unified diff of two prompt versions' messages and parameters", Read},
    CommandInfo{"prompt label", "Prompts", "Point LABEL (production, staging ...) at a version",
                Write},
    CommandInfo{"prompt render", "Prompts",
                "Print the exact messages a prompt renders to (or a raw template)", Read},
    // Runs
    CommandInfo{"run", "Runs", "Run a prompt over a dataset against a provider", Write},
    CommandInfo{"runs", "Runs", "Recorded runs", None},
    CommandInfo{"runs list", "Runs", "Runs, newest first", Read},
    CommandInfo{"runs show", "Runs", "A run's summary, and its rows", Read},
    CommandInfo{"cache", "Runs", "The provider response cache", None},
    CommandInfo{"cache stats", "Runs", "Entries, size and hits of the response cache", Read},
    CommandInfo{"cache clear", "Runs", "Remove cached responses (all, or older than a duration)",
                Write},
    // Evaluation
    CommandInfo{"eval", "Evaluation", "Evaluate prompts × providers on a dataset", None},
    CommandInfo{"eval run", "Evaluation", "Run an eval spec and score every case", Write},
    CommandInfo{"eval list", "Evaluation", "Eval runs, newest first", Read},
    CommandInfo{"eval show", "Evaluation", "An eval run's table, and its cases", Read},
    CommandInfo{"eval compare", "Evaluation",
                "Paired comparison of two eval runs, or of two cells of one run", Read},
    CommandInfo{"eval report", "Evaluation", "Write reports of a stored eval run", Read},
    // Retrieval
    CommandInfo{"index", "Retrieval", "Retrieval indexes: BM25 full-text search over a dataset",
                None},
    CommandInfo{"index build", "Retrieval", "Index a dataset version's passages for search", Write},
    CommandInfo{"index query", "Retrieval", "The top-k passages for a query, ranked by BM25", Read},
    CommandInfo{"index list", "Retrieval", "List the indexes", Read},
    CommandInfo{"index rm", "Retrieval", "Remove an index", Write},
    CommandInfo{"index eval", "Retrieval",
                "Recall, precision, MRR and nDCG against labelled queries, over a k1 x b grid",
                Read},
    // Deploy
    CommandInfo{"deploy", "Deploy",
                "Gate a prompt version and make it live in an environment; status, history, "
                "rollback",
                Write, true},
    CommandInfo{"deploy status", "Deploy", "What is live in each environment and route", Read},
    CommandInfo{"deploy history", "Deploy",
                "Every deploy attempt, or what was live at a time (--at)", Read},
    CommandInfo{"deploy rollback", "Deploy", "Go back to an earlier release (no gates)", Write},
    CommandInfo{"deploy promote", "Deploy", "Give the canary 100% of the traffic", Write},
    CommandInfo{"deploy ramp", "Deploy", "Change the canary's share of users", Write},
    CommandInfo{"deploy route", "Deploy", "Which release serves a user key (plumbing)", Read},
    CommandInfo{"deploy check", "Deploy",
                "Compare the canary with the stable release on live traffic: promote, hold or "
                "roll back (--auto applies it)",
                Write},
    // Serve
    CommandInfo{"serve", "Serve", "Serve an environment's routes as an OpenAI-compatible API",
                Read},
    CommandInfo{"logs", "Serve", "The gateway's request log", None},
    CommandInfo{"logs list", "Serve", "Logged requests, newest first", Read},
    CommandInfo{"logs show", "Serve", "One logged request with its feedback", Read},
    CommandInfo{"logs tail", "Serve", "The last requests, oldest first; --follow for new ones",
                Read},
    CommandInfo{"logs export", "Serve", "Every matching request as JSON lines, oldest first", Read},
    CommandInfo{"logs prune", "Serve", "Delete requests (and their feedback) older than a time",
                Write},
    CommandInfo{"keys", "Serve", "API keys of the gateway", None},
    CommandInfo{"keys create", "Serve", "Create a key: printed once, only its SHA-256 is stored",
                Write},
    CommandInfo{"keys list", "Serve", "Keys with their limits (never a key)", Read},
    CommandInfo{"keys revoke", "Serve", "Revoke a key (a running gateway refuses it within 1 s)",
                Write},
    // Monitor
    CommandInfo{"drift", "Monitor",
                "Has the data drifted? Per-column tests (Evidently's defaults) and a dataset "
                "verdict; exit 1 when drifted",
                Read},
    CommandInfo{"monitor", "Monitor",
                "Requests, errors, latency, tokens, cost and feedback over a window; alerts", Read,
                true},
    CommandInfo{"monitor check", "Monitor",
                "Evaluate the alert rules, deliver notifications; exit 1 while any fires", Write},
    CommandInfo{"monitor report", "Monitor",
                "The dashboard as one self-contained HTML file: charts per release, deploys, "
                "alerts",
                Read},
    CommandInfo{"scan", "Monitor",
                "Find personal data (PII) in a text, a file or stdin; redact it; exit 1 when found",
                None, true},
    CommandInfo{"scan eval", "Monitor",
                "Precision, recall and F1 of the PII recognizers on a labelled JSONL file", None},
    // Pipelines
    CommandInfo{"pipeline", "Pipelines", "Stages with dependencies, run only when they changed",
                None},
    CommandInfo{"pipeline run", "Pipelines",
                "Run the stages whose inputs changed, in dependency order, in parallel; update "
                "pipeline.lock",
                Write},
    CommandInfo{"pipeline status", "Pipelines",
                "What a run would do and why; exit 1 when anything would run", Write},
    CommandInfo{"pipeline dag", "Pipelines", "The stage graph as text, Mermaid or JSON", None},
    CommandInfo{"pipeline log", "Pipelines", "Recorded pipeline runs and their stages", Read},
    // Remotes
    CommandInfo{"remote", "Remotes", "S3-compatible remotes that share datasets and prompts", None},
    CommandInfo{"remote add", "Remotes", "Add a remote: NAME s3://BUCKET/PREFIX", Write},
    CommandInfo{"remote list", "Remotes", "List the remotes", Read},
    CommandInfo{"remote remove", "Remotes", "Remove a remote (the bucket is untouched)", Write},
    CommandInfo{"push", "Remotes",
                "Upload the objects, versions, labels and tags a remote lacks; reject labels "
                "that moved there",
                Write},
    CommandInfo{"pull", "Remotes",
                "Fetch and apply a remote's versions, labels and tags in one transaction", Write},
    CommandInfo{"clone", "Remotes", "Make a new project from a remote", None},
    // Feedback
    CommandInfo{"feedback", "Feedback", "Feedback about logged requests: add, list, export", None},
    CommandInfo{"feedback add", "Feedback", "Score a logged request (as POST /v1/feedback does)",
                Write},
    CommandInfo{"feedback list", "Feedback", "Feedback entries, oldest first", Read},
    CommandInfo{"feedback export", "Feedback", "Feedback entries as JSON lines or CSV", Read},
    CommandInfo{"review", "Feedback",
                "Review a dataset row by row in the terminal: accept, edit, reject; resumable",
                Write},
    CommandInfo{"finetune", "Feedback",
                "Fine-tuning jobs: OpenAI-compatible APIs or a local command", None},
    CommandInfo{"finetune create", "Feedback",
                "Upload a dataset as fine-tuning JSONL and start a job", Write},
    CommandInfo{"finetune status", "Feedback",
                "A job's state (refreshed from the provider), events and resulting model", Write},
    CommandInfo{"finetune list", "Feedback", "Recorded fine-tuning jobs, newest first", Read},
    CommandInfo{"finetune cancel", "Feedback", "Cancel a running fine-tuning job", Write},
    // Help
    CommandInfo{"help", "Help", "Show help for llmops or a command", None},
    CommandInfo{"completion", "Help", "Print a bash or zsh completion script", None},
};

bool is_child_of(const CommandInfo& c, std::string_view path) {
    return c.parent() == path;
}

} // namespace

std::string_view to_string(StoreUse use) {
    switch (use) {
    case None:
        return "none";
    case Read:
        return "read";
    case Write:
        return "write";
    }
    return "none";
}

std::string_view CommandInfo::name() const {
    auto space = path.rfind(' ');
    return space == std::string_view::npos ? path : path.substr(space + 1);
}

std::string_view CommandInfo::parent() const {
    auto space = path.rfind(' ');
    return space == std::string_view::npos ? std::string_view() : path.substr(0, space);
}

std::span<const CommandInfo> command_table() {
    return kCommands;
}

const CommandInfo* find_command_info(std::string_view path) {
    for (const auto& c : kCommands)
        if (c.path == path) return &c;
    return nullptr;
}

bool runs_itself(const CommandInfo& command) {
    return command.runs_itself || !is_command_group(command.path);
}

std::vector<const CommandInfo*> child_commands(std::string_view path) {
    std::vector<const CommandInfo*> out;
    for (const auto& c : kCommands)
        if (is_child_of(c, path)) out.push_back(&c);
    return out;
}

bool is_command_group(std::string_view path) {
    for (const auto& c : kCommands)
        if (is_child_of(c, path)) return true;
    return false;
}

namespace {

[[noreturn]] void throw_unknown_command(const std::string& path, const std::string& word) {
    const std::string shown = path.empty() ? word : path + " " + word;
    if (!path.empty() && !is_command_group(path))
        throw_usage(fmt::format("unknown command '{}'", shown),
                    fmt::format("'llmops {}' has no subcommands", path));
    std::vector<std::string> names;
    for (const CommandInfo* c : child_commands(path))
        names.emplace_back(c->name());
    if (auto match = closest_match(word, names))
        throw_usage(fmt::format("unknown command '{}'", shown),
                    fmt::format("did you mean '{}{}'?", path.empty() ? "" : path + " ", *match));
    throw_usage(fmt::format("unknown command '{}'", shown),
                fmt::format("run 'llmops help{}' for the list of commands",
                            path.empty() ? "" : " " + path));
}

} // namespace

const CommandInfo* resolve_command(const std::vector<std::string>& words, ExtraWords extra) {
    const CommandInfo* at = nullptr;
    std::string path;
    for (const auto& word : words) {
        if (at && !is_command_group(path)) {
            if (extra == ExtraWords::Arguments) break;
            throw_unknown_command(path, word);
        }
        std::string candidate = path.empty() ? word : path + " " + word;
        const CommandInfo* next = find_command_info(candidate);
        if (!next) {
            if (at && at->runs_itself && extra == ExtraWords::Arguments) break;
            throw_unknown_command(path, word);
        }
        at = next;
        path = std::move(candidate);
    }
    return at;
}

} // namespace llmops::cli
