// Unit tests for the Mustache engine beyond the spec suite: prompt mode, errors and their
// positions, limits, large inputs, variable listing and missing-variable reporting.
#include "mustache/mustache.hpp"

#include "core/error.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace mp = llmops::mustache;
using nlohmann::json;

mp::RenderOptions prompt_mode() {
    mp::RenderOptions options;
    options.escape = mp::Escape::None;
    return options;
}

std::string render_prompt(std::string_view source, const json& data) {
    return mp::render(mp::compile(source), data, prompt_mode());
}

// Compiles `source` and returns the error it throws.
llmops::Error compile_error(std::string_view source, std::string name = "prompt.yaml") {
    mp::CompileOptions options;
    options.name = std::move(name);
    try {
        mp::compile(source, options);
    } catch (const llmops::Error& e) {
        return e;
    }
    FAIL("expected a compile error for: " << source);
    throw std::logic_error("unreachable");
}

std::string nested_sections(int depth) {
    std::string source;
    for (int i = 0; i < depth; ++i)
        source += "{{#a}}";
    source += "x";
    for (int i = 0; i < depth; ++i)
        source += "{{/a}}";
    return source;
}

} // namespace

TEST_CASE("prompt mode does not escape", "[mustache]") {
    json data = {{"x", "<b> & \"quoted\" 'single'"}};
    CHECK(render_prompt("{{x}}|{{{x}}}|{{&x}}", data) ==
          "<b> & \"quoted\" 'single'|<b> & \"quoted\" 'single'|<b> & \"quoted\" 'single'");
    CHECK(mp::render(mp::compile("{{x}}|{{{x}}}"), data) ==
          "&lt;b&gt; &amp; &quot;quoted&quot; 'single'|<b> & \"quoted\" 'single'");
}

TEST_CASE("a chat prompt with a few-shot section", "[mustache]") {
    auto tmpl = mp::compile("You are {{persona}}.\n"
                            "{{#examples}}\n"
                            "Q: {{input}}\n"
                            "A: {{output}}\n"
                            "{{/examples}}\n"
                            "{{^examples}}\n"
                            "(no examples)\n"
                            "{{/examples}}\n"
                            "Q: {{question}}\n"
                            "A:");
    json data = {
        {"persona", "a <careful> assistant"},
        {"question", "2+2?"},
        {"examples", {{{"input", "1+1?"}, {"output", "2"}}, {{"input", "3+3?"}, {"output", "6"}}}}};
    CHECK(mp::render(tmpl, data, prompt_mode()) == "You are a <careful> assistant.\n"
                                                   "Q: 1+1?\nA: 2\nQ: 3+3?\nA: 6\n"
                                                   "Q: 2+2?\nA:");
    data["examples"] = json::array();
    CHECK(mp::render(tmpl, data, prompt_mode()) ==
          "You are a <careful> assistant.\n(no examples)\nQ: 2+2?\nA:");
}

TEST_CASE("values render by type", "[mustache]") {
    json data = {{"i", 42},           {"neg", -7},         {"u", 18446744073709551615ULL},
                 {"d", 1.210},        {"whole", 2.0},      {"small", 1e-7},
                 {"t", true},         {"f", false},        {"n", nullptr},
                 {"obj", {{"a", 1}}}, {"arr", {1, "two"}}, {"empty", ""}};
    CHECK(render_prompt("{{i}} {{neg}} {{u}}", data) == "42 -7 18446744073709551615");
    CHECK(render_prompt("{{d}} {{whole}} {{small}}", data) == "1.21 2 1e-07");
    CHECK(render_prompt("{{t}} {{f}} [{{n}}]", data) == "true false []");
    CHECK(render_prompt("{{obj}} {{arr}}", data) == "{\"a\":1} [1,\"two\"]");
    // Empty strings are falsey, like false, null and empty lists; zero is truthy.
    CHECK(render_prompt("{{#empty}}yes{{/empty}}{{^empty}}no{{/empty}}", data) == "no");
    CHECK(render_prompt("{{#i}}[{{.}}]{{/i}}", json{{"i", 0}}) == "[0]");
}

