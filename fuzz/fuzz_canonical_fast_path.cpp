// libFuzzer target: the single-pass canonicaliser against the full simdjson one. Whatever the
// fast path accepts, the full path must accept with the same bytes; JsonCanonicalizer with and
// without the fast path must give the same bytes or the same error. Written in place after other
// text (a TextBuffer, as dataset blocks are), the fast path must give the same bytes and leave
// the text before them alone.
#include "json/canonical_json.hpp"
#include "json/single_pass_canonicalizer.hpp"
#include "json/text_buffer.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

struct Outcome {
    bool ok = false;
    std::string text;
    std::size_t offset = 0;
    bool operator==(const Outcome&) const = default;
};

Outcome run(llmops::JsonCanonicalizer& c, std::string_view text, llmops::JsonRoot root) {
    std::string padded(text);
    padded.append(llmops::kJsonPadding, ' ');
    Outcome o;
    try {
        c.append(padded.data(), text.size(), o.text, root);
        o.ok = true;
    } catch (const llmops::JsonTextError& e) {
        o.text = e.what();
        o.offset = e.offset();
    }
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace llmops;
    static SinglePassCanonicalizer single_pass;
    static JsonCanonicalizer full(FastPath::Off);
    static JsonCanonicalizer combined(FastPath::On);
    static TextBuffer in_place; // keeps the last outputs as the text before the next
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (JsonRoot root : {JsonRoot::Any, JsonRoot::Object}) {
        const Outcome expected = run(full, text, root);
        std::string fast;
        const bool took = single_pass.append(text, root, fast);
        if (took && (!expected.ok || fast != expected.text))
            std::abort(); // the fast path accepted what the full path refuses or spells otherwise
        if (in_place.size() > (1u << 16)) in_place.clear();
        const std::size_t before = in_place.size();
        const std::string kept(in_place.view());
        if (single_pass.append(text, root, in_place) != took) std::abort();
        if (in_place.view().substr(0, before) != kept) std::abort();
        if (in_place.view().substr(before) != (took ? std::string_view(fast) : std::string_view()))
            std::abort();
        if (!(run(combined, text, root) == expected)) std::abort();
    }
    return 0;
}
