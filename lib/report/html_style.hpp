#pragma once
// The look the HTML reports share (eval report, monitoring dashboard): page, headings, tables.
// Each report appends its own rules after these.
#include <string_view>

namespace llmops::report {

inline constexpr std::string_view kBaseStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1400px;
 padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #dde}
.sub{color:#667;margin-top:0}
table{border-collapse:collapse;margin:.4rem 0 1rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eef;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f5f6fa;font-weight:600}
)";

} // namespace llmops::report