TEST_CASE("compile once, render many", "[mustache]") {
    auto tmpl = mp::compile("Hello {{name}}, you are {{age}}.\n");
    std::string out;
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        mp::render_to(out, tmpl, json{{"name", "user" + std::to_string(i)}, {"age", i}},
                      prompt_mode());
        REQUIRE(out == "Hello user" + std::to_string(i) + ", you are " + std::to_string(i) + ".\n");
    }
    // render_to appends.
    out = "> ";
    mp::render_to(out, tmpl, json{{"name", "a"}, {"age", 1}}, prompt_mode());
    CHECK(out == "> Hello a, you are 1.\n");
    // Copies share the compiled tree.
    mp::Template copy = tmpl;
    CHECK(mp::render(copy, json{{"name", "b"}, {"age", 2}}) == "Hello b, you are 2.\n");
    CHECK(mp::render(mp::Template(), json::object()).empty());
}

TEST_CASE("partials resolve once and render from many threads", "[mustache]") {
    std::atomic<int> calls{0};
    mp::PartialCache partials([&calls](std::string_view name) -> std::optional<std::string> {
        ++calls;
        if (name == "item") return std::string("- {{.}}\n");
        return std::nullopt;
    });
    auto tmpl = mp::compile("List:\n{{#items}}\n  {{>item}}\n{{/items}}{{>missing}}");
    json data = {{"items", {"a", "b"}}};
    auto work = [&] {
        for (int i = 0; i < 200; ++i)
            REQUIRE(mp::render(tmpl, data, partials, prompt_mode()) == "List:\n  - a\n  - b\n");
    };
    std::thread other(work);
    work();
    other.join();
    // Each name is resolved at most once per thread race, then cached (misses too).
    CHECK(calls.load() <= 4);
    CHECK(partials.find("item") != nullptr);
    CHECK(partials.find("missing") == nullptr);
}

TEST_CASE("partial indentation skips blank lines", "[mustache]") {
    mp::PartialCache partials(std::map<std::string, std::string>{{"p", "a\n\nb\n"}});
    CHECK(mp::render(mp::compile("x\n  {{>p}}\ny"), json::object(), partials) ==
          "x\n  a\n\n  b\ny");
}

TEST_CASE("inheritance for prompts that extend a base", "[mustache]") {
    mp::PartialCache partials(std::map<std::string, std::string>{
        {"base", "System: {{$system}}You are helpful.{{/system}}\n"
                 "{{$rules}}\n"
                 "  - be brief\n"
                 "{{/rules}}\n"
                 "User: {{question}}\n"}});
    auto child = mp::compile("{{<base}}\n"
                             "{{$rules}}\n"
                             "    - cite sources\n"
                             "    - answer in {{language}}\n"
                             "{{/rules}}\n"
                             "{{/base}}\n");
    CHECK(mp::render(child, json{{"question", "Why?"}, {"language", "French"}}, partials,
                     prompt_mode()) ==
          "System: You are helpful.\n  - cite sources\n  - answer in French\nUser: Why?\n");
}

TEST_CASE("dynamic partial names", "[mustache]") {
    mp::PartialCache partials(
        std::map<std::string, std::string>{{"en", "Hello {{name}}"}, {"fr", "Bonjour {{name}}"}});
    auto tmpl = mp::compile("{{>*lang}}!");
    CHECK(mp::render(tmpl, json{{"lang", "fr"}, {"name", "Ada"}}, partials) == "Bonjour Ada!");
    CHECK(mp::render(tmpl, json{{"lang", "en"}, {"name", "Ada"}}, partials) == "Hello Ada!");
    CHECK(mp::render(mp::compile("{{<*lang}}{{/*lang}}"), json{{"lang", "en"}, {"name", "B"}},
                     partials) == "Hello B");
    // A '*' starts a dynamic name only in partial and parent tags.
    CHECK(mp::render(mp::compile("{{#*x}}y{{/*x}}"), json{{"*x", true}}) == "y");
}

