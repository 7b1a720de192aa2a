// prompt add / list / show / log / diff / label. `prompt render` is in prompt_render_command.cpp.
#include "cli_context.hpp"
#include "core/error.hpp"
#include "option_rules.hpp"
#include "prompt/prompt_diff.hpp"
#include "prompt/prompt_json.hpp"
#include "prompt/prompt_registry.hpp"
#include "prompt/spec_yaml.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

namespace llmops::cli {

// Defined in prompt_render_command.cpp.
void register_prompt_render_command(CLI::App& prompt, CliContext& ctx);

namespace {

std::string short_hash(const std::string& hash) {
    return hash.substr(0, 12);
}

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
    return fmt::format("{}", fmt::join(items, sep));
}

std::string where_text(const ErrorLocation& where) {
    return where.empty() ? std::string() : " (" + where.to_string() + ")";
}

struct AddOptions {
    std::string file;
    std::string message;
};

int cmd_add(CliContext& ctx, const AddOptions& options) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    prompt::PromptRegistry registry(project);
    prompt::AddResult result = registry.add_file(options.file, options.message);
    const auto& v = result.version;
    if (ctx.json()) {
        ctx.print_json(prompt::to_json(result));
        return 0;
    }
    for (const auto& w : result.warnings)
        ctx.warn(w.message + where_text(w.where));
    if (result.created)
        ctx.out(fmt::format("added {} ({})\n", v.ref(), short_hash(v.hash)));
    else
        ctx.out(fmt::format("unchanged: {} has the same content ({}); no new version\n", v.ref(),
                            short_hash(v.hash)));
    return 0;
}

int cmd_list(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    prompt::PromptRegistry registry(project);
    auto prompts = registry.list();
    if (ctx.json()) {
        ctx.print_json(prompt::to_json(prompts));
        return 0;
    }
    if (prompts.empty()) {
        ctx.note("no prompts yet: add one with 'llmops prompt add FILE.yaml'");
        return 0;
    }
    std::size_t name_width = 4;
    for (const auto& s : prompts)
        name_width = std::max(name_width, s.latest.name.size());
    std::string text = fmt::format("{:<{}}  {:>6}  {:<24}  {:<24}  {}\n", "NAME", name_width,
                                   "LATEST", "UPDATED", "LABELS", "DESCRIPTION");
    for (const auto& s : prompts) {
        std::vector<std::string> labels;
        for (const auto& [label, number] : s.labels)
            labels.push_back(fmt::format("{}@{}", label, number));
        text += fmt::format("{:<{}}  {:>6}  {:<24}  {:<24}  {}\n", s.latest.name, name_width,
                            s.latest.number, s.latest.created_at,
                            labels.empty() ? "-" : join(labels), s.latest.description);
    }
    ctx.out(text);
    return 0;
}

int cmd_show(CliContext& ctx, const std::string& ref) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    prompt::PromptRegistry registry(project);
    prompt::PromptVersionInfo v = registry.resolve(ref);
    nlohmann::json spec = registry.load_document(v);
    if (ctx.json()) {
        ctx.print_json(prompt::version_with_spec_json(v, spec));
        return 0;
    }
    // The header is YAML comments, so `prompt show REF > file.yaml` gives an addable spec.
    std::string text =
        fmt::format("# {}  {}\n# hash {}\n# added {}", v.ref(),
                    v.labels.empty() ? "" : "(" + join(v.labels) + ")", v.hash, v.created_at);
    if (!v.source.empty()) text += " from " + v.source;
    text += '\n';
    if (!v.message.empty()) text += "# message: " + v.message + "\n";
    if (!v.parent_ref.empty()) text += "# extends " + v.parent_ref + "\n";
    text += prompt::spec_to_yaml(spec);
    ctx.out(text);
    return 0;
}

int cmd_log(CliContext& ctx, const std::string& name) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    prompt::PromptRegistry registry(project);
    auto versions = registry.versions(name);
    auto events = registry.label_history(name);
    if (ctx.json()) {
        ctx.print_json(prompt::log_json(name, versions, events));
        return 0;
    }
    std::string text;
    for (const auto& v : versions) {
        text += fmt::format("{}  {}  {}", v.ref(), short_hash(v.hash), v.created_at);
        if (!v.labels.empty()) text += "  (" + join(v.labels) + ")";
        if (!v.parent_ref.empty()) text += "  extends " + v.parent_ref;
        if (!v.message.empty()) text += "  " + v.message;
        text += '\n';
    }
    if (!events.empty()) {
        text += "\nlabel history:\n";
        for (const auto& e : events) {
            if (e.from_number)
                text += fmt::format("{}  {}  moved {} -> {}\n", e.created_at, e.label,
                                    *e.from_number, e.to_number);
            else
                text += fmt::format("{}  {}  set to {}\n", e.created_at, e.label, e.to_number);
        }
    }
    ctx.out(text);
    return 0;
}

