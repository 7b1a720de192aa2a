// llmops finetune: create, status, list, cancel (docs/feedback.md#fine-tuning).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "feedback/finetune_jobs.hpp"
#include "interrupt.hpp"
#include "option_rules.hpp"

#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <thread>

namespace llmops::cli {

namespace {

using nlohmann::json;

struct FinetuneFlags {
    feedback::FineTuneRequest request;
    std::string job;
    bool wait = false;
    double interval_s = 10;
    int events = 5;
    std::string model_file; // create: where the fine-tuned model id goes once the job succeeded
};

provider::ProviderCatalog catalog_of(const store::Project& project) {
    return provider::load_provider_catalog(project.paths().config_file);
}

std::string job_line(const feedback::FineTuneJob& j) {
    return fmt::format("{:<6} {:<24} {:<10} {:<18} {:<14} {}\n", j.local_id(),
                       j.external_id.empty() ? "-" : j.external_id, j.status, j.training,
                       j.provider, j.fine_tuned_model.empty() ? "-" : j.fine_tuned_model);
}

// What a finished job means for the user: the model and how to use it, or why it failed.
void report_outcome(CliContext& ctx, const provider::ProviderCatalog& catalog,
                    const feedback::FineTuneJob& job) {
    if (job.status == "succeeded") {
        ctx.out(fmt::format("fine-tuned model: {}\n", job.fine_tuned_model));
        // One note per line: a note escapes control characters, a newline included.
        ctx.note("add it as a provider in llmops.yaml (providers:), then evaluate it with "
                 "'llmops eval run' against that provider:");
        ctx.note("  " + feedback::provider_snippet(catalog, job));
    } else if (job.status == "failed" || job.status == "cancelled") {
        ctx.note(fmt::format("job {} {}{}", job.local_id(), job.status,
                             job.error.empty() ? "" : ": " + job.error));
    }
}

json job_json(const provider::ProviderCatalog& catalog, const feedback::FineTuneJob& job,
              const json& events) {
    json out = feedback::to_json(job);
    out["provider_snippet"] =
        job.status == "succeeded" ? json(feedback::provider_snippet(catalog, job)) : json(nullptr);
    if (!events.is_null()) out["events"] = events;
    return out;
}

// Polls the job every `interval_s` until it succeeds, fails or is cancelled.
feedback::FineTuneJob follow_to_end(CliContext& ctx, store::Project& project,
                                    const provider::ProviderCatalog& catalog,
                                    feedback::FineTuneJob job, double interval_s) {
    std::string last_status = job.status;
    InterruptGuard guard;
    while (!job.finished()) {
        if (guard.interrupted())
            throw Error(ErrorKind::Interrupted,
                        "interrupted; the job goes on at the provider: 'llmops finetune status " +
                            job.local_id() + "' follows it again");
        std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
        job = feedback::refresh_finetune(project, catalog, job);
        if (job.status != last_status && !ctx.json())
            ctx.note(fmt::format("{}: {}", job.local_id(), job.status));
        last_status = job.status;
    }
    return job;
}

int finetune_create(CliContext& ctx, const FinetuneFlags& f) {
    // Before anything is uploaded: a model id that cannot be written would waste the job.
    if (!f.model_file.empty()) check_output_path(f.model_file);
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    provider::ProviderCatalog catalog = catalog_of(project);
    feedback::FineTuneJob job = feedback::create_finetune(project, catalog, f.request);
    if (f.wait) job = follow_to_end(ctx, project, catalog, job, f.interval_s);
    // Only a succeeded job has a model id to write; a pipeline stage then sees its output.
    if (!f.model_file.empty() && job.status == "succeeded") {
        OutputFile out(f.model_file);
        out.write(job.fine_tuned_model + "\n");
        out.commit();
    }
    // With --wait, the command succeeds only when the job did (a pipeline stage relies on it).
    int code = f.wait && job.status != "succeeded" ? 1 : 0;
    if (ctx.json()) {
        ctx.print_json(job_json(catalog, job, nullptr));
        return code;
    }
    ctx.out(job_line(job));
    if (job.finished())
        report_outcome(ctx, catalog, job);
    else
        ctx.note(fmt::format("started; follow it with 'llmops finetune status {} --wait'",
                             job.local_id()));
    return code;
}

int finetune_status(CliContext& ctx, const FinetuneFlags& f) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    provider::ProviderCatalog catalog = catalog_of(project);
    feedback::FineTuneJob job = feedback::find_finetune(project.db(), f.job);
    job = feedback::refresh_finetune(project, catalog, job);
    if (f.wait) job = follow_to_end(ctx, project, catalog, job, f.interval_s);
    json events = f.events > 0 ? feedback::finetune_events(catalog, job, f.events) : json();
    if (ctx.json()) {
        ctx.print_json(job_json(catalog, job, events));
        return job.status == "failed" ? 1 : 0;
    }
    ctx.out(job_line(job));
    if (events.is_array())
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            ctx.out(
                fmt::format("  {}  {}\n", it->value("level", "info"), it->value("message", "")));
    report_outcome(ctx, catalog, job);
    return job.status == "failed" ? 1 : 0;
}

int finetune_list(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto jobs = feedback::list_finetunes(project.db());
    if (ctx.json()) {
        json out = json::array();
        for (const auto& j : jobs)
            out.push_back(feedback::to_json(j));
        ctx.print_json(out);
        return 0;
    }
    if (jobs.empty()) ctx.note("no fine-tuning jobs yet: start one with 'llmops finetune create'");
    for (const auto& j : jobs)
        ctx.out(job_line(j));
    return 0;
}

int finetune_cancel(CliContext& ctx, const FinetuneFlags& f) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    provider::ProviderCatalog catalog = catalog_of(project);
    feedback::FineTuneJob job = feedback::find_finetune(project.db(), f.job);
    job = feedback::cancel_finetune(project, catalog, job);
    if (ctx.json())
        ctx.print_json(feedback::to_json(job));
    else
        ctx.out(job_line(job));
    return 0;
}

