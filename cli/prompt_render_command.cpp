// prompt render: a stored prompt for variables or dataset rows, or a raw template file.
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "data/dataset_rows.hpp"
#include "interrupt.hpp"
#include "mustache/mustache.hpp"
#include "mustache/partial_folder.hpp"
#include "option_rules.hpp"
#include "prompt/openai_batch.hpp"
#include "prompt/prompt_json.hpp"
#include "prompt/prompt_registry.hpp"
#include "prompt/prompt_render.hpp"
#include "json/yaml_document.hpp"

#include <cstdio>
#include <fmt/core.h>

namespace llmops::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct RenderCliOptions {
    std::string ref;
    std::vector<std::string> vars;
    std::string vars_file;
    std::string data;
    std::optional<std::int64_t> row;
    std::string id; // --id: the row whose `id` field is this
    std::optional<std::int64_t> limit;
    std::string format; // text, json, openai; empty = text (json with --data or --json)
    std::string template_file;
    std::string partials_dir;
    std::string escape; // none (default) or html
    bool allow_missing = false;
};

struct VarAssignment {
    std::string name;
    std::string text;
};

std::vector<VarAssignment> parse_assignments(const std::vector<std::string>& vars) {
    std::vector<VarAssignment> out;
    for (const auto& v : vars) {
        auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0)
            throw_usage("--var expects NAME=VALUE, got '" + v + "'",
                        "e.g. --var question='What is 2+2?'");
        out.push_back({v.substr(0, eq), v.substr(eq + 1)});
    }
    return out;
}

json load_vars_file(const std::string& path) {
    if (path.empty()) return json::object();
    YamlDocument doc = load_yaml_file(path); // JSON is YAML too
    if (!doc.value.is_object())
        throw Error(ErrorKind::BadInput, "--vars file must hold an object of variables",
                    doc.location_of(""));
    return doc.value;
}

void check_combinations(const RenderCliOptions& o) {
    if (o.ref.empty() == o.template_file.empty())
        throw_usage("prompt render needs either a prompt REF or --template-file, not both",
                    "llmops prompt render NAME@production --var k=v");
    if (!o.template_file.empty()) {
        if (!o.data.empty())
            throw_usage("--data works with a stored prompt REF, not --template-file");
        if (o.format == "openai") throw_usage("--format openai needs a stored prompt REF");
    } else {
        if (!o.partials_dir.empty() || !o.escape.empty() || o.allow_missing)
            throw_usage(
                "--partials-dir, --escape and --allow-missing apply to --template-file only");
    }
    const bool one_row = o.row || !o.id.empty();
    if ((one_row || o.limit) && o.data.empty()) throw_usage("--row, --id and --limit need --data");
    if (o.row && !o.id.empty()) throw_usage("use --row or --id, not both");
    if (one_row && o.limit) throw_usage("use --row (or --id) or --limit, not both");
    if (!o.data.empty() && o.format == "text" && !one_row)
        throw_usage("--format text renders one row: add --row N or --id ID",
                    "several rows print as JSON lines: --format json or --format openai");
}

// Text form of the messages: a "[role]" line before each, a blank line between them.
std::string messages_text(const prompt::RenderedPrompt& r) {
    if (r.completion) return r.text;
    std::string out;
    for (std::size_t i = 0; i < r.messages.size(); ++i) {
        const auto& m = r.messages[i];
        if (i > 0) out += '\n';
        out += "[" + m.role + (m.name.empty() ? "" : " " + m.name) + "]\n";
        out += m.content;
        if (m.content.empty() || m.content.back() != '\n') out += '\n';
    }
    return out;
}

class BufferedStdout {
  public:
    ~BufferedStdout() { flush(); }
    std::string& buffer() { return buffer_; }
    void maybe_flush() {
        if (buffer_.size() >= (1u << 16)) flush();
    }
    void flush() {
        std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
        buffer_.clear();
    }

  private:
    std::string buffer_;
};

int render_rows(CliContext& ctx, store::Project& project, prompt::PromptRenderer& renderer,
                const json& constants, const RenderCliOptions& o) {
    const bool openai = o.format == "openai";
    const prompt::CompiledPrompt& p = renderer.prompt();
    BufferedStdout out;
    prompt::RenderedPrompt rendered;
    std::int64_t rendered_rows = 0;
    bool found_row = false;
    const bool one_row = o.row || !o.id.empty();
    data::for_each_row(project, o.data, [&](std::string_view text, std::int64_t index) {
        if (interrupt_flag()->load()) throw Error(ErrorKind::Interrupted, "interrupted");
        if (o.row && index < *o.row) return true;
        if (!o.id.empty() && data::row_id(text) != o.id) return true;
        json vars = json::parse(text);
        for (auto it = constants.begin(); it != constants.end(); ++it)
            vars[it.key()] = *it;
        renderer.render(std::move(vars), rendered, static_cast<long>(index));
        if (o.format == "text") {
            out.buffer() += messages_text(rendered);
        } else if (openai) {
            prompt::append_openai_batch_line(p, rendered, static_cast<long>(index), out.buffer());
        } else {
            prompt::append_rendered_json_line(p, rendered, static_cast<long>(index), out.buffer());
        }
        out.maybe_flush();
        ++rendered_rows;
        if (one_row) {
            found_row = true;
            return false;
        }
        return !(o.limit && rendered_rows >= *o.limit);
    });
    if (o.row && !found_row)
        throw Error(
            ErrorKind::BadInput,
            fmt::format("dataset {} has no row {} (rows are numbered from 0)", o.data, *o.row));
    if (!o.id.empty() && !found_row)
        throw Error(ErrorKind::BadInput,
                    fmt::format("dataset {} has no row with id '{}'", o.data, o.id));
    out.flush();
    ctx.verbose(fmt::format("rendered {} rows", rendered_rows));
    return 0;
}

