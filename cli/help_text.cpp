#include "help_text.hpp"

#include "cli_context.hpp"
#include "command_table.hpp"

#include <fmt/format.h>
#include <sstream>

namespace llmops::cli {

namespace {

constexpr std::string_view kGlobalGroup = "Global options";

std::string full_name(const CLI::App& app) {
    const std::string path = command_path(app);
    return path.empty() ? "llmops" : "llmops " + path;
}

std::string store_note(StoreUse use) {
    switch (use) {
    case StoreUse::None:
        return "Needs no project store.";
    case StoreUse::Read:
        return "Reads the project store.";
    case StoreUse::Write:
        return "Writes to the project store.";
    }
    return {};
}

// The anchor GitHub gives the heading "#### `llmops data add`".
std::string anchor(std::string_view path) {
    std::string out = "llmops-";
    for (char c : path)
        out += c == ' ' ? '-' : c;
    return out;
}

std::string markdown_reference(const CLI::App& root, const TableFormatter& formatter) {
    std::string out = "| command | store | what it does |\n| --- | --- | --- |\n";
    for (const CommandInfo& c : command_table())
        if (runs_itself(c))
            out += fmt::format("| [`llmops {}`](#{}) | {} | {} |\n", c.path, anchor(c.path),
                               to_string(c.store), c.summary);
    std::string_view group;
    for (const CommandInfo& c : command_table()) {
        if (c.group != group) {
            group = c.group;
            out += fmt::format("\n### {}\n", group);
        }
        if (!runs_itself(c)) continue;
        const CLI::App* app = find_app(root, c.path);
        out += fmt::format("\n#### `llmops {}`\n\n{}. {}\n\n```text\n{}```\n", c.path, c.summary,
                           store_note(c.store), app ? formatter.command_body(*app) : "");
    }
    return out;
}

} // namespace

TableFormatter::TableFormatter() {
    label("SUBCOMMAND", "COMMAND");
    label("SUBCOMMANDS", "COMMANDS");
}

std::string TableFormatter::make_help(const CLI::App* app, std::string /*name*/,
                                      CLI::AppFormatMode mode) const {
    return CLI::Formatter::make_help(app, full_name(*app), mode);
}

std::string TableFormatter::make_subcommands(const CLI::App* app,
                                             CLI::AppFormatMode /*mode*/) const {
    const std::string path = command_path(*app);
    std::ostringstream out;
    std::string_view heading;
    for (const CommandInfo* c : child_commands(path)) {
        std::string_view group = path.empty() ? c->group : std::string_view("Commands");
        if (group != heading) {
            heading = group;
            out << "\n" << heading << ":\n";
        }
        CLI::detail::format_help(out, std::string(c->name()), std::string(c->summary),
                                 column_width_);
    }
    return out.str();
}

std::string TableFormatter::command_body(const CLI::App& app) const {
    std::string out = make_usage(&app, full_name(app)) + make_positionals(&app);
    for (const std::string& group : app.get_groups()) {
        if (group.empty() || group == kGlobalGroup) continue;
        auto options = app.get_options([&](const CLI::Option* o) {
            return o->get_group() == group && o->nonpositional() && o != app.get_help_ptr();
        });
        if (!options.empty()) out += make_group(group, false, options);
    }
    return out;
}

const CLI::App* find_app(const CLI::App& root, std::string_view path) {
    const CLI::App* at = &root;
    std::size_t start = 0;
    while (start < path.size()) {
        std::size_t end = path.find(' ', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string word(path.substr(start, end - start));
        auto subs = at->get_subcommands([&](const CLI::App* s) { return s->get_name() == word; });
        if (subs.empty()) return nullptr;
        at = subs.front();
        start = end + 1;
    }
    return at;
}

std::string command_reference(const CLI::App& root, bool markdown) {
    auto formatter = std::dynamic_pointer_cast<TableFormatter>(root.get_formatter());
    if (!formatter) throw std::logic_error("the root app does not use the TableFormatter");
    if (markdown) return markdown_reference(root, *formatter);
    std::string out;
    for (const CommandInfo& c : command_table()) {
        if (!runs_itself(c)) continue;
        const CLI::App* app = find_app(root, c.path);
        out += fmt::format("{}llmops {} - {}\n{}", out.empty() ? "" : "\n", c.path, c.summary,
                           app ? formatter->command_body(*app) : "");
    }
    return out;
}

} // namespace llmops::cli
