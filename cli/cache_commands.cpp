// llmops cache stats | clear: the provider response cache (docs/providers.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "option_rules.hpp"
#include "provider/cache_json.hpp"
#include "provider/provider_config.hpp"
#include "provider/response_cache.hpp"

#include <fmt/core.h>

namespace llmops::cli {

namespace {

int cmd_cache_stats(CliContext& ctx) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    provider::CacheStats s = provider::cache_stats(project.db());
    if (ctx.json()) {
        ctx.print_json(provider::to_json(s));
        return 0;
    }
    std::string text =
        fmt::format("{:<10}{:>10}\n{:<10}{:>10}\n{:<10}{:>10}\n", "entries", s.entries, "size",
                    human_bytes(static_cast<std::uint64_t>(s.bytes)), "hits", s.hits);
    if (s.entries > 0)
        text += fmt::format("{:<10}{}\n{:<10}{}\n", "oldest", s.oldest, "newest", s.newest);
    if (!s.groups.empty()) {
        text += fmt::format("\n{:<12}{:<32}{:>10}{:>10}{:>10}\n", "PROVIDER", "MODEL", "ENTRIES",
                            "SIZE", "HITS");
        for (const auto& g : s.groups)
            text +=
                fmt::format("{:<12}{:<32}{:>10}{:>10}{:>10}\n", g.provider_type, g.model, g.entries,
                            human_bytes(static_cast<std::uint64_t>(g.bytes)), g.hits);
    }
    ctx.out(text);
    return 0;
}

// `age`: seconds (the option's rule has turned "7d" into 604800).
int cmd_cache_clear(CliContext& ctx, const std::optional<double>& age) {
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    std::int64_t removed = provider::cache_clear(project.db(), age);
    if (ctx.json())
        ctx.print_json(provider::cache_clear_json(removed));
    else
        ctx.note(fmt::format("removed {} cached response{}", removed, removed == 1 ? "" : "s"));
    return 0;
}

} // namespace

void register_cache_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* cache = ctx.group(app, "cache");
    ctx.command(*cache, "stats", [&ctx] { return cmd_cache_stats(ctx); });
    static std::optional<double> older_than;
    ctx.command(*cache, "clear", [&ctx] { return cmd_cache_clear(ctx, older_than); })
        ->add_option("--older-than", older_than,
                     "Only entries created longer ago than this (30m, 12h, 7d; at most 36500d)")
        ->transform(duration_seconds(0, 36500.0 * 86400))
        ->option_text("DURATION");
}

} // namespace llmops::cli