TEST_CASE("compile errors carry positions", "[mustache]") {
    SECTION("unclosed tag") {
        auto e = compile_error("line one\n  {{name");
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK(e.message() == "unclosed tag: no '}}' after '{{'");
        CHECK(e.where().file == "prompt.yaml");
        CHECK(e.where().line == 2);
        CHECK(e.where().column == 3);
        CHECK(std::string(e.what()) == "unclosed tag: no '}}' after '{{' (prompt.yaml:2:3)");
    }
    SECTION("unclosed triple mustache") {
        auto e = compile_error("{{{name}}");
        CHECK(e.message() == "unclosed tag: no '}}}' after '{{'");
        CHECK(e.where().line == 1);
        CHECK(e.where().column == 1);
    }
    SECTION("unclosed section") {
        auto e = compile_error("a\nb\n    {{#items}}\n{{name}}\n");
        CHECK(e.message() == "unclosed section 'items' opened at 3:5");
        CHECK(e.where().line == 3);
        CHECK(e.where().column == 5);
    }
    SECTION("unclosed block and parent") {
        CHECK(compile_error("{{$b}}x").message() == "unclosed block 'b' opened at 1:1");
        CHECK(compile_error("x{{<p}}").message() == "unclosed parent 'p' opened at 1:2");
    }
    SECTION("mismatched close names both tags") {
        auto e = compile_error("{{#items}}\n  {{#item}}{{/items}}\n");
        CHECK(e.message() ==
              "mismatched closing tag 'items': section 'item' opened at 2:3 is still open");
        CHECK(e.where().line == 2);
        CHECK(e.where().column == 12);
    }
    SECTION("close without open") {
        auto e = compile_error("ok\n{{/items}}");
        CHECK(e.message() == "closing tag 'items' has no open section");
        CHECK(e.where().line == 2);
        CHECK(e.where().column == 1);
    }
    SECTION("bad set-delimiter tags") {
        for (const char* source : {"{{=<%=}}", "{{= <% %> x =}}", "{{=a= b=}}", "{{= =}}"}) {
            INFO(source);
            auto e = compile_error(source);
            CHECK(e.message().rfind("bad set-delimiter tag", 0) == 0);
            CHECK(e.where().line == 1);
        }
        auto e = compile_error("{{=<% %>=}}\n<%a%>\n<%#b%>");
        CHECK(e.message() == "unclosed section 'b' opened at 3:1");
        auto unclosed = compile_error("{{=<% %>=}}\n<%a");
        CHECK(unclosed.message() == "unclosed tag: no '%>' after '<%'");
        CHECK(unclosed.where().line == 2);
    }
    SECTION("bad names") {
        CHECK(compile_error("{{}}").message() == "empty tag: a name is required");
        CHECK(compile_error("{{ first name }}").message() ==
              "invalid name 'first name': names cannot contain spaces");
        CHECK(compile_error("{{a..b}}").message() ==
              "invalid name 'a..b': empty part in a dotted name");
        CHECK(compile_error("{{#a.}}{{/a.}}").where().column == 1);
    }
    SECTION("partials report their own name") {
        mp::PartialCache partials(std::map<std::string, std::string>{{"broken", "x\n{{#a}}"}});
        try {
            mp::render(mp::compile("{{>broken}}"), json::object(), partials);
            FAIL("expected an error");
        } catch (const llmops::Error& e) {
            CHECK(e.where().file == "broken");
            CHECK(e.where().line == 2);
        }
    }
}

TEST_CASE("nesting limits", "[mustache]") {
    json data = {{"a", true}};
    // The default depth limit is the process's template limit (100).
    REQUIRE(mp::template_limits().max_depth == 100);
    CHECK(mp::render(mp::compile(nested_sections(100)), data) == "x");
    auto e = compile_error(nested_sections(101));
    CHECK(e.message() == "sections nested deeper than 100 levels (the template depth limit)");
    CHECK(e.where().column == 1 + 100 * 6);

    mp::CompileOptions deep;
    deep.max_depth = 512;
    CHECK(mp::render(mp::compile(nested_sections(512), deep), data) == "x");

    mp::CompileOptions shallow;
    shallow.max_depth = 3;
    CHECK_THROWS_AS(mp::compile(nested_sections(4), shallow), llmops::Error);

    // Very deep input fails cleanly rather than overflowing the stack.
    CHECK_THROWS_AS(mp::compile(nested_sections(100000)), llmops::Error);
    CHECK_THROWS_AS(mp::compile(std::string(100000, '{')), llmops::Error);
}

