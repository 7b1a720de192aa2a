// libFuzzer target: compile arbitrary bytes as a Mustache template and render it against a
// small fixed context with partials that recurse, inherit and include each other. Malformed
// input must end in llmops::Error, never a crash, hang or sanitizer report.
#include "mustache/mustache.hpp"

#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace {

namespace mp = llmops::mustache;

const nlohmann::json& context() {
    static const nlohmann::json data = nlohmann::json::parse(R"({
        "name": "Ada <&>", "n": 3, "pi": 3.14159, "yes": true, "no": false, "nothing": null,
        "list": [1, "two", {"name": "three"}, [4]],
        "nested": {"a": {"b": {"c": "deep"}}, "list": []},
        "partial": "child", "self": "loop"
    })");
    return data;
}

const mp::PartialCache& partials() {
    static const mp::PartialCache cache(std::map<std::string, std::string>{
        {"child", "[{{name}}{{#list}}{{.}}{{/list}}]\n"},
        {"loop", "{{>loop}}"},
        {"tree", "{{#list}}{{>tree}}{{/list}}"},
        {"base", "<{{$a}}A{{/a}}|{{$b}}\n  B\n{{/b}}>"},
        {"mid", "{{<base}}{{$a}}mid{{$b}}x{{/b}}{{/a}}{{/base}}"},
        {"broken", "{{#open}}"},
    });
    return cache;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view source(reinterpret_cast<const char*>(data), size);
    try {
        mp::Template tmpl = mp::compile(source);
        (void)mp::list_variables(tmpl);
        (void)mp::referenced_partials(tmpl);
        mp::RenderOptions options;
        options.max_steps = 200000; // nested loops over lists multiply; keep each run short
        std::string out;
        mp::render_to(out, tmpl, context(), partials(), options);
        options.escape = mp::Escape::None;
        options.max_partial_depth = 16;
        out.clear();
        mp::render_to(out, tmpl, context(), partials(), options);
    } catch (const llmops::Error&) {
        // Expected for malformed templates and runaway recursion.
    }
    return 0;
}
