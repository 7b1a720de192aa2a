// llmops data profile REF [--json] [--html FILE]: statistics of a dataset version.
#include "cli_context.hpp"
#include "core/output_file.hpp"
#include "core/text.hpp"
#include "data/dataset_catalog.hpp"
#include "data/profile/dataset_profile.hpp"
#include "report/profile_html.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

namespace {

struct ProfileCliOptions {
    std::string ref;
    std::string html;
};

std::string number(double v) {
    if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e15)
        return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{:.4g}", v);
}

std::string short_value(const nlohmann::json& v, bool truncated) {
    std::string text = one_line(v.dump(), 40);
    if (truncated && !text.ends_with("...")) text += "...";
    return text;
}

std::string field_summary(const data::FieldProfile& f) {
    std::string s;
    if (f.numeric) {
        const auto& n = *f.numeric;
        s += fmt::format("min {}  max {}  mean {}  sd {}  p50 {}  p90 {}  p99 {}{}", number(n.min),
                         number(n.max), number(n.mean), number(n.stddev), number(n.percentiles.p50),
                         number(n.percentiles.p90), number(n.percentiles.p99),
                         n.exact_percentiles ? "" : " (sampled)");
    }
    if (f.text) {
        const auto& t = *f.text;
        if (!s.empty()) s += "; ";
        s += fmt::format("chars {}/{}/{} (min/mean/max)  p90 {}  words ~{}  tokens ~{} "
                         "(total {})",
                         t.chars.min, number(t.chars.mean), t.chars.max,
                         number(t.chars.percentiles ? t.chars.percentiles->p90 : 0),
                         number(t.words.mean), number(t.tokens.mean), t.tokens.total);
        if (t.empty) s += fmt::format("  empty {}", t.empty);
        if (t.control_char_values)
            s += fmt::format("  control-char values {}", t.control_char_values);
    }
    return s;
}

std::string profile_text(const data::DatasetProfile& p) {
    std::string out =
        fmt::format("dataset  {}  ({} rows, {})\n", p.dataset, p.rows, human_bytes(p.bytes));
    out += fmt::format("duplicate rows  {}{}\n", p.duplicate_rows,
                       p.duplicate_rows_exact ? "" : " (estimate)");
    if (p.near_duplicates) {
        const auto& n = *p.near_duplicates;
        out += fmt::format("near-duplicate pairs  ~{:.0f} in '{}' (Jaccard >= {}; {} of {} "
                           "sampled texts have one{})\n",
                           n.estimated_pairs, n.field, n.estimate.threshold,
                           n.estimate.texts_with_near_duplicate, n.estimate.sample_texts,
                           n.estimate.complete ? "" : "; comparison budget reached");
    }
    if (p.invalid_utf8_rows) out += fmt::format("invalid UTF-8 rows  {}\n", p.invalid_utf8_rows);
    std::size_t width = 5;
    for (const auto& f : p.fields)
        width = std::max(width, f.name.size());
    width = std::min<std::size_t>(width, 32);
    out += fmt::format("\n{:<{}}  {:<8} {:>8} {:>8} {:>10}  {}\n", "field", width, "type",
                       "missing", "null", "distinct", "summary");
    for (const auto& f : p.fields) {
        std::string distinct =
            f.profiled ? fmt::format("{}{}", f.distinct_exact ? "" : "~", f.distinct) : "-";
        out += fmt::format("{:<{}}  {:<8} {:>7.2f}% {:>7.2f}% {:>10}  {}\n", f.name, width,
                           f.inferred_type, f.missing_rate * 100, f.null_rate * 100, distinct,
                           field_summary(f));
        while (out.size() > 1 && out[out.size() - 2] == ' ')
            out.erase(out.size() - 2, 1);
    }
    out += "\ntop values\n";
    for (const auto& f : p.fields) {
        if (f.top_values.empty()) continue;
        std::string values;
        for (std::size_t i = 0; i < f.top_values.size() && i < 5; ++i)
            values += fmt::format("{}{} ({})", i ? ", " : "",
                                  short_value(f.top_values[i].value, f.top_values[i].truncated),
                                  f.top_values[i].count);
        out += fmt::format("  {:<{}}  {}\n", f.name, width, values);
    }
    return out;
}

int cmd_profile(CliContext& ctx, const ProfileCliOptions& o) {
    if (!o.html.empty()) check_output_path(o.html); // before the profile's work
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    data::DatasetVersion v = data::resolve_version(project.db(), o.ref);
    data::DatasetProfile profile = data::profile_dataset(project, v);
    if (!o.html.empty()) {
        OutputFile file(o.html);
        file.write(report::render_profile_html(profile));
        file.commit();
        ctx.note(fmt::format("wrote the HTML report to {}", o.html));
    }
    if (ctx.json())
        ctx.print_json(profile.to_json());
    else
        ctx.out(profile_text(profile));
    return 0;
}

} // namespace

void register_data_profile_command(CLI::App& data_cmd, CliContext& ctx) {
    auto o = std::make_shared<ProfileCliOptions>();
    CLI::App* c = ctx.command(data_cmd, "profile", [&ctx, o] { return cmd_profile(ctx, *o); });
    c->add_option("ref", o->ref, "Dataset reference")->required();
    c->add_option("--html", o->html, "Also write a self-contained HTML report to FILE");
}

} // namespace llmops::cli
