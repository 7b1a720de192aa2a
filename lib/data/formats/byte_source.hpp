#pragma once
// Where a reader's bytes come from: a file (read in blocks) or a buffer in memory (tests,
// fuzzers, stdin already slurped by a caller).
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace llmops::data {

class ByteSource {
  public:
    virtual ~ByteSource() = default;
    // Copies up to `capacity` bytes into `dest`; returns 0 only at the end. Throws
    // Error(BadInput) when the source cannot be read.
    virtual std::size_t read(char* dest, std::size_t capacity) = 0;
    // The name errors are reported under (the path as given, or a label).
    virtual const std::string& name() const = 0;
};

// Opens a regular file for reading. Throws Error(BadInput) located at the path when it does
// not exist, is a directory or cannot be opened.
std::unique_ptr<ByteSource> open_file_source(const std::filesystem::path& path);

// Reads `bytes`, which must outlive the source. Not copied.
std::unique_ptr<ByteSource> open_memory_source(std::string_view bytes, std::string name);

// A sliding window over a source with kJsonPadding readable bytes after its end, so rows can
// be parsed in place. Holds one block plus the longest row seen: constant memory for any file.
class StreamWindow {
  public:
    static constexpr std::size_t kBlockSize = std::size_t{1} << 20;

    explicit StreamWindow(std::unique_ptr<ByteSource> source);
    StreamWindow(const StreamWindow&) = delete;
    StreamWindow& operator=(const StreamWindow&) = delete;

    const char* data() const { return buffer_.get() + begin_; }
    std::size_t size() const { return end_ - begin_; }
    bool at_eof() const { return eof_; }
    const std::string& name() const { return source_->name(); }

    // Drops `count` bytes from the front.
    void consume(std::size_t count) { begin_ += count; }
    // Reads more bytes, keeping the unconsumed ones (moved to the front, or into a bigger
    // buffer when the window is full). Returns false at the end of the input. Invalidates
    // pointers into the window.
    bool fill();

  private:
    std::unique_ptr<ByteSource> source_;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0; // usable bytes, not counting the padding
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
};

} // namespace llmops::data
