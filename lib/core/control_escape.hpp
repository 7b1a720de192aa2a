#pragma once
// Text made safe for one line of a terminal: messages echo names and values that came from
// files and command lines, and a newline in one must not split an error in two, nor an escape
// sequence reach the terminal.
#include <string>
#include <string_view>

namespace llmops {

// `text` with every control character written as an escape: C0 controls and DEL as \n, \r,
// \t or \xNN; C1 controls (U+0080..U+009F), the line and paragraph separators (U+2028,
// U+2029) and the bidirectional overrides (U+202A..U+202E, U+2066..U+2069) as \u{NNNN};
// bytes that are not UTF-8 as \xNN. Everything else, backslashes included, is kept as it is.
std::string escape_control_characters(std::string_view text);

} // namespace llmops