struct DiffOptions {
    std::string a;
    std::string b;
    int context = 3;
    bool exit_code = false;
};

int cmd_diff(CliContext& ctx, const DiffOptions& options) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    prompt::PromptRegistry registry(project);
    prompt::PromptVersionInfo a = registry.resolve(options.a);
    prompt::PromptVersionInfo b = registry.resolve(options.b);
    prompt::PromptDiff diff = prompt::diff_specs(a.ref(), registry.load_document(a), b.ref(),
                                                 registry.load_document(b), options.context);
    if (ctx.json()) {
        ctx.print_json(prompt::to_json(diff, a, b));
    } else if (diff.identical) {
        ctx.note(fmt::format("{} and {} are identical", a.ref(), b.ref()));
    } else {
        ctx.out(diff.unified);
    }
    // Like `git diff --exit-code`: scripts can ask for 1 when the versions differ.
    return options.exit_code && !diff.identical ? 1 : 0;
}

struct LabelOptions {
    std::string ref;
    std::string label;
};

int cmd_label(CliContext& ctx, const LabelOptions& options) {
    prompt::validate_label(options.label); // a usage error before the store is touched
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    prompt::PromptRegistry registry(project);
    prompt::LabelChange change = registry.set_label(options.ref, options.label);
    std::string name = prompt::parse_prompt_ref(options.ref).name;
    if (ctx.json()) {
        ctx.print_json(prompt::to_json(change, name));
        return 0;
    }
    if (!change.changed)
        ctx.out(
            fmt::format("{}@{} already names {}@{}\n", name, change.label, name, change.to_number));
    else if (change.from_number)
        ctx.out(fmt::format("moved {}@{}: {} -> {}\n", name, change.label, *change.from_number,
                            change.to_number));
    else
        ctx.out(fmt::format("set {}@{} -> {}\n", name, change.label, change.to_number));
    return 0;
}

} // namespace

void register_prompt_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* prompt_cmd = ctx.group(app, "prompt");

    auto add = std::make_shared<AddOptions>();
    CLI::App* c = ctx.command(*prompt_cmd, "add", [&ctx, add] { return cmd_add(ctx, *add); });
    c->add_option("file", add->file, "Prompt spec file (YAML)")->required();
    c->add_option("-m,--message", add->message, "What changed in this version");

    ctx.command(*prompt_cmd, "list", [&ctx] { return cmd_list(ctx); });

    auto show_ref = std::make_shared<std::string>();
    ctx.command(*prompt_cmd, "show", [&ctx, show_ref] { return cmd_show(ctx, *show_ref); })
        ->add_option("ref", *show_ref, "NAME, NAME@N, NAME@label or NAME@hash")
        ->required();

    auto log_name = std::make_shared<std::string>();
    ctx.command(*prompt_cmd, "log", [&ctx, log_name] { return cmd_log(ctx, *log_name); })
        ->add_option("name", *log_name, "Prompt name")
        ->required();

    auto diff = std::make_shared<DiffOptions>();
    c = ctx.command(*prompt_cmd, "diff", [&ctx, diff] { return cmd_diff(ctx, *diff); });
    c->add_option("ref_a", diff->a, "The old version")->required();
    c->add_option("ref_b", diff->b, "The new version")->required();
    c->add_option("-U,--unified", diff->context, "Lines of context, 0-10000 (default 3)")
        ->check(whole_number(0, 10000))
        ->option_text("N");
    c->add_flag("--exit-code", diff->exit_code, "Exit 1 when the versions differ");

    auto label = std::make_shared<LabelOptions>();
    c = ctx.command(*prompt_cmd, "label", [&ctx, label] { return cmd_label(ctx, *label); });
    c->add_option("ref", label->ref, "The version: NAME@N, NAME@label, NAME@hash or NAME")
        ->required();
    c->add_option("label", label->label, "The label to set or move")->required();

    register_prompt_render_command(*prompt_cmd, ctx);
}

} // namespace llmops::cli
