#pragma once
// Canonical JSON text: the one spelling of a JSON value that row hashes are computed over.
//
//  - no insignificant whitespace;
//  - object keys sorted by their UTF-8 bytes (unsigned); a duplicate key is an error;
//  - strings hold raw UTF-8; only '"', '\\' and control characters are escaped: \b \f \n \r \t
//    short forms, other controls as \u00XX (lowercase hex); '/' and non-ASCII never escaped;
//  - numbers by value, not by spelling: an integer that fits int64/uint64 is written exactly
//    ("-0" -> "0"); any other number is a binary64 double: a double with an integral value in
//    [-2^63, 2^64) is written as that integer (1.0 -> 1, 1e2 -> 100, -0.0 -> 0), the rest in
//    the shortest round-trip form laid out like ECMAScript's Number#toString (0.1, 1.5e-7,
//    1e+21). Integers beyond uint64 are doubles (123456789012345678901234567890 ->
//    1.2345678901234568e+29). Numbers overflowing a double are an error.
//
// Two ways in that give identical bytes: JSON text (simdjson, the fast path for datasets) and a
// nlohmann::json value (configs, API bodies).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace llmops {

class TextBuffer; // json/text_buffer.hpp

// Readable bytes JsonCanonicalizer needs after the text it is given (simdjson reads ahead).
inline constexpr std::size_t kJsonPadding = 64;
// Deepest nesting of arrays and objects accepted (simdjson's default).
inline constexpr std::size_t kMaxJsonDepth = 1024;

enum class JsonIssue { Malformed, InvalidUtf8, DuplicateKey, NotObject, TooDeep, NumberOutOfRange };

// A problem with one JSON text. offset() is the byte offset within the text the problem is at
// (npos when unknown); readers turn it into file:line:column.
class JsonTextError : public std::runtime_error {
  public:
    JsonTextError(JsonIssue issue, const std::string& message, std::size_t offset)
        : std::runtime_error(message), issue_(issue), offset_(offset) {}
    JsonIssue issue() const { return issue_; }
    std::size_t offset() const { return offset_; }

  private:
    JsonIssue issue_;
    std::size_t offset_;
};

enum class JsonRoot { Any, Object };

// The type of a canonical value; numbers are integers when their canonical text is one.
enum class JsonType { String, Integer, Number, Boolean, Null, Object, Array };
// "string", "integer", "number", "boolean", "null", "object" or "array".
const char* json_type_name(JsonType type);

// A top-level member of an object: its key as written in canonical text (escaped, no quotes)
// and the type of its value.
struct FieldType {
    std::string_view key;
    JsonType type;
};

// Whether JsonCanonicalizer tries the single-pass fast path (single_pass_canonicalizer.hpp)
// before the full simdjson one. Off only to test that both give the same bytes.
enum class FastPath { On, Off };

// Parses JSON texts and appends their canonical form. Reuse one per thread: it keeps the
// simdjson parser and scratch buffers between calls, so steady-state use allocates nothing.
class JsonCanonicalizer {
  public:
    explicit JsonCanonicalizer(FastPath fast_path = FastPath::On);
    ~JsonCanonicalizer();
    JsonCanonicalizer(const JsonCanonicalizer&) = delete;
    JsonCanonicalizer& operator=(const JsonCanonicalizer&) = delete;

    // `data` must be followed by kJsonPadding readable bytes (any content). Appends the
    // canonical text to `out`; on error throws JsonTextError and leaves `out` as it was.
    void append(const char* data, std::size_t size, std::string& out,
                JsonRoot root = JsonRoot::Any);
    // The same for text with no padding after it (a line read from a file) into a TextBuffer,
    // which the fast path writes in place; the text is copied to a padded buffer only when the
    // fast path declines it.
    void append_unpadded(std::string_view text, TextBuffer& out, JsonRoot root = JsonRoot::Any);

    // The top-level members of the object the last append() canonicalised, when the fast path
    // did it (their keys point into the text given); nullptr otherwise. Saves re-reading the
    // row to learn its field types.
    const std::vector<FieldType>* last_fields() const;
    // With last_fields(): whether their keys are those of the fields the append() before gave
    // (the same keys in the same order); false when either append() took the full path.
    bool last_keys_repeat() const;

  private:
    // The simdjson DOM path: every text, every error.
    void append_full(const char* data, std::size_t size, std::string& out, JsonRoot root);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Convenience forms; they throw Error(BadInput) located by line:column within `text`.
std::string canonical_json_text(std::string_view text);
std::string canonical_json(const nlohmann::json& value);
void append_canonical_json(const nlohmann::json& value, std::string& out);

// Building blocks, shared with the CSV reader.
void append_json_string(std::string_view utf8, std::string& out); // quoted, escaped; no checks
void append_canonical_int(std::int64_t value, std::string& out);
void append_canonical_uint(std::uint64_t value, std::string& out);
void append_canonical_double(double value, std::string& out); // value must be finite
// Appends the canonical form of a JSON number literal (RFC 8259 grammar, checked by the
// caller). Returns false, appending nothing, when it overflows a double.
bool append_canonical_number_text(std::string_view literal, std::string& out);

} // namespace llmops