int render_stored(CliContext& ctx, const RenderCliOptions& o) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    prompt::PromptRegistry registry(project);
    prompt::CompiledPromptPtr p = registry.load(registry.resolve(o.ref));

    // Constants for every rendering: --vars, then --var (the command line wins).
    json constants = load_vars_file(o.vars_file);
    for (const auto& a : parse_assignments(o.vars)) {
        if (!p->variables.count(a.name) && o.data.empty())
            ctx.warn(fmt::format("variable '{}' is not declared by prompt {}", a.name, p->display));
        constants[a.name] = prompt::variable_from_text(*p, a.name, a.text);
    }
    prompt::PromptRenderer renderer(p);
    if (!o.data.empty()) return render_rows(ctx, project, renderer, constants, o);

    prompt::RenderedPrompt rendered = renderer.render(constants);
    std::string format = o.format.empty() ? (ctx.json() ? "json" : "text") : o.format;
    if (format == "json")
        ctx.print_json(prompt::rendered_to_json(*p, rendered));
    else if (format == "openai")
        ctx.print_json(prompt::openai_request_body(*p, rendered));
    else
        ctx.out(messages_text(rendered));
    return 0;
}

int render_template_file(CliContext& ctx, const RenderCliOptions& o) {
    std::string source = read_file(o.template_file);
    mustache::Template tmpl = mustache::compile(source, {.name = o.template_file});
    json vars = load_vars_file(o.vars_file);
    for (const auto& a : parse_assignments(o.vars))
        vars[a.name] = a.text;
    if (!o.partials_dir.empty() && !fs::is_directory(o.partials_dir))
        throw Error(ErrorKind::BadInput, "--partials-dir is not a folder",
                    ErrorLocation{.file = o.partials_dir});
    mustache::PartialCache partials = mustache::partials_from_folder(o.partials_dir);
    mustache::RenderOptions options;
    options.escape = o.escape == "html" ? mustache::Escape::Html : mustache::Escape::None;
    options.strict_variables = !o.allow_missing;
    options.strict_partials = !o.allow_missing;
    std::string text = mustache::render(tmpl, vars, partials, options);
    if (o.format == "json" || (o.format.empty() && ctx.json()))
        ctx.print_json(prompt::template_render_json(o.template_file, text));
    else
        ctx.out(text);
    return 0;
}

int cmd_render(CliContext& ctx, const RenderCliOptions& o) {
    check_combinations(o);
    InterruptGuard interrupt; // renders and the row loop poll it: Ctrl-C exits 130
    return o.template_file.empty() ? render_stored(ctx, o) : render_template_file(ctx, o);
}

} // namespace

void register_prompt_render_command(CLI::App& prompt_cmd, CliContext& ctx) {
    auto o = std::make_shared<RenderCliOptions>();
    CLI::App* c = ctx.command(prompt_cmd, "render", [&ctx, o] { return cmd_render(ctx, *o); });
    c->add_option("ref", o->ref, "NAME, NAME@N, NAME@label or NAME@hash");
    c->add_option("--var", o->vars, "A variable, NAME=VALUE (repeatable)")
        ->option_text("NAME=VALUE");
    c->add_option("--vars", o->vars_file, "Variables from a JSON or YAML file (an object)");
    c->add_option("--data", o->data, "Render once per row of this dataset (JSON lines)");
    c->add_option("--row", o->row, "With --data: only row N (0-based)")
        ->check(whole_number(0))
        ->option_text("N");
    c->add_option("--id", o->id, "With --data: only the row whose 'id' field is ID")
        ->option_text("ID");
    c->add_option("--limit", o->limit, "With --data: the first N rows (N >= 1)")
        ->check(whole_number(1))
        ->option_text("N");
    c->add_option("--format", o->format,
                  "text (default; with --data only for one row), json, or openai (the request "
                  "body)")
        ->check(CLI::IsMember({"text", "json", "openai"}));
    c->add_option("--template-file", o->template_file,
                  "Render a raw Mustache template file instead");
    c->add_option("--partials-dir", o->partials_dir,
                  "With --template-file: folder of NAME.mustache partials");
    c->add_option("--escape", o->escape, "With --template-file: none (default) or html")
        ->check(CLI::IsMember({"none", "html"}));
    c->add_flag("--allow-missing", o->allow_missing,
                "With --template-file: render missing variables and partials as empty");
}

} // namespace llmops::cli