TEST_CASE("recursive partials stop at the depth limit", "[mustache]") {
    mp::PartialCache partials(
        std::map<std::string, std::string>{{"loop", "x{{>loop}}"},
                                           {"parent", "{{<parent}}{{/parent}}"},
                                           {"a", "{{>b}}"},
                                           {"b", "{{>a}}"}});
    for (const char* source : {"{{>loop}}", "{{<parent}}{{/parent}}", "{{>a}}"}) {
        INFO(source);
        try {
            mp::render(mp::compile(source), json::object(), partials);
            FAIL("expected an error");
        } catch (const llmops::Error& e) {
            CHECK(std::string(e.message()).find("partials nested deeper than 64 levels") == 0);
        }
    }
    // Recursion that ends with the data is fine.
    json tree = {{"name", "root"},
                 {"kids",
                  {{{"name", "a"}, {"kids", json::array()}},
                   {{"name", "b"}, {"kids", {{{"name", "c"}, {"kids", json::array()}}}}}}}};
    mp::PartialCache nodes(
        std::map<std::string, std::string>{{"node", "{{name}}({{#kids}}{{>node}}{{/kids}})"}});
    CHECK(mp::render(mp::compile("{{>node}}"), tree, nodes) == "root(a()b(c()))");

    mp::RenderOptions shallow;
    shallow.max_render_depth = 10;
    CHECK_THROWS_AS(mp::render(mp::compile(nested_sections(11)), json{{"a", true}}, shallow),
                    llmops::Error);
}

TEST_CASE("a step budget bounds runaway loops", "[mustache]") {
    // 4^30 iterations without a budget.
    json data = {{"a", {1, 2, 3, 4}}};
    mp::RenderOptions options;
    options.max_steps = 100000;
    CHECK_THROWS_WITH(mp::render(mp::compile(nested_sections(30)), data, options),
                      Catch::Contains("more than 100000 steps"));
    CHECK(mp::render(mp::compile(nested_sections(3)), data, options) == std::string(64, 'x'));
}

// Sets the process-wide limits for one test and puts the defaults back after it.
struct ScopedLimits {
    explicit ScopedLimits(const mp::TemplateLimits& limits, std::string hint = "raise them") {
        mp::set_template_limits(limits, std::move(hint));
    }
    ~ScopedLimits() { mp::set_template_limits(mp::TemplateLimits{}); }
    ScopedLimits(const ScopedLimits&) = delete;
    ScopedLimits& operator=(const ScopedLimits&) = delete;
};

TEST_CASE("every render has a step budget by default", "[mustache][limits]") {
    // 60 nested sections over a 2-item list: 2^60 renders without a budget.
    json data = {{"a", {1, 2}}};
    mp::Template hostile = mp::compile(nested_sections(60), {.name = "hostile.mustache"});
    REQUIRE(mp::RenderOptions{}.max_steps == 10'000'000);
    try {
        mp::render(hostile, data);
        FAIL("expected the step limit");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::Limit);
        CHECK(llmops::exit_code_for(e.kind()) == 3);
        CHECK(llmops::stops_command(e));
        CHECK(e.message() == "over the template step limit: more than 10000000 steps (tags and "
                             "text runs) in one render");
        CHECK(e.where().file == "hostile.mustache"); // the template is named
        CHECK(e.where().line == 1);
    }
}

