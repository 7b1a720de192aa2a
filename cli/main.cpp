// llmops: builds the commands of the command table, parses, and is the one place errors
// become exit codes.
#include "cli_context.hpp"
#include "command_table.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "help_text.hpp"
#include "interrupt.hpp"
#include "mustache/template_limits.hpp"
#include "store/project_limits.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fmt/format.h>
#include <initializer_list>
#include <stdexcept>
#include <unistd.h>

namespace {

using llmops::cli::CliContext;

// Messages echo names and values from files and command lines: escaped, so an error is one
// line (plus its hint) and no escape sequence in a name reaches the terminal.
void print_error(const CliContext& ctx, const std::string& message, const std::string& hint) {
    ctx.error(message);
    if (!hint.empty()) fmt::print(stderr, "hint: {}\n", llmops::escape_control_characters(hint));
}

// The words that may name the command: everything but the global options (and -C's value)
// before `--`. Only global options can come before the command, so this is exact up to it.
std::vector<std::string> command_words(int argc, char** argv, bool& asks_for_help) {
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") break;
        if (arg == "-h" || arg == "--help" || arg == "--version") asks_for_help = true;
        if (arg == "-C") {
            ++i;
            continue;
        }
        if (arg.size() > 1 && arg.front() == '-') continue;
        words.emplace_back(arg);
    }
    return words;
}

// Every table entry must have been registered, or help and completion would show a command
// that does not run.
void check_registered(const CLI::App& app) {
    for (const auto& c : llmops::cli::command_table())
        if (!llmops::cli::find_app(app, c.path))
            throw std::logic_error("command '" + std::string(c.path) + "' is not registered");
}

// Unknown commands, and groups without their subcommand, fail before CLI11 parses: it would
// print the top-level help for `llmops deploy --help` and a raw message otherwise.
// Returns the command named, if any.
const llmops::cli::CommandInfo* check_command_path(int argc, char** argv) {
    bool asks_for_help = false;
    std::vector<std::string> words = command_words(argc, argv, asks_for_help);
    const auto* info = llmops::cli::resolve_command(words, llmops::cli::ExtraWords::Arguments);
    if (info && !llmops::cli::runs_itself(*info) && !asks_for_help)
        llmops::throw_usage(
            fmt::format("'llmops {}' needs a command", info->path),
            fmt::format("run 'llmops help {}' for the list of commands", info->path));
    return info;
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

// Who registers which top-level commands. Building every command's options costs CLI11 about
// a tenth of the binary's start-up, so a command registers only its own top-level command;
// help, completion and the bare `llmops` register all, and then check this list.
struct Registration {
    std::initializer_list<std::string_view> commands;
    void (*add)(CLI::App&, CliContext&);
};
const Registration kRegistrations[] = {
    {{"init", "status", "fsck", "gc", "object"}, llmops::cli::register_store_commands},
    {{"data"}, llmops::cli::register_data_commands},
    {{"prompt"}, llmops::cli::register_prompt_commands},
    {{"run", "runs"}, llmops::cli::register_run_commands},
    {{"cache"}, llmops::cli::register_cache_commands},
    {{"eval"}, llmops::cli::register_eval_commands},
    {{"index"}, llmops::cli::register_index_commands},
    {{"deploy"}, llmops::cli::register_deploy_commands},
    {{"serve", "logs", "keys"}, llmops::cli::register_serve_commands},
    {{"drift"}, llmops::cli::register_drift_command},
    {{"monitor"}, llmops::cli::register_monitor_commands},
    {{"scan"}, llmops::cli::register_scan_commands},
    {{"pipeline"}, llmops::cli::register_pipeline_commands},
    {{"remote", "push", "pull", "clone"}, llmops::cli::register_remote_commands},
    {{"feedback"}, llmops::cli::register_feedback_commands},
    {{"finetune"}, llmops::cli::register_finetune_commands},
    {{"review"}, llmops::cli::register_review_command},
    {{"help", "completion"}, llmops::cli::register_help_commands},
};

// The top-level commands registered so far (CLI11 keeps option groups as nameless subcommands).
std::vector<std::string> top_level_names(CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* sub :
         app.get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }))
        names.push_back(sub->get_name());
    return names;
}

void register_all(CLI::App& app, CliContext& ctx) {
    for (const Registration& r : kRegistrations) {
        const std::size_t before = top_level_names(app).size();
        r.add(app, ctx);
        const std::vector<std::string> after = top_level_names(app);
        if (!std::equal(after.begin() + before, after.end(), r.commands.begin(), r.commands.end()))
            throw std::logic_error("kRegistrations does not list what registers '" +
                                   std::string(*r.commands.begin()) + "' adds");
    }
    check_registered(app);
}

// The named command's registration only; all of them for help, completion and `llmops`.
void register_commands(CLI::App& app, CliContext& ctx, const llmops::cli::CommandInfo* command) {
    const std::string_view path = command ? command->path : "";
    const std::string_view top = path.substr(0, path.find(' '));
    const auto registers_top = [top](const Registration& r) {
        return std::find(r.commands.begin(), r.commands.end(), top) != r.commands.end();
    };
    const auto* r =
        std::find_if(std::begin(kRegistrations), std::end(kRegistrations), registers_top);
    if (top.empty() || top == "help" || top == "completion" || r == std::end(kRegistrations)) {
        register_all(app, ctx);
        return;
    }
    r->add(app, ctx);
    if (!llmops::cli::find_app(app, path))
        throw std::logic_error("command '" + std::string(path) + "' is not registered");
}

int run(int argc, char** argv, CliContext& ctx) {
    CLI::App app{"llmops: the lifecycle of LLM applications, from data to monitoring", "llmops"};
    app.formatter(std::make_shared<llmops::cli::TableFormatter>());
    app.require_subcommand(0, 1);
    app.set_version_flag("--version", std::string("llmops ") + LLMOPS_VERSION);
    app.footer("Run 'llmops help COMMAND' for a command's options. Docs: docs/cli.md");
    llmops::cli::add_global_options(app, ctx.options);

    const llmops::cli::CommandInfo* command = check_command_path(argc, argv);
    register_commands(app, ctx, command);

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

    if (!ctx.action) {
        fmt::print("{}", app.help());
        return 0;
    }
    if (!ctx.options.directory.empty() && ::chdir(ctx.options.directory.c_str()) != 0)
        throw llmops::Error(llmops::ErrorKind::Usage,
                            std::string("cannot change to directory: ") + std::strerror(errno),
                            llmops::ErrorLocation{.file = ctx.options.directory});
    // help, completion and init render no template: a broken llmops.yaml must not stop them.
    if (!command || command->store != llmops::cli::StoreUse::None) apply_template_limits();
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
