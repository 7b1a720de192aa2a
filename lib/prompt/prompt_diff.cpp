#include "prompt/prompt_diff.hpp"

#include <algorithm>

#include <dtl/dtl.hpp>

#include "prompt/spec_yaml.hpp"

namespace llmops::prompt {

namespace {

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

// dtl gives the edit script; hunks are cut here so the context width is ours and the header
// counts follow GNU diff (a zero-length side starts at the line before).
struct Edit {
    dtl::edit_t type;
    const std::string* line;
};

std::string range(long start, long count) {
    if (count == 0) return std::to_string(start) + ",0";
    if (count == 1) return std::to_string(start);
    return std::to_string(start) + "," + std::to_string(count);
}

} // namespace

PromptDiff diff_texts(std::string_view label_a, std::string_view text_a, std::string_view label_b,
                      std::string_view text_b, int context) {
    std::vector<std::string> a = split_lines(text_a);
    std::vector<std::string> b = split_lines(text_b);
    dtl::Diff<std::string, std::vector<std::string>> diff(a, b);
    diff.compose();

    std::vector<Edit> edits;
    PromptDiff result;
    const auto sequence = diff.getSes().getSequence(); // edits point into it
    for (const auto& [line, info] : sequence) {
        edits.push_back({info.type, &line});
        if (info.type == dtl::SES_ADD) ++result.added_lines;
        if (info.type == dtl::SES_DELETE) ++result.removed_lines;
    }
    result.identical = result.added_lines == 0 && result.removed_lines == 0;
    if (result.identical) return result;

    std::string& out = result.unified;
    out += "--- " + std::string(label_a) + "\n+++ " + std::string(label_b) + "\n";
    const long n = static_cast<long>(edits.size());
    long i = 0;
    // Line numbers (1-based) in a and b before edits[i].
    long line_a = 1, line_b = 1;
    std::vector<long> pos_a(static_cast<std::size_t>(n) + 1),
        pos_b(static_cast<std::size_t>(n) + 1);
    for (long k = 0; k < n; ++k) {
        pos_a[static_cast<std::size_t>(k)] = line_a;
        pos_b[static_cast<std::size_t>(k)] = line_b;
        if (edits[static_cast<std::size_t>(k)].type != dtl::SES_ADD) ++line_a;
        if (edits[static_cast<std::size_t>(k)].type != dtl::SES_DELETE) ++line_b;
    }
    pos_a[static_cast<std::size_t>(n)] = line_a;
    pos_b[static_cast<std::size_t>(n)] = line_b;
    auto changed = [&](long k) {
        return edits[static_cast<std::size_t>(k)].type != dtl::SES_COMMON;
    };
    while (i < n) {
        while (i < n && !changed(i))
            ++i;
        if (i >= n) break;
        long begin = std::max(0L, i - context);
        // Extend the hunk while the next change is within 2*context common lines.
        long end = i;
        while (true) {
            while (end < n && changed(end))
                ++end;
            long next = end;
            while (next < n && !changed(next))
                ++next;
            if (next < n && next - end <= 2L * context) {
                end = next;
                continue;
            }
            end = std::min(n, end + context);
            break;
        }
        long count_a = 0, count_b = 0;
        for (long k = begin; k < end; ++k) {
            if (edits[static_cast<std::size_t>(k)].type != dtl::SES_ADD) ++count_a;
            if (edits[static_cast<std::size_t>(k)].type != dtl::SES_DELETE) ++count_b;
        }
        long start_a = pos_a[static_cast<std::size_t>(begin)] - (count_a == 0 ? 1 : 0);
        long start_b = pos_b[static_cast<std::size_t>(begin)] - (count_b == 0 ? 1 : 0);
        out += "@@ -" + range(start_a, count_a) + " +" + range(start_b, count_b) + " @@\n";
        // Within each run of changes, removed lines come before added ones, as in diff -u
        // (dtl's edit script may interleave them).
        for (long k = begin; k < end;) {
            if (!changed(k)) {
                out += ' ' + *edits[static_cast<std::size_t>(k)].line + '\n';
                ++k;
                continue;
            }
            long run_end = k;
            while (run_end < end && changed(run_end))
                ++run_end;
            for (dtl::edit_t type : {dtl::SES_DELETE, dtl::SES_ADD})
                for (long r = k; r < run_end; ++r)
                    if (edits[static_cast<std::size_t>(r)].type == type)
                        out += (type == dtl::SES_ADD ? '+' : '-') +
                               *edits[static_cast<std::size_t>(r)].line + '\n';
            k = run_end;
        }
        i = end;
    }
    return result;
}

PromptDiff diff_specs(std::string_view label_a, const nlohmann::json& spec_a,
                      std::string_view label_b, const nlohmann::json& spec_b, int context) {
    return diff_texts(label_a, spec_to_yaml(spec_a), label_b, spec_to_yaml(spec_b), context);
}

} // namespace llmops::prompt
