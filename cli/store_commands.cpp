// init, status, fsck, gc and the object plumbing commands.
#include "cli_context.hpp"
#include "core/error.hpp"
#include "store/store_json.hpp"
#include "store/store_maintenance.hpp"

#include <cstdio>
#include <fmt/core.h>
#include <memory>
#include <unistd.h>

namespace llmops::cli {

namespace fs = std::filesystem;

namespace {

int cmd_init(CliContext& ctx, const std::string& dir) {
    store::ProjectPaths paths =
        store::init_project(dir.empty() ? fs::current_path() : fs::path(dir));
    if (ctx.json()) {
        ctx.print_json(store::init_to_json(paths));
    } else if (!ctx.options.quiet) {
        ctx.out(fmt::format("Initialised an llmops project in {}\n", paths.store_dir.string()));
    }
    return 0;
}

int cmd_status(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    store::StoreStatus s = store::store_status(project);
    if (ctx.json()) {
        ctx.print_json(store::to_json(s));
        return 0;
    }
    std::string text =
        fmt::format("project   {}\nschema    version {}\n", s.root, s.schema_version);
    for (const auto& c : s.counts)
        text += fmt::format("{:<18}{:>10}\n", c.kind, c.count);
    text +=
        fmt::format("{:<18}{:>10}  ({})\n", "objects", s.object_count, human_bytes(s.object_bytes));
    text += fmt::format("{:<18}{:>10}\n", "database", human_bytes(s.database_bytes));
    text +=
        fmt::format("{:<18}{:>10}  ({})\n", "temp files", s.temp.count, human_bytes(s.temp.bytes));
    text += fmt::format("{:<18}{:>10}\n", "store total", human_bytes(s.store_bytes));
    ctx.out(text);
    return 0;
}

int cmd_fsck(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    store::FsckReport report = store::check_store(project);
    if (ctx.json()) {
        ctx.print_json(store::to_json(report));
    } else {
        for (const auto& p : report.problems)
            ctx.out(fmt::format("{} {}: {}\n", p.kind, p.subject, p.detail));
        ctx.note(fmt::format("checked {} objects and {} references: {}", report.objects_checked,
                             report.references_checked,
                             report.problems.empty()
                                 ? std::string("no problems")
                                 : fmt::format("{} problem(s)", report.problems.size())));
        if (report.temp.count > 0)
            ctx.note(fmt::format("{} temp file{} ({}) in .llmops/tmp, left by interrupted commands "
                                 "or in use by running ones; 'llmops gc' removes them",
                                 report.temp.count, report.temp.count == 1 ? "" : "s",
                                 human_bytes(report.temp.bytes)));
    }
    return report.problems.empty() ? 0 : exit_code_for(ErrorKind::CheckFailed);
}

int cmd_gc(CliContext& ctx, bool dry_run) {
    store::Project project =
        ctx.open_project(dry_run ? store::StoreAccess::Read : store::StoreAccess::Exclusive);
    store::GcReport report = store::collect_garbage(project, dry_run);
    if (ctx.json()) {
        ctx.print_json(store::to_json(report, dry_run));
        return 0;
    }
    const char* verb = dry_run ? "would remove" : "removed";
    for (const auto& o : report.removed_objects)
        ctx.out(fmt::format("{} object {} ({})\n", verb, o.hash.hex(), human_bytes(o.stored_size)));
    for (const auto& t : report.removed_temp_files)
        ctx.out(fmt::format("{} temp file {}\n", verb, t));
    ctx.note(fmt::format("{} {} objects and {} temp files, {}; kept {} objects", verb,
                         report.removed_objects.size(), report.removed_temp_files.size(),
                         human_bytes(report.bytes_freed), report.objects_kept));
    return 0;
}

int cmd_object_put(CliContext& ctx, const std::string& file, bool compress) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    store::ObjectInfo info = project.objects().put_file(file, compress ? store::Compression::Zstd
                                                                       : store::Compression::None);
    if (ctx.json())
        ctx.print_json(store::to_json(info));
    else
        ctx.out(info.hash.hex() + "\n");
    return 0;
}

int cmd_object_cat(CliContext& ctx, const std::string& hex) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    project.objects().read(Hash128::from_hex(hex), [](std::string_view block) {
        std::fwrite(block.data(), 1, block.size(), stdout);
    });
    return 0;
}

} // namespace

void register_store_commands(CLI::App& app, CliContext& ctx) {
    auto init_dir = std::make_shared<std::string>();
    ctx.command(app, "init", [&ctx, init_dir] { return cmd_init(ctx, *init_dir); })
        ->add_option("dir", *init_dir, "Project folder (default: the current folder)");

    ctx.command(app, "status", [&ctx] { return cmd_status(ctx); });
    ctx.command(app, "fsck", [&ctx] { return cmd_fsck(ctx); });

    auto gc_dry_run = std::make_shared<bool>(false);
    ctx.command(app, "gc", [&ctx, gc_dry_run] { return cmd_gc(ctx, *gc_dry_run); })
        ->add_flag("-n,--dry-run", *gc_dry_run, "List what would be removed, remove nothing");

    CLI::App* object = ctx.group(app, "object");
    auto put = std::make_shared<std::pair<std::string, bool>>();
    CLI::App* put_cmd = ctx.command(
        *object, "put", [&ctx, put] { return cmd_object_put(ctx, put->first, put->second); });
    put_cmd->add_option("file", put->first, "File to store")->required();
    put_cmd->add_flag("--zstd", put->second, "Compress the object with zstd");
    auto cat_hash = std::make_shared<std::string>();
    ctx.command(*object, "cat", [&ctx, cat_hash] { return cmd_object_cat(ctx, *cat_hash); })
        ->add_option("hash", *cat_hash, "Object hash (32 hex digits)")
        ->required();
}

} // namespace llmops::cli
