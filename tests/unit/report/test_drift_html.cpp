// lib/report/drift_html: the overlaid histogram and the escaping of everything user-provided.
#include "report/drift_html.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace llmops;

namespace {
std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}
} // namespace

TEST_CASE("overlaid histogram: two bars per bin, capped to the largest bins", "[report][drift]") {
    const std::string svg =
        report::overlaid_histogram_svg({"a", "b", "<c>"}, {0.5, 0.5, 0.0}, {0.2, 0.3, 0.5});
    CHECK(count(svg, "class=\"ref\"") == 3);
    CHECK(count(svg, "class=\"cur\"") == 3);
    CHECK(svg.find("<c>") == std::string::npos);
    CHECK(svg.find("&lt;c&gt;") != std::string::npos);
    const std::string capped =
        report::overlaid_histogram_svg({"a", "b", "c"}, {0.1, 0.6, 0.3}, {0.1, 0.6, 0.3}, 2);
    CHECK(count(capped, "class=\"ref\"") == 2);
    CHECK(capped.find(">a<") == std::string::npos); // the smallest bin is left out
    CHECK(report::overlaid_histogram_svg({}, {}, {}).empty());
}

TEST_CASE("drift HTML escapes column names, skip reasons and examples", "[report][drift]") {
    drift::DriftReport r;
    r.reference = "ref@1";
    r.current = "cur@<2>";
    r.tested = 1;
    drift::ColumnResult skipped;
    skipped.column = "<script>x</script>";
    skipped.skipped = "missing in <current>";
    drift::ColumnResult text;
    text.column = "q";
    text.kind = drift::ColumnKind::Text;
    drift::DomainClassifierResult k;
    k.roc_auc = 0.9;
    k.drifted = true;
    k.current_terms = {{"<b>", 1.5}};
    k.current_examples = {"<img src=x>"};
    text.content = k;
    text.drifted = true;
    r.columns = {skipped, text};
    const std::string html = report::render_drift_html(r);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("missing in &lt;current&gt;") != std::string::npos);
    CHECK(html.find("&lt;b&gt;") != std::string::npos);
    CHECK(html.find("cur@&lt;2&gt;") != std::string::npos);
}
