// llmops pipeline run | status | dag | log (docs/pipelines.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "interrupt.hpp"
#include "pipeline/pipeline_dag.hpp"
#include "pipeline/pipeline_runner.hpp"
#include "pipeline/pipeline_source.hpp"
#include "pipeline/run_record.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace llmops::cli {

namespace {

struct PipelineFlags {
    std::string file; // default: pipeline.yaml at the project root
    std::vector<std::string> stages;
    unsigned jobs = 1;
    bool dry = false;
    bool force = false;
    bool keep_going = false;
    bool explain = false;
    bool mermaid = false;
    std::size_t limit = 10;
};

pipeline::PipelineSource pipeline_source(const CliContext& ctx, const PipelineFlags& flags) {
    const store::ProjectPaths& paths = ctx.project_paths();
    return pipeline::locate_pipeline(paths.root, paths.config_file,
                                     flags.file.empty() ? std::filesystem::path()
                                                        : std::filesystem::absolute(flags.file));
}

std::filesystem::path this_binary() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw_usage("cannot find the llmops binary (/proc/self/exe) to run llmops steps");
    return exe;
}

void print_outcome(const CliContext& ctx, const pipeline::StageOutcome& o, bool explain,
                   bool to_stdout) {
    std::string line = fmt::format("{:<14} {}", o.status, o.stage);
    if (o.status == "ran" || o.status == "failed") line += fmt::format(" ({:.1f}s)", o.seconds);
    if (explain || o.status == "failed" || o.status == "blocked") line += ": " + o.reason;
    if (to_stdout)
        ctx.out(line + "\n");
    else
        ctx.note(line); // note() ends the line
}

int cmd_run(CliContext& ctx, const PipelineFlags& flags, bool status_only) {
    if (flags.jobs == 0) throw_usage("-j needs at least 1");
    // Bad pipelines are refused before the store opens (it stays as it was).
    pipeline::PipelineSource source = pipeline_source(ctx, flags);
    pipeline::StageGraph graph = pipeline::build_graph(std::move(source.spec));
    InterruptGuard interrupt;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    pipeline::PipelineOptions options;
    options.targets = flags.stages;
    options.jobs = flags.jobs;
    options.dry = status_only || flags.dry;
    options.force = flags.force;
    options.keep_going = flags.keep_going;
    options.llmops_exe = this_binary();
    options.config_file = project.paths().config_file;
    options.lock_file = source.lock_file;
    options.stop = interrupt.flag();
    bool explain = flags.explain || options.dry;
    pipeline::PipelineEvents events;
    if (!ctx.json()) {
        events.started = [&](const pipeline::Stage& stage, const std::string& reason) {
            ctx.note(
                fmt::format("{:<14} {}{}", "running", stage.name, explain ? ": " + reason : ""));
            ctx.verbose("  $ " + stage.display_command() + "\n");
        };
        events.finished = [&](const pipeline::StageOutcome& o) {
            print_outcome(ctx, o, explain, options.dry);
        };
    }
    pipeline::PipelineReport report = pipeline::run_pipeline(project, graph, options, events);
    if (report.killed_runs > 0)
        ctx.warn(fmt::format("{} earlier run(s) had been killed; continuing from the stages they "
                             "finished\n",
                             report.killed_runs));
    if (ctx.json()) ctx.print_json(pipeline::to_json(report));
    if (report.interrupted) return kInterruptedExitCode;
    if (report.failed) {
        ctx.error("pipeline failed (see the stages marked failed)");
        return 1;
    }
    if (status_only) return report.anything_to_do() ? 1 : 0;
    return 0;
}

int cmd_dag(CliContext& ctx, const PipelineFlags& flags) {
    pipeline::StageGraph graph = pipeline::build_graph(pipeline_source(ctx, flags).spec);
    if (ctx.json())
        ctx.print_json(pipeline::dag_to_json(graph));
    else
        ctx.out(flags.mermaid ? pipeline::render_dag_mermaid(graph)
                              : pipeline::render_dag_text(graph));
    return 0;
}

int cmd_log(CliContext& ctx, const PipelineFlags& flags) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto runs = pipeline::list_runs(project.db(), flags.limit);
    if (ctx.json()) {
        ctx.print_json(pipeline::to_json(runs));
        return 0;
    }
    for (const auto& r : runs) {
        ctx.out(fmt::format("run {}  {}  {}\n", r.id, r.status, r.started_at));
        for (const auto& s : r.stages)
            ctx.out(fmt::format("  {:<12} {}: {}\n", s.status, s.stage, s.reason));
    }
    return 0;
}

void add_file_option(CLI::App* c, PipelineFlags& flags) {
    c->add_option("-f,--file", flags.file,
                  "The pipeline file, or llmops.yaml for its pipelines: section (default: "
                  "pipeline.yaml at the project root, or that section); the lock is NAME.lock "
                  "beside it, pipeline.lock for llmops.yaml")
        ->option_text("FILE");
}

} // namespace

void register_pipeline_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* group = ctx.group(app, "pipeline");
    {
        auto f = std::make_shared<PipelineFlags>();
        CLI::App* c = ctx.command(*group, "run", [&ctx, f] { return cmd_run(ctx, *f, false); });
        c->add_option("stages", f->stages, "Run these stages and what they need (default: all)");
        add_file_option(c, *f);
        c->add_option("-j,--jobs", f->jobs, "Run up to N stages at once (default 1)")
            ->option_text("N");
        c->add_flag("--dry", f->dry, "Say what would run, run nothing");
        c->add_flag("--force", f->force, "Run the stages even when unchanged (no run cache)");
        c->add_flag("-k,--keep-going", f->keep_going,
                    "After a failure, keep running the stages that do not depend on it");
        c->add_flag("--explain", f->explain, "Say for each stage why it runs or is skipped");
    }
    {
        auto f = std::make_shared<PipelineFlags>();
        CLI::App* c = ctx.command(*group, "status", [&ctx, f] { return cmd_run(ctx, *f, true); });
        c->add_option("stages", f->stages, "Only these stages and what they need");
        add_file_option(c, *f);
    }
    {
        auto f = std::make_shared<PipelineFlags>();
        CLI::App* c = ctx.command(*group, "dag", [&ctx, f] { return cmd_dag(ctx, *f); });
        add_file_option(c, *f);
        c->add_flag("--mermaid", f->mermaid, "A Mermaid flowchart instead of text");
    }
    {
        auto f = std::make_shared<PipelineFlags>();
        CLI::App* c = ctx.command(*group, "log", [&ctx, f] { return cmd_log(ctx, *f); });
        c->add_option("-n,--limit", f->limit, "How many runs, newest first (default 10)")
            ->option_text("N");
    }
}

} // namespace llmops::cli
