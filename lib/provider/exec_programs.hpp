#pragma once
// What an `exec:` command runs, for its cache key: the files named in the command (the program
// itself when its first word is a file, a script given to an interpreter, any argument that is
// an existing file), each with a fingerprint of its content, so that fixing a model script
// makes its cached answers miss.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/provider_config.hpp"

namespace llmops::provider {

// The words of a shell command as /bin/sh would split a simple one: blanks separate words,
// single and double quotes group, a backslash escapes the next character. Expansions,
// redirections and operators stay as text (they never name an existing file as they stand).
std::vector<std::string> shell_words(std::string_view command);

inline constexpr std::uintmax_t kMaxHashedProgramBytes = 64u << 20;

// {word: fingerprint} for each word of config.command that names an existing regular file,
// relative to config.working_dir (or the current directory). The fingerprint is the XXH3-128
// of the file's content; a file larger than kMaxHashedProgramBytes (model weights, say) is
// identified by its size and modification time instead. Empty when no word names a file.
nlohmann::json exec_program_fingerprints(const ProviderConfig& config);

} // namespace llmops::provider