TEST_CASE("the output budget bounds what one render may produce", "[mustache][limits]") {
    mp::RenderOptions options = prompt_mode();
    options.max_output_bytes = 1000;
    // A loop that writes little per step: the steps stay within budget, the output does not.
    json data = {{"items", json::array()}};
    for (int i = 0; i < 200; ++i)
        data["items"].push_back("0123456789");
    auto tmpl = mp::compile("{{#items}}{{.}}{{/items}}", {.name = "list"});
    CHECK_THROWS_WITH(
        mp::render(tmpl, data, options),
        "over the template output limit: more than 1000 bytes from one render (list:1:11)");
    // One huge value is caught too, and exactly the budget is fine.
    auto one = mp::compile("{{value}}");
    CHECK_THROWS_AS(mp::render(one, json{{"value", std::string(1001, 'v')}}, options),
                    llmops::Error);
    CHECK(mp::render(one, json{{"value", std::string(1000, 'v')}}, options).size() == 1000);
    // The budget is per render: output already in the buffer does not count.
    std::string out(5000, '-');
    mp::render_to(out, one, json{{"value", std::string(1000, 'v')}}, options);
    CHECK(out.size() == 6000);
}

TEST_CASE("the process-wide limits are the defaults of every option", "[mustache][limits]") {
    ScopedLimits limits({.max_steps = 50, .max_output_bytes = 64, .max_depth = 4},
                        "raise limits in llmops.yaml");
    CHECK(mp::RenderOptions{}.max_steps == 50);
    CHECK(mp::RenderOptions{}.max_output_bytes == 64);
    CHECK(mp::CompileOptions{}.max_depth == 4);
    auto e = compile_error(nested_sections(5));
    CHECK(e.message() == "sections nested deeper than 4 levels (the template depth limit)");
    CHECK(e.hint() == "raise limits in llmops.yaml");
    json data = {{"a", {1, 2, 3, 4}}};
    try {
        mp::render(mp::compile(nested_sections(4)), data);
        FAIL("expected the step limit");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::Limit);
        CHECK(e.hint() == "raise limits in llmops.yaml");
    }
    // 0 turns a budget off for one render.
    mp::RenderOptions unlimited;
    unlimited.max_steps = 0;
    unlimited.max_output_bytes = 0;
    CHECK(mp::render(mp::compile(nested_sections(4)), data, unlimited) == std::string(256, 'x'));
}

TEST_CASE("a render stops when the cancel flag is set", "[mustache][limits]") {
    std::atomic<bool> cancel{false};
    mp::RenderOptions options;
    options.max_steps = 0; // no budget: only the flag can stop it
    options.cancel = &cancel;
    json data = {{"a", {1, 2}}};
    auto endless = mp::compile(nested_sections(60));
    std::thread stopper([&] { cancel.store(true); });
    try {
        mp::render(endless, data, options);
        FAIL("expected the render to be interrupted");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::Interrupted);
        CHECK(llmops::exit_code_for(e.kind()) == 130);
    }
    stopper.join();
    // The process-wide flag is every option's default.
    mp::set_render_cancel_flag(&cancel);
    CHECK(mp::RenderOptions{}.cancel == &cancel);
    mp::set_render_cancel_flag(nullptr);
    CHECK(mp::RenderOptions{}.cancel == nullptr);
}

TEST_CASE("large templates and values", "[mustache]") {
    const std::size_t mb10 = 10u << 20;
    std::string line = "The quick brown fox jumps over the lazy dog {{animal}}.\n";
    std::string source;
    source.reserve(mb10 + line.size());
    while (source.size() < mb10)
        source += line;
    const std::size_t lines = source.size() / line.size();
    auto tmpl = mp::compile(source);
    std::string out = mp::render(tmpl, json{{"animal", "cat"}}, prompt_mode());
    CHECK(out.size() == lines * (line.size() - std::string("{{animal}}").size() + 3));
    CHECK(out.substr(0, 48) == "The quick brown fox jumps over the lazy dog cat.");

    std::string big(mb10, 'v');
    big[100] = '<';
    auto small = mp::compile("[{{value}}]");
    std::string rendered = mp::render(small, json{{"value", big}}, prompt_mode());
    CHECK(rendered.size() == mb10 + 2);
    CHECK(mp::render(small, json{{"value", big}}).size() == mb10 + 2 + 3); // &lt;

    // One enormous literal with no tags at all.
    std::string plain(mb10, 'x');
    CHECK(mp::render(mp::compile(plain), json::object()) == plain);
}

