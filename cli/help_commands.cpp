// llmops help [COMMAND...] | help --all [--markdown] | completion bash|zsh.
#include "cli_context.hpp"
#include "core/error.hpp"
#include "help_text.hpp"
#include "shell_completion.hpp"

#include <memory>

namespace llmops::cli {

namespace {

struct HelpOptions {
    std::vector<std::string> topic;
    bool all = false;
    bool markdown = false;
};

int cmd_help(CliContext& ctx, const CLI::App& root, const HelpOptions& o) {
    if (o.all) {
        if (!o.topic.empty()) throw_usage("--all describes every command: name none");
        ctx.out(command_reference(root, o.markdown));
        return 0;
    }
    if (o.markdown) throw_usage("--markdown needs --all");
    const CommandInfo* info = resolve_command(o.topic, ExtraWords::Error);
    const CLI::App* app = find_app(root, info ? info->path : "");
    if (!app) throw std::logic_error("command '" + std::string(info->path) + "' has no app");
    // Not App::help(): it describes the selected subcommand, which is `help` itself.
    ctx.out(app->get_formatter()->make_help(app, "", CLI::AppFormatMode::Normal));
    return 0;
}

int cmd_completion(CliContext& ctx, const CLI::App& root, const std::string& shell) {
    ctx.out(shell == "zsh" ? zsh_completion(root) : bash_completion(root));
    return 0;
}

} // namespace

void register_help_commands(CLI::App& app, CliContext& ctx) {
    auto help = std::make_shared<HelpOptions>();
    CLI::App* c =
        ctx.command(app, "help", [&ctx, &app, help] { return cmd_help(ctx, app, *help); });
    c->add_option("command", help->topic, "The command (and subcommand) to describe");
    c->add_flag("--all", help->all, "Describe every command and its options");
    c->add_flag("--markdown", help->markdown,
                "With --all: as Markdown (the reference part of docs/cli.md)");

    auto shell = std::make_shared<std::string>();
    ctx.command(app, "completion", [&ctx, &app, shell] { return cmd_completion(ctx, app, *shell); })
        ->add_option("shell", *shell, "bash or zsh")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh"}));
}

} // namespace llmops::cli