void add_wait_options(CLI::App* c, FinetuneFlags& flags) {
    c->add_flag("--wait", flags.wait, "Poll until the job succeeds, fails or is cancelled");
    c->add_option("--interval", flags.interval_s, "Seconds between polls with --wait (10)")
        ->transform(duration_seconds(0.01, 3600))
        ->option_text("DURATION");
}

} // namespace

void register_finetune_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* group = ctx.group(app, "finetune");
    auto flags = std::make_shared<FinetuneFlags>();

    CLI::App* c =
        ctx.command(*group, "create", [&ctx, flags] { return finetune_create(ctx, *flags); });
    c->add_option("--provider", flags->request.provider,
                  "An openai-type provider of llmops.yaml, or an exec trainer (exec:COMMAND)")
        ->required();
    c->add_option("--data", flags->request.data, "Training dataset (NAME, NAME@N, NAME@tag)")
        ->required()
        ->option_text("REF");
    c->add_option("--validation", flags->request.validation, "Validation dataset")
        ->option_text("REF");
    c->add_option("--model", flags->request.model, "Base model (default: the provider's model)");
    c->add_option("--param", flags->request.params,
                  "k=v, repeatable: n_epochs, batch_size, learning_rate_multiplier (hyper-"
                  "parameters), suffix, seed")
        ->option_text("K=V");
    c->add_option("--prompt", flags->request.examples.prompt_ref,
                  "Render each row through this prompt")
        ->option_text("REF");
    c->add_option("--target-field", flags->request.examples.target_field,
                  "The row field holding the assistant's answer")
        ->option_text("FIELD");
    c->add_option("--max-tokens", flags->request.examples.max_tokens,
                  "Estimated tokens allowed per example (default 65536)")
        ->check(whole_number(1))
        ->option_text("N");
    add_wait_options(c, *flags);
    c->add_option("--model-file", flags->model_file,
                  "Write the fine-tuned model id to FILE once the job has succeeded")
        ->option_text("FILE");

    c = ctx.command(*group, "status", [&ctx, flags] { return finetune_status(ctx, *flags); });
    c->add_option("job", flags->job, "ft-N, or the provider's job id")->required();
    add_wait_options(c, *flags);
    c->add_option("--events", flags->events, "How many of the newest events to show (5)")
        ->check(whole_number(0, 100))
        ->option_text("N");

    ctx.command(*group, "list", [&ctx] { return finetune_list(ctx); });

    c = ctx.command(*group, "cancel", [&ctx, flags] { return finetune_cancel(ctx, *flags); });
    c->add_option("job", flags->job, "ft-N, or the provider's job id")->required();
}

} // namespace llmops::cli
