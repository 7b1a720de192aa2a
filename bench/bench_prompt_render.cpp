// Renders a prompt spec once per row of a JSONL file and writes one JSON line per rendering,
// exactly like `llmops prompt render --data` (same renderer, same output format), but from a
// plain file so the benchmark measures rendering, not the dataset store. Check the spec with
// `llmops prompt add` first: this driver does not validate it against the schema.
// Usage: bench_prompt_render SPEC.yaml ROWS.jsonl > out.jsonl
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "prompt/prompt_render.hpp"
#include "prompt/prompt_spec.hpp"
#include "json/yaml_document.hpp"

using namespace llmops;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SPEC.yaml ROWS.jsonl\n", argv[0]);
        return 2;
    }
    try {
        // Loaded the way `prompt render REF` loads a stored version: the spec was checked
        // against the schema when it was added, so it is compiled without re-validation.
        YamlDocument doc = load_yaml_file(argv[1]);
        prompt::CompiledPromptPtr compiled =
            prompt::compile_stored_prompt(doc.value, nullptr, argv[1], {});
        prompt::PromptRenderer renderer(compiled);
        prompt::RenderedPrompt rendered;
        std::string out;
        std::string carry; // a line split across reads
        long row = 0;
        auto emit_line = [&](std::string_view line) {
            if (line.empty()) return;
            renderer.render(nlohmann::json::parse(line), rendered, row);
            prompt::append_rendered_json_line(*compiled, rendered, row, out);
            ++row;
            if (out.size() >= (1u << 14)) {
                std::fwrite(out.data(), 1, out.size(), stdout);
                out.clear();
            }
        };
        FileDescriptor fd = open_for_reading(argv[2]);
        std::string buffer(1u << 14, '\0'); // small: peak memory is part of the benchmark
        while (std::size_t n = read_some(fd.get(), buffer.data(), buffer.size(), argv[2])) {
            std::string_view block(buffer.data(), n);
            std::size_t start = 0;
            for (std::size_t nl; (nl = block.find('\n', start)) != std::string_view::npos;
                 start = nl + 1) {
                if (!carry.empty()) {
                    carry.append(block.substr(start, nl - start));
                    emit_line(carry);
                    carry.clear();
                } else {
                    emit_line(block.substr(start, nl - start));
                }
            }
            carry.append(block.substr(start));
        }
        emit_line(carry);
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fprintf(stderr, "rendered %ld rows\n", row);
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return exit_code_for(e.kind());
    }
}
