#include "cli_context.hpp"
#include "core/text.hpp"

#include <cstdio>
#include <cstdlib>
#include <fmt/core.h>
#include <stdexcept>
#include <unistd.h>

namespace llmops::cli {

namespace {
bool colour_allowed(const GlobalOptions& options, int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    if (options.no_color || (no_color && *no_color)) return false;
    return ::isatty(fd) != 0;
}
} // namespace

bool CliContext::color_stderr() const {
    return colour_allowed(options, STDERR_FILENO);
}
bool CliContext::color_stdout() const {
    return colour_allowed(options, STDOUT_FILENO);
}
bool CliContext::stderr_is_tty() const {
    return ::isatty(STDERR_FILENO) != 0;
}

void CliContext::print_json(const nlohmann::json& value) const {
    std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
}

void CliContext::out(std::string_view text) const {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

// Everything written to stderr goes through escape_control_characters: one line per message,
// and no escape sequence from a name or value reaches the terminal.
void CliContext::note(std::string_view text) const {
    if (options.quiet) return;
    fmt::print(stderr, "{}\n", escape_control_characters(text));
}

void CliContext::verbose(std::string_view text) const {
    if (!options.verbose || options.quiet) return;
    fmt::print(stderr, "{}\n", escape_control_characters(text));
}

void CliContext::warn(std::string_view text) const {
    const std::string line = escape_control_characters(text);
    if (color_stderr())
        fmt::print(stderr, "\033[33mllmops: warning:\033[0m {}\n", line);
    else
        fmt::print(stderr, "llmops: warning: {}\n", line);
}

void CliContext::error(std::string_view text) const {
    const std::string line = escape_control_characters(text);
    if (color_stderr())
        fmt::print(stderr, "\033[31mllmops: error:\033[0m {}\n", line);
    else
        fmt::print(stderr, "llmops: error: {}\n", line);
}

namespace {

const CommandInfo& table_entry(const CLI::App& parent, const std::string& name) {
    const std::string parent_path = command_path(parent);
    const std::string path = parent_path.empty() ? name : parent_path + " " + name;
    const CommandInfo* info = find_command_info(path);
    if (!info) throw std::logic_error("command '" + path + "' is not in the command table");
    return *info;
}

CLI::App* add_table_command(CLI::App& parent, const CommandInfo& info) {
    CLI::App* sub = parent.add_subcommand(std::string(info.name()), std::string(info.summary));
    // Help lists commands by their table group; subcommands of a group under one heading.
    sub->group(info.parent().empty() ? std::string(info.group) : "Commands");
    return sub;
}

} // namespace

CLI::App* CliContext::command(CLI::App& parent, const std::string& name, std::function<int()> fn) {
    const CommandInfo& info = table_entry(parent, name);
    if (!runs_itself(info))
        throw std::logic_error("command '" + std::string(info.path) + "' is a group");
    CLI::App* sub = add_table_command(parent, info);
    // Global options on every command, so they show in its help and work after its name.
    add_global_options(*sub, options);
    if (is_command_group(info.path)) sub->require_subcommand(0, 1);
    // CLI11 calls a parent's callback after its subcommand's: a group that runs itself
    // (`deploy PROMPT`) leaves the action to the subcommand named (`deploy status`).
    sub->callback([this, sub, &info, fn = std::move(fn)] {
        if (!sub->get_subcommands().empty()) return;
        action = fn;
        chosen = &info;
    });
    return sub;
}

CLI::App* CliContext::group(CLI::App& parent, const std::string& name) {
    const CommandInfo& info = table_entry(parent, name);
    if (runs_itself(info))
        throw std::logic_error("command '" + std::string(info.path) + "' is not a group");
    CLI::App* sub = add_table_command(parent, info);
    sub->require_subcommand(1);
    return sub;
}

store::Project CliContext::open_project(store::StoreAccess access) const {
    const StoreUse granted = chosen ? chosen->store : StoreUse::None;
    if (granted == StoreUse::None ||
        (granted == StoreUse::Read && access != store::StoreAccess::Read))
        throw std::logic_error(fmt::format("command '{}' opens the store beyond its table entry",
                                           chosen ? chosen->path : ""));
    return store::Project::open(project_paths(), access);
}

std::string command_path(const CLI::App& app) {
    std::string path;
    for (const CLI::App* at = &app; at->get_parent() != nullptr; at = at->get_parent())
        path = path.empty() ? at->get_name() : at->get_name() + " " + path;
    return path;
}

void add_global_options(CLI::App& app, GlobalOptions& options) {
    app.add_option("-C", options.directory, "Run as if llmops was started in DIR")
        ->option_text("DIR")
        ->group("Global options");
    app.add_flag("--json", options.json, "Print results as JSON")->group("Global options");
    app.add_flag("-q,--quiet", options.quiet, "Print only results and errors")
        ->group("Global options");
    app.add_flag("-v,--verbose", options.verbose, "Print more about what happens")
        ->group("Global options");
    app.add_flag("--no-color", options.no_color, "Never colour output (also: NO_COLOR=1)")
        ->group("Global options");
}

std::string human_bytes(std::uint64_t bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    if (unit == 0) return fmt::format("{} B", bytes);
    return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

} // namespace llmops::cli
