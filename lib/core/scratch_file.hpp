#pragma once
// A private temporary file under $TMPDIR (else /tmp), removed when this goes: what a child
// process reads as its stdin or writes its output into, or what an editor opens. Unlike
// TempFile (file_io.hpp), which stages a store file for an atomic rename, it is read as well as
// written and never kept. Never throws for the OS: ok() says whether the file was made and
// error() why not, so each caller reports the failure with its own exit code.
#include <cstddef>
#include <string>
#include <string_view>

namespace llmops {

class ScratchFile {
  public:
    // Makes <$TMPDIR or /tmp>/<prefix>-XXXXXX, open for reading and writing, mode 0600.
    explicit ScratchFile(std::string_view prefix);
    ~ScratchFile();
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

    bool ok() const { return fd_ >= 0; }
    // "cannot make a temporary file: <the OS reason>"; empty when ok().
    const std::string& error() const { return error_; }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }

    // Writes all of `text` at the current offset, then rewinds to the start (so a child given
    // fd() as its stdin reads it whole). False on failure, with errno set.
    bool write_all(std::string_view text);
    // The whole content, whatever the current offset.
    std::string read_all() const;
    // The last `n` bytes at most.
    std::string read_tail(std::size_t n) const;

  private:
    std::string path_;
    std::string error_;
    int fd_ = -1;
};

} // namespace llmops
