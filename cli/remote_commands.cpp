// llmops remote add | list | remove, push, pull, clone: sharing datasets and prompts through
// S3-compatible object storage (docs/remotes.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "remote/remote_clone.hpp"
#include "remote/remote_config.hpp"
#include "remote/remote_pull.hpp"
#include "remote/remote_push.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace {

struct AddOptions {
    std::string name;
    std::string url;
    std::string endpoint;
    std::string region;
};

struct PushOptions {
    std::string remote;
    std::vector<std::string> names;
    bool force = false;
};

struct PullOptions {
    std::string remote;
    bool force = false;
};

struct CloneOptions {
    std::string url;
    std::string dir;
    std::string endpoint;
    std::string region;
    std::string name = "origin";
};

std::optional<std::string> optional_name(const std::string& name) {
    return name.empty() ? std::nullopt : std::optional<std::string>(name);
}

void print_refs(const CliContext& ctx, const std::vector<remote::RefUpdate>& refs) {
    for (const auto& u : refs) {
        if (u.status == "up-to-date") continue;
        ctx.note(fmt::format("  {:<9} {} {} -> {}", u.status, u.ref,
                             u.before ? u.before->short_hex() : std::string("(none)"),
                             u.after.short_hex()));
    }
}

int cmd_remote_add(CliContext& ctx, const AddOptions& o) {
    remote::RemoteConfig r{o.name, remote::S3Location::parse(o.url), o.endpoint, o.region};
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    remote::add_remote(project.db(), r);
    if (ctx.json())
        ctx.print_json(remote::to_json(r));
    else
        ctx.note(fmt::format("added remote '{}' -> {}", r.name, r.location.url()));
    return 0;
}

int cmd_remote_list(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto remotes = remote::list_remotes(project.db());
    if (ctx.json()) {
        ctx.print_json(remote::to_json(remotes));
        return 0;
    }
    std::string text;
    for (const auto& r : remotes)
        text += fmt::format("{}\t{}\t{}\t{}\n", r.name, r.location.url(),
                            r.endpoint.empty() ? "(aws)" : r.endpoint,
                            r.region.empty() ? "(default region)" : r.region);
    ctx.out(text);
    return 0;
}

int cmd_remote_remove(CliContext& ctx, const std::string& name) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    remote::remove_remote(project.db(), name);
    ctx.note(fmt::format("removed remote '{}'", name));
    return 0;
}

int cmd_push(CliContext& ctx, const PushOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    remote::RemoteConfig r = remote::find_remote(project.db(), optional_name(o.remote));
    remote::S3Client s3(remote::settings_for(r, remote::process_env));
    remote::PushOptions options;
    options.names.insert(o.names.begin(), o.names.end());
    options.force = o.force;
    remote::PushResult result = remote::push(project, s3, r, options);
    if (ctx.json()) {
        ctx.print_json(remote::to_json(result));
        return 0;
    }
    ctx.note(fmt::format("pushed to {} ({}): {} object{} ({}) sent, {} already there; {} "
                         "record{} sent; {:.2f} s",
                         r.name, r.location.url(), result.objects_sent,
                         result.objects_sent == 1 ? "" : "s", human_bytes(result.bytes_sent),
                         result.objects_present, result.records_sent,
                         result.records_sent == 1 ? "" : "s", result.seconds));
    print_refs(ctx, result.refs);
    return 0;
}

int cmd_pull(CliContext& ctx, const PullOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    remote::RemoteConfig r = remote::find_remote(project.db(), optional_name(o.remote));
    remote::S3Client s3(remote::settings_for(r, remote::process_env));
    remote::PullResult result = remote::pull(project, s3, r, remote::PullOptions{o.force});
    if (ctx.json()) {
        ctx.print_json(remote::to_json(result));
        return 0;
    }
    ctx.note(fmt::format("pulled from {} ({}): {} record{}, {} object{} ({}); {:.2f} s", r.name,
                         r.location.url(), result.records_received,
                         result.records_received == 1 ? "" : "s", result.objects_received,
                         result.objects_received == 1 ? "" : "s",
                         human_bytes(result.bytes_received), result.seconds));
    for (const auto& v : result.versions_added)
        ctx.note("  added " + v);
    print_refs(ctx, result.refs);
    return 0;
}

int cmd_clone(CliContext& ctx, const CloneOptions& o) {
    remote::RemoteConfig r{o.name, remote::S3Location::parse(o.url), o.endpoint, o.region};
    remote::CloneResult result = remote::clone(r, o.dir, remote::process_env);
    if (ctx.json()) {
        ctx.print_json(remote::to_json(result));
        return 0;
    }
    ctx.note(fmt::format(
        "cloned {} into {}: {} version{}, {} object{} ({})", r.location.url(), result.root.string(),
        result.pulled.versions_added.size(), result.pulled.versions_added.size() == 1 ? "" : "s",
        result.pulled.objects_received, result.pulled.objects_received == 1 ? "" : "s",
        human_bytes(result.pulled.bytes_received)));
    return 0;
}

} // namespace

void register_remote_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* remote_cmd = ctx.group(app, "remote");
    auto add = std::make_shared<AddOptions>();
    CLI::App* c =
        ctx.command(*remote_cmd, "add", [&ctx, add] { return cmd_remote_add(ctx, *add); });
    c->add_option("name", add->name, "The remote's name (origin, team ...)")->required();
    c->add_option("url", add->url, "s3://BUCKET/PREFIX")->required();
    c->add_option("--endpoint", add->endpoint,
                  "S3-compatible server (http://127.0.0.1:9000); path-style addressing")
        ->option_text("URL");
    c->add_option("--region", add->region,
                  "Region to sign for (default: AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config, "
                  "us-east-1)")
        ->option_text("R");
    ctx.command(*remote_cmd, "list", [&ctx] { return cmd_remote_list(ctx); });
    auto remove_name = std::make_shared<std::string>();
    ctx.command(*remote_cmd, "remove",
                [&ctx, remove_name] { return cmd_remote_remove(ctx, *remove_name); })
        ->add_option("name", *remove_name, "The remote to remove")
        ->required();

    auto push = std::make_shared<PushOptions>();
    c = ctx.command(app, "push", [&ctx, push] { return cmd_push(ctx, *push); });
    c->add_option("remote", push->remote, "The remote (default: the only one, or origin)");
    c->add_option("names", push->names, "Only these datasets and prompts (default: all)");
    c->add_flag("--force", push->force, "Overwrite labels and tags that moved on the remote");

    auto pull = std::make_shared<PullOptions>();
    c = ctx.command(app, "pull", [&ctx, pull] { return cmd_pull(ctx, *pull); });
    c->add_option("remote", pull->remote, "The remote (default: the only one, or origin)");
    c->add_flag("--force", pull->force,
                "Take the remote's labels and tags where both sides moved them");

    auto clone = std::make_shared<CloneOptions>();
    c = ctx.command(app, "clone", [&ctx, clone] { return cmd_clone(ctx, *clone); });
    c->add_option("url", clone->url, "s3://BUCKET/PREFIX")->required();
    c->add_option("dir", clone->dir, "The new project's folder")->required();
    c->add_option("--endpoint", clone->endpoint,
                  "S3-compatible server (http://127.0.0.1:9000); path-style addressing")
        ->option_text("URL");
    c->add_option("--region", clone->region, "Region to sign for")->option_text("R");
    c->add_option("--name", clone->name, "The remote's name in the new project (default origin)")
        ->option_text("NAME");
}

} // namespace llmops::cli
