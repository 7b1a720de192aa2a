#pragma once
// ECMA-262 regex (as written in JSON Schema "pattern") to RE2. Not part of the public API.
#include <memory>
#include <string>
#include <string_view>

#include <re2/re2.h>

namespace llmops::json_schema_detail {

// Rewrites ECMA-only syntax (\uXXXX, \p{Letter}, ECMA's \s and '.', [^], (?<name>)) into RE2
// syntax. Throws llmops::Error (BadInput) naming `schema_pointer` on malformed escapes.
std::string ecma_to_re2(std::string_view pattern, const std::string& schema_pointer);

// Translates and compiles; throws llmops::Error (BadInput) when RE2 rejects the pattern.
std::shared_ptr<const RE2> compile_pattern(std::string_view pattern,
                                           const std::string& schema_pointer);

} // namespace llmops::json_schema_detail
