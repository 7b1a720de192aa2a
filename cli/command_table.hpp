#pragma once
// The command table, like git's git.c: every llmops command and subcommand with the group that
// lists it, its one-line help and what it needs of the project store. Registration
// (CliContext::command), `llmops help`, the reference in docs/cli.md and shell completion all
// read it, so a command cannot be added to one and forgotten in another.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::cli {

// What a command needs of the project store. Write also covers gc's exclusive lock.
enum class StoreUse { None, Read, Write };
std::string_view to_string(StoreUse use);

struct CommandInfo {
    std::string_view path;    // the words after `llmops`: "data add"; a group has children
    std::string_view group;   // the section that lists it: "Data", "Evaluation" ...
    std::string_view summary; // one line, no final full stop
    StoreUse store = StoreUse::None;
    // A group that is also a command of its own: `deploy PROMPT` besides `deploy status`.
    bool runs_itself = false;

    // The last word of the path: "add" for "data add".
    std::string_view name() const;
    // The path without its last word: "data" for "data add", "" at the top level.
    std::string_view parent() const;
};

// Every command, groups before their children, in the order help lists them.
std::span<const CommandInfo> command_table();

// The entry for a path ("data add"), or nullptr.
const CommandInfo* find_command_info(std::string_view path);

// The direct children of a path ("" for the top level), in table order.
std::vector<const CommandInfo*> child_commands(std::string_view path);

// A group: a command with subcommands (data, prompt, runs, deploy ...).
bool is_command_group(std::string_view path);

// A command that does something itself: any but a group that only holds subcommands.
bool runs_itself(const CommandInfo& command);

// What words after a command that runs itself, and are not its subcommands, are: its
// arguments (`llmops run P`, `llmops deploy P`), or an error (`llmops help data add extra`).
enum class ExtraWords { Arguments, Error };

// Resolves the words the user typed ("data", "add") to a table entry. Throws a usage error
// ("unknown command 'data frobnicate'", with a "did you mean" hint when one is close) for a
// word that names no command. Returns nullptr for no words (the top level).
const CommandInfo* resolve_command(const std::vector<std::string>& words, ExtraWords extra);

} // namespace llmops::cli
