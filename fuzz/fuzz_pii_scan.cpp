// libFuzzer target: arbitrary bytes scanned as `llmops scan` scans a text: the built-in PII
// recognizers (phone numbers judged in every default region, numbers with a country code read
// from libphonenumber's metadata), the injection detectors, then redaction. Invalid UTF-8 must
// end in llmops::Error; anything else in findings whose spans lie inside the text, in order,
// and a redacted text; never a crash, hang or sanitizer report.
#include "core/error.hpp"
#include "safety/injection_detector.hpp"
#include "safety/pii_engine.hpp"
#include "safety/pii_operators.hpp"
#include "safety/text_scan.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace safety = llmops::safety;
    static const safety::PiiEngine engine{safety::PiiSettings{}};
    static const safety::RedactionOperator redact = safety::parse_operator("redact", "");
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        safety::TextScan scan = safety::scan_pii(engine, text);
        scan.add_findings(safety::detect_injection(scan.text));
        std::size_t previous = 0;
        for (const auto& f : scan.findings) {
            if (f.span.byte_begin > f.span.byte_end || f.span.byte_end > scan.text.size() ||
                f.span.byte_begin < previous)
                std::abort();
            previous = f.span.byte_begin;
        }
        scan.redact(redact);
        if (!scan.redacted) std::abort();
    } catch (const llmops::Error&) {
        // Invalid UTF-8 or a text over the limit: a clean error.
    }
    return 0;
}
