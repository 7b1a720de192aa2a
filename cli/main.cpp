// llmops: the command table, global options, and the one place errors become exit codes.
#include "cli_context.hpp"
#include "core/control_escape.hpp"
#include "core/error.hpp"
#include "interrupt.hpp"
#include "mustache/template_limits.hpp"
#include "store/project_limits.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

namespace {

using llmops::cli::CliContext;

// Messages echo names and values from files and command lines: escaped, so an error is one
// line (plus its hint) and no escape sequence in a name reaches the terminal.
void print_error(const CliContext& ctx, const std::string& message, const std::string& hint) {
    ctx.error(message);
    if (!hint.empty()) fmt::print(stderr, "hint: {}\n", llmops::escape_control_characters(hint));
}

CLI::App* find_command(CLI::App& app, const std::vector<std::string>& path) {
    CLI::App* at = &app;
    for (const auto& name : path) {
        try {
            at = at->get_subcommand(name);
        } catch (const CLI::OptionNotFound&) {
            return nullptr;
        }
    }
    return at;
}

// Every template this command compiles or renders gets the project's budgets (llmops.yaml
// `limits:`, then LLMOPS_TEMPLATE_*) and stops on Ctrl-C where a guard is installed.
void apply_template_limits() {
    std::filesystem::path config_file;
    try {
        config_file = llmops::store::locate_project().config_file;
    } catch (const llmops::Error&) {
        // Not in a project (init, help): the defaults and the environment apply.
    }
    llmops::mustache::set_template_limits(llmops::store::load_template_limits(config_file),
                                          llmops::store::limits_hint());
    llmops::mustache::set_render_cancel_flag(llmops::cli::interrupt_flag());
}

int run(int argc, char** argv, CliContext& ctx) {
    CLI::App app{"llmops: the lifecycle of LLM applications, from data to monitoring", "llmops"};
    app.require_subcommand(0, 1);
    app.set_version_flag("--version", std::string("llmops ") + LLMOPS_VERSION);
    app.footer("Run 'llmops help COMMAND' for a command's options. Docs: docs/cli.md");
    llmops::cli::add_global_options(app, ctx.options);

    std::vector<std::string> help_topic;
    ctx.command(app, "help", "Show help for llmops or a command", [] { return 0; })
        ->add_option("command", help_topic, "The command (and subcommand) to describe");
    llmops::cli::register_store_commands(app, ctx);
    llmops::cli::register_data_commands(app, ctx);
    llmops::cli::register_prompt_commands(app, ctx);
    llmops::cli::register_cache_commands(app, ctx);
    llmops::cli::register_run_commands(app, ctx);
    llmops::cli::register_eval_commands(app, ctx);
    llmops::cli::register_index_commands(app, ctx);
    llmops::cli::register_deploy_commands(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        // Help for the subcommand the user named, not the root.
        CLI::App* sub = &app;
        while (!sub->get_subcommands().empty())
            sub = sub->get_subcommands().front();
        fmt::print("{}", sub->help());
        return 0;
    } catch (const CLI::CallForVersion& e) {
        fmt::print("{}\n", e.what());
        return 0;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        print_error(ctx, e.what(), "run 'llmops help' for usage");
        return llmops::exit_code_for(llmops::ErrorKind::Usage);
    }

    if (app.got_subcommand("help")) {
        CLI::App* topic = find_command(app, help_topic);
        if (!topic) {
            print_error(ctx,
                        "unknown command '" + fmt::format("{}", fmt::join(help_topic, " ")) + "'",
                        "run 'llmops help' for the list");
            return llmops::exit_code_for(llmops::ErrorKind::Usage);
        }
        // App::help() would describe the selected "help" command itself; format directly.
        fmt::print("{}", topic->get_formatter()->make_help(topic, topic->get_name(),
                                                           CLI::AppFormatMode::Normal));
        return 0;
    }
    if (!ctx.action) {
        fmt::print("{}", app.help());
        return 0;
    }
    if (!ctx.options.directory.empty() && ::chdir(ctx.options.directory.c_str()) != 0)
        throw llmops::Error(llmops::ErrorKind::Usage,
                            std::string("cannot change to directory: ") + std::strerror(errno),
                            llmops::ErrorLocation{.file = ctx.options.directory});
    apply_template_limits();
    return ctx.action();
}

} // namespace

int main(int argc, char** argv) {
    CliContext ctx;
    try {
        return run(argc, argv, ctx);
    } catch (const llmops::Error& e) {
        print_error(ctx, e.what(), e.hint());
        return llmops::exit_code_for(e.kind());
    } catch (const std::bad_alloc&) {
        print_error(ctx, "out of memory", "");
        return llmops::exit_code_for(llmops::ErrorKind::Store);
    } catch (const std::exception& e) {
        // Not expected: lib/ reports failures as llmops::Error. Still one line, never a trace.
        print_error(ctx, std::string("internal error: ") + e.what(),
                    "please report this with the command that caused it");
        return 70;
    }
}
