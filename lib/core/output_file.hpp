#pragma once
// Files the user asks a command to write (-o, --junit, --markdown, --html): checked before the
// command does any work, and written whole or not at all. Every failure is Error(BadInput)
// "cannot write PATH: <the OS reason>", so "cannot write output" is exit 3 everywhere.
#include <filesystem>
#include <memory>
#include <ostream>
#include <string_view>

namespace llmops {

// Throws unless `target` can be written: its folder exists, is a folder and is writable, and
// the target is not a folder (nor a file we may not write). Creates nothing. A device or pipe
// that exists (/dev/stdout) passes; one that fails later (/dev/full) fails at write time.
void check_output_path(const std::filesystem::path& target);

// A regular file (or a new one) is written to a temp file beside it and renamed into place on
// commit(), so readers never see half a report and a failure leaves the old file as it was.
// An existing device or pipe is written directly. Not committed = the temp file is removed.
class OutputFile {
  public:
    explicit OutputFile(std::filesystem::path target); // check_output_path, then opens
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    std::ostream& stream();
    void write(std::string_view bytes);
    // Flushes, fsyncs and renames into place; throws with the OS reason (ENOSPC, EIO, ...).
    void commit();

    const std::filesystem::path& path() const { return target_; }

  private:
    struct Sink;
    std::filesystem::path target_;
    std::unique_ptr<Sink> sink_;
};

} // namespace llmops
