#pragma once
// Help text from the command table and the registered options: `llmops help`, `--help`, and
// the command reference that docs/cli.md embeds (`llmops help --all --markdown`).
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace llmops::cli {

// CLI11's formatter with the command table's order and groups, and usage lines that name the
// full command ("Usage: llmops data add [OPTIONS] paths..."). Install it on the root app
// before registering commands: subcommands inherit it.
class TableFormatter : public CLI::Formatter {
  public:
    TableFormatter();
    std::string make_help(const CLI::App* app, std::string name,
                          CLI::AppFormatMode mode) const override;
    std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const override;

    // A command's usage, arguments and own options, without the global options and footer
    // that every command's help repeats.
    std::string command_body(const CLI::App& app) const;
};

// The registered app of a command table path ("" for the root), or nullptr.
const CLI::App* find_app(const CLI::App& root, std::string_view path);

// Every command's summary and options, in table order: `llmops help --all`; as Markdown with
// `markdown`, the reference part of docs/cli.md.
std::string command_reference(const CLI::App& root, bool markdown);

} // namespace llmops::cli