TEST_CASE("variable listing", "[mustache]") {
    auto tmpl = mp::compile("{{! comment }}Hi {{user.name}}!\n"
                            "{{#examples}}\n"
                            "{{input}} -> {{output}}\n"
                            "{{/examples}}\n"
                            "{{^context}}none{{/context}}\n"
                            "{{question}} {{question}} {{>footer}} {{>*style}}");
    auto refs = mp::list_variables(tmpl);
    REQUIRE(refs.size() == 8);
    CHECK(refs[0].name == "user.name");
    CHECK(refs[0].use == mp::VariableUse::Interpolation);
    CHECK(refs[0].section_depth == 0);
    CHECK(refs[0].line == 1);
    CHECK(refs[0].column == 18);
    CHECK(refs[1].name == "examples");
    CHECK(refs[1].use == mp::VariableUse::Section);
    CHECK(refs[2].name == "input");
    CHECK(refs[2].section_depth == 1);
    CHECK(refs[4].name == "context");
    CHECK(refs[4].use == mp::VariableUse::InvertedSection);
    CHECK(refs[7].name == "style");
    CHECK(refs[7].use == mp::VariableUse::PartialName);
    CHECK(mp::top_level_variables(tmpl) ==
          std::vector<std::string>{"context", "examples", "question", "style", "user"});
    CHECK(mp::referenced_partials(tmpl) == std::vector<std::string>{"footer"});

    auto inherit = mp::compile("{{<base}}{{$a}}{{x}}{{/a}}{{/base}}{{$b}}{{y}}{{/b}}");
    CHECK(mp::top_level_variables(inherit) == std::vector<std::string>{"x", "y"});
    CHECK(mp::referenced_partials(inherit) == std::vector<std::string>{"base"});
}

TEST_CASE("missing variables are reported", "[mustache]") {
    auto tmpl = mp::compile("Q: {{question}}\n{{#ctx}}{{doc}}{{/ctx}}{{^opt}}-{{/opt}}{{present}}");
    json data = {{"present", nullptr}};

    std::vector<std::string> missing;
    mp::RenderOptions options = prompt_mode();
    options.on_missing = [&missing](const mp::MissingVariable& m) {
        missing.push_back(std::string(m.name) + "@" + std::to_string(m.line) + ":" +
                          std::to_string(m.column));
    };
    CHECK(mp::render(tmpl, data, options) == "Q: \n-");
    CHECK(missing == std::vector<std::string>{"question@1:4", "ctx@2:1", "opt@2:24"});

    options.strict_variables = true;
    try {
        mp::render(tmpl, data, options);
        FAIL("expected an error");
    } catch (const llmops::Error& e) {
        CHECK(e.kind() == llmops::ErrorKind::BadInput);
        CHECK(e.message() == "missing variable 'question'");
        CHECK(e.where().line == 1);
        CHECK(e.where().column == 4);
    }
    // Sections over missing names are just falsey, even in strict mode.
    data["question"] = "why?";
    CHECK(mp::render(tmpl, data, options) == "Q: why?\n-");
}

TEST_CASE("unknown partials in strict mode", "[mustache]") {
    auto tmpl = mp::compile("a\n  {{>nope}}\n");
    CHECK(mp::render(tmpl, json::object()) == "a\n");
    mp::RenderOptions strict;
    strict.strict_partials = true;
    try {
        mp::render(tmpl, json::object(), mp::PartialCache(), strict);
        FAIL("expected an error");
    } catch (const llmops::Error& e) {
        CHECK(e.message() == "unknown partial 'nope'");
        CHECK(e.where().line == 2);
        CHECK(e.where().column == 3);
    }
}

TEST_CASE("windows line endings", "[mustache]") {
    auto tmpl = mp::compile("a\r\n{{#s}}\r\n  {{x}}\r\n{{/s}}\r\nb");
    CHECK(mp::render(tmpl, json{{"s", true}, {"x", 1}}) == "a\r\n  1\r\nb");
}
