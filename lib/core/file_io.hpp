#pragma once
// Small POSIX file helpers with RAII and durable, atomic replacement.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace llmops {

// Owns a file descriptor; closes it on destruction.
class FileDescriptor {
  public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor();
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept;
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release();
    void close(); // throws on a failed close (a lost write)

  private:
    int fd_ = -1;
};

// Opens for reading; throws Error(BadInput) naming the path when it cannot.
FileDescriptor open_for_reading(const std::filesystem::path& path);

// Reads up to size bytes; returns the count (0 at end). Retries on EINTR.
std::size_t read_some(int fd, char* buffer, std::size_t size, const std::filesystem::path& path);
void write_all(int fd, std::string_view bytes, const std::filesystem::path& path);
void fsync_fd(int fd, const std::filesystem::path& path);
void fsync_directory(const std::filesystem::path& dir);

std::string read_file(const std::filesystem::path& path);

// Hands the file to sink in blocks, in constant memory. Regular files are mapped a window at a
// time, which saves the copy that read() makes; other files (pipes) are read.
void stream_file(const std::filesystem::path& path,
                 const std::function<void(std::string_view)>& sink);

// Writes bytes to a fresh temp file in tmp_dir, fsyncs, renames over target, fsyncs the
// target's directory: readers see the old or the new content, never a mix.
void write_file_atomic(const std::filesystem::path& target, std::string_view bytes,
                       const std::filesystem::path& tmp_dir);

// A uniquely named file in a directory, removed on destruction unless released.
class TempFile {
  public:
    explicit TempFile(const std::filesystem::path& dir, std::string_view prefix = "tmp-");
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_.get(); }
    void write(std::string_view bytes) { write_all(fd_.get(), bytes, path_); }
    // fsync + close + rename to target + fsync of the target directory.
    void commit_to(const std::filesystem::path& target);
    // Closes the file and leaves it in place for the caller to move (no fsync).
    void keep();

  private:
    std::filesystem::path path_;
    FileDescriptor fd_;
    bool committed_ = false;
};

std::uint64_t directory_size(const std::filesystem::path& dir);

// Maps in the pages of a freshly allocated buffer about to be written, in one system call
// instead of a page fault per page (costly in a virtual machine). Advice only: errors and old
// kernels change nothing.
void prefault_for_writing(void* data, std::size_t size);

} // namespace llmops
