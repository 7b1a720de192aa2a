// libFuzzer target: the gateway's file upload path (POST /v1/files). The input is a
// Content-Type value, a newline, then the body. Arbitrary bytes must give multipart parts or a
// message, never an exception, crash, hang or sanitizer report; a file part must give a
// request count or a message from the batch input check, and a file that passes must be read
// back line by line with exactly that many requests.
#include "serve/batch_store.hpp"
#include "serve/multipart_form.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t eol = input.find('\n');
    if (eol == std::string_view::npos) return 0;
    auto parsed = llmops::serve::parse_multipart_form(input.substr(0, eol), input.substr(eol + 1));
    if (auto* message = std::get_if<std::string>(&parsed)) {
        if (message->empty()) std::abort();
        return 0;
    }
    llmops::serve::BatchLimits limits;
    limits.max_lines = 64;
    for (const auto& part : std::get<std::vector<llmops::serve::FormPart>>(parsed)) {
        if (part.data.data() < input.data() || part.data.data() + part.data.size() > input.end())
            std::abort(); // a part must point into the body
        auto checked = llmops::serve::check_batch_input(part.data, limits, 4096);
        if (auto* message = std::get_if<std::string>(&checked)) {
            if (message->empty()) std::abort();
            continue;
        }
        std::size_t seen = 0;
        llmops::serve::for_each_batch_line(part.data, [&](llmops::serve::BatchInputLine&& line) {
            if (line.custom_id.empty() || !line.body.is_object()) std::abort();
            ++seen;
            return true;
        });
        if (seen != std::get<std::size_t>(checked)) std::abort();
    }
    return 0;
}
