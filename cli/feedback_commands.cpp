// llmops feedback: add, list, export (docs/feedback.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/time.hpp"
#include "feedback/feedback_entries.hpp"
#include "monitor/time_window.hpp"
#include "option_rules.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace {

using nlohmann::json;

struct FeedbackFlags {
    std::string request_id;
    std::string name;
    std::string value;
    std::string comment;
    std::string since;
    std::string route;
    std::string env;
    std::size_t limit = 0;
    std::string format = "jsonl";
    std::string output;
};

feedback::FeedbackFilter filter_of(const FeedbackFlags& f) {
    feedback::FeedbackFilter filter;
    if (!f.since.empty())
        filter.since_ms = monitor::parse_time_or_ago(f.since, now_unix_ms(), "--since");
    filter.route = f.route;
    filter.env = f.env;
    filter.name = f.name;
    filter.limit = f.limit;
    return filter;
}

int feedback_add(CliContext& ctx, const FeedbackFlags& f) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    serve::FeedbackRecord record;
    record.request_id = f.request_id;
    record.name = f.name;
    record.value = feedback::parse_feedback_value(f.value);
    record.comment = f.comment;
    serve::StoredFeedback stored = feedback::add_feedback(project.db(), std::move(record));
    if (ctx.json())
        ctx.print_json(serve::feedback_to_json(stored));
    else
        ctx.note(fmt::format("feedback {}={} stored for {}", stored.record.name,
                             stored.record.value.dump(), stored.record.request_id));
    return 0;
}

int feedback_list(CliContext& ctx, const FeedbackFlags& f) {
    feedback::FeedbackFilter filter = filter_of(f);
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto entries = feedback::list_feedback(project.db(), filter);
    if (ctx.json()) {
        json out = json::array();
        for (const auto& e : entries)
            out.push_back(feedback::to_json(e));
        ctx.print_json(out);
        return 0;
    }
    if (entries.empty()) ctx.note("no feedback");
    for (const auto& e : entries) {
        const auto& r = e.feedback.record;
        ctx.out(fmt::format("{}  {}  {:<16} {:<16} {:<12}{}\n", r.created_at, r.request_id,
                            e.route.empty() ? "-" : e.route, r.name, r.value.dump(),
                            r.comment.empty() ? "" : "  " + r.comment));
    }
    return 0;
}

int feedback_export(CliContext& ctx, const FeedbackFlags& f) {
    feedback::FeedbackFormat format = feedback::parse_feedback_format(f.format);
    feedback::FeedbackFilter filter = filter_of(f);
    bool to_stdout = f.output.empty() || f.output == "-";
    if (!to_stdout) check_output_path(f.output);
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto entries = feedback::list_feedback(project.db(), filter);
    std::string text = feedback::format_feedback(entries, format);
    if (to_stdout) {
        ctx.out(text);
        return 0;
    }
    OutputFile out(f.output);
    out.write(text);
    out.commit();
    ctx.note(fmt::format("exported {} feedback entr{} to {}", entries.size(),
                         entries.size() == 1 ? "y" : "ies", f.output));
    return 0;
}

} // namespace

void register_feedback_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* group = ctx.group(app, "feedback");
    auto flags = std::make_shared<FeedbackFlags>();

    CLI::App* c = ctx.command(*group, "add", [&ctx, flags] { return feedback_add(ctx, *flags); });
    c->add_option("request_id", flags->request_id, "The request (its x-request-id: req_...)")
        ->required();
    c->add_option("--name", flags->name, "What is scored (helpful, correct, thumbs ...)")
        ->required();
    c->add_option("--value", flags->value, "true/false, a number, or a category (any other text)")
        ->required();
    c->add_option("--comment", flags->comment, "Free text");

    auto filters = [flags](CLI::App* cmd) {
        cmd->add_option("--since", flags->since,
                        "Only feedback given at or after this time: ISO 8601, or a duration ago "
                        "(24h)")
            ->option_text("TIME");
        cmd->add_option("--route", flags->route, "Only feedback about requests of this route");
        cmd->add_option("--env", flags->env, "Only feedback about requests of this environment");
        cmd->add_option("--name", flags->name, "Only feedback with this name");
    };
    c = ctx.command(*group, "list", [&ctx, flags] { return feedback_list(ctx, *flags); });
    filters(c);
    c->add_option("-n,--limit", flags->limit, "How many, oldest first (default 0 = all)")
        ->check(whole_number(0))
        ->option_text("N");
    c = ctx.command(*group, "export", [&ctx, flags] { return feedback_export(ctx, *flags); });
    filters(c);
    c->add_option("--format", flags->format, "jsonl (default) or csv");
    c->add_option("-o,--output", flags->output, "File to write (default: stdout)");
}

} // namespace llmops::cli
