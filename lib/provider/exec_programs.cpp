#include "provider/exec_programs.hpp"

#include "core/hash.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

namespace llmops::provider {

namespace fs = std::filesystem;

std::vector<std::string> shell_words(std::string_view command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < command.size(); ++i) {
        char c = command[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < command.size())
                word += command[++i];
            else
                word += c;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '\\' && i + 1 < command.size()) {
            word += command[++i];
        } else {
            word += c;
        }
        in_word = true;
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

namespace {

// The content hash, or for a very large file its size and modification time; "" when it
// cannot be read (the run itself will say why).
std::string fingerprint(const fs::path& file, std::uintmax_t size) {
    std::error_code ec;
    if (size > kMaxHashedProgramBytes) {
        auto modified = fs::last_write_time(file, ec);
        if (ec) return {};
        return fmt::format("size {} modified {}", size, modified.time_since_epoch().count());
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    Hasher128 hasher;
    char block[1 << 16];
    while (in.read(block, sizeof block) || in.gcount() > 0)
        hasher.update(std::string_view(block, static_cast<std::size_t>(in.gcount())));
    if (in.bad()) return {};
    return hasher.digest().hex();
}

} // namespace

nlohmann::json exec_program_fingerprints(const ProviderConfig& config) {
    nlohmann::json out = nlohmann::json::object();
    for (const std::string& word : shell_words(config.command)) {
        if (word.empty() || out.contains(word)) continue;
        fs::path path(word);
        if (path.is_relative() && !config.working_dir.empty()) path = config.working_dir / path;
        std::error_code ec;
        auto status = fs::status(path, ec);
        if (ec || !fs::is_regular_file(status)) continue;
        auto size = fs::file_size(path, ec);
        if (ec) continue;
        std::string print = fingerprint(path, size);
        if (!print.empty()) out[word] = std::move(print);
    }
    return out;
}

} // namespace llmops::provider
