#pragma once
// What every command gets: the global options and the output conventions of docs/cli.md.
#include "command_table.hpp"
#include "store/project.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::cli {

struct GlobalOptions {
    std::string directory; // -C
    bool json = false;
    bool quiet = false;
    bool verbose = false;
    bool no_color = false;
};

class CliContext {
  public:
    GlobalOptions options;
    // The chosen command's work; set by its CLI11 callback, run by main() after parsing so
    // that -C and the other global options are known first. Returns the exit code.
    std::function<int()> action;
    // The chosen command's entry in the command table.
    const CommandInfo* chosen = nullptr;

    // Registers the command `parent name` of the command table (its help comes from there):
    // its callback records fn as the action to run. Throws std::logic_error for a command
    // the table does not list.
    CLI::App* command(CLI::App& parent, const std::string& name, std::function<int()> fn);
    // Registers a group of the command table (data, prompt ...): subcommands only.
    CLI::App* group(CLI::App& parent, const std::string& name);

    bool json() const { return options.json; }
    bool color_stderr() const;
    bool color_stdout() const;
    bool stderr_is_tty() const;

    // Results go to stdout.
    void print_json(const nlohmann::json& value) const;
    void out(std::string_view text) const;
    // Progress and notes go to stderr; silenced by -q.
    void note(std::string_view text) const;
    void verbose(std::string_view text) const;
    void warn(std::string_view text) const;
    // A failure the exit code reports (a threshold not met, rows that failed): the same
    // "llmops: error:" line as an error that stops a command.
    void error(std::string_view text) const;

    store::ProjectPaths project_paths() const { return store::locate_project(); }
    // Opens the project store; the access must be one the command table grants the chosen
    // command (std::logic_error otherwise: the table would be lying).
    store::Project open_project(store::StoreAccess access) const;
};

// Adds the global options to an app or subcommand so they work before or after the command.
void add_global_options(CLI::App& app, GlobalOptions& options);

// The command table path of a registered app: "data add" ("" for the root).
std::string command_path(const CLI::App& app);

std::string human_bytes(std::uint64_t bytes);

// Command groups register themselves on the root app; see main.cpp.
void register_store_commands(CLI::App& app, CliContext& ctx);
void register_data_commands(CLI::App& app, CliContext& ctx);
// dedup, split, transform, merge, sample; called by register_data_commands on its `data` app.
void register_data_ops_commands(CLI::App& data_cmd, CliContext& ctx);
// data profile; called by register_data_commands on its `data` app.
void register_data_profile_command(CLI::App& data_cmd, CliContext& ctx);
void register_prompt_commands(CLI::App& app, CliContext& ctx);
void register_cache_commands(CLI::App& app, CliContext& ctx);
void register_run_commands(CLI::App& app, CliContext& ctx);
void register_eval_commands(CLI::App& app, CliContext& ctx);
void register_index_commands(CLI::App& app, CliContext& ctx);
void register_deploy_commands(CLI::App& app, CliContext& ctx);
// `deploy check` (cli/deploy_check_command.cpp), under the deploy command.
void register_deploy_check_command(CLI::App& deploy, CliContext& ctx);
// `monitor report` (cli/monitor_report_command.cpp), under the monitor command.
void register_monitor_report_command(CLI::App& monitor_app, CliContext& ctx);
// serve, logs, keys.
void register_serve_commands(CLI::App& app, CliContext& ctx);
// monitor, monitor check (cli/monitor_commands.cpp).
void register_monitor_commands(CLI::App& app, CliContext& ctx);
// remote add/list/remove, push, pull, clone (cli/remote_commands.cpp).
void register_remote_commands(CLI::App& app, CliContext& ctx);
// scan, scan eval (cli/scan_commands.cpp); data scan is registered by register_data_commands.
void register_scan_commands(CLI::App& app, CliContext& ctx);
void register_data_scan_command(CLI::App& data_cmd, CliContext& ctx);
void register_drift_command(CLI::App& app, CliContext& ctx);
// pipeline run, status, dag, log (cli/pipeline_commands.cpp).
void register_pipeline_commands(CLI::App& app, CliContext& ctx);
// feedback (cli/feedback_commands.cpp), finetune (cli/finetune_commands.cpp), review
// (cli/review_command.cpp).
void register_feedback_commands(CLI::App& app, CliContext& ctx);
void register_finetune_commands(CLI::App& app, CliContext& ctx);
void register_review_command(CLI::App& app, CliContext& ctx);
// help and completion; they describe the whole tree, so they come last.
void register_help_commands(CLI::App& app, CliContext& ctx);

} // namespace llmops::cli
