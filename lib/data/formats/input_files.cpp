#include "data/formats/input_files.hpp"

#include "core/error.hpp"
#include "data/formats/input_format.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace llmops::data {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& message, const fs::path& path) {
    throw Error(ErrorKind::BadInput, message, ErrorLocation{.file = path.string()});
}

// Opening is the only reliable readability test (access() ignores ACLs and lies for root).
void check_readable(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("cannot read input file: ") + std::strerror(errno), path);
    ::close(fd);
}

bool is_hidden(const fs::path& path) {
    const std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

std::vector<fs::path> expand_directory(const fs::path& dir) {
    std::vector<std::pair<std::string, fs::path>> found; // relative path, full path
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
    if (ec) fail("cannot list directory: " + ec.message(), dir);
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec) fail("cannot list directory: " + ec.message(), it->path());
        const fs::path& path = it->path();
        if (is_hidden(path)) {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        std::error_code type_ec;
        if (it->is_directory(type_ec)) continue;
        if (!format_for_extension(path)) continue;
        if (!it->is_regular_file(type_ec)) {
            if (it->is_symlink(type_ec) && !fs::exists(path, type_ec))
                fail("cannot read input file: dangling symbolic link", path);
            continue; // FIFOs, sockets, devices: not data files
        }
        check_readable(path);
        found.emplace_back(fs::relative(path, dir).generic_string(), path);
    }
    if (ec) fail("cannot list directory: " + ec.message(), dir);
    if (found.empty()) fail("no data files (.jsonl, .ndjson, .csv, .json) in directory", dir);
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<fs::path> files;
    files.reserve(found.size());
    for (auto& entry : found)
        files.push_back(std::move(entry.second));
    return files;
}

} // namespace

std::vector<fs::path> expand_inputs(const std::vector<fs::path>& inputs) {
    std::vector<fs::path> files;
    for (const fs::path& input : inputs) {
        std::error_code ec;
        const fs::file_status status = fs::status(input, ec);
        if (status.type() == fs::file_type::not_found) fail("input file not found", input);
        if (ec) fail("cannot access input: " + ec.message(), input);
        if (fs::is_directory(status)) {
            auto expanded = expand_directory(input);
            files.insert(files.end(), expanded.begin(), expanded.end());
        } else {
            // A named pipe is not opened to test it: opening and closing its read end before
            // the real read can leave the writer with no reader (SIGPIPE) and its data lost.
            // Reading it reports any error.
            if (!fs::is_fifo(status)) check_readable(input);
            files.push_back(input);
        }
    }
    return files;
}

} // namespace llmops::data
