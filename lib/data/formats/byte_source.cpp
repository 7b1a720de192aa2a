#include "data/formats/byte_source.hpp"

#include "core/error.hpp"
#include "json/canonical_json.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmops::data {

namespace {

[[noreturn]] void throw_io(const std::string& what, const std::string& path, int err) {
    throw Error(ErrorKind::BadInput, what + ": " + std::strerror(err), ErrorLocation{.file = path});
}

class FileSource final : public ByteSource {
  public:
    explicit FileSource(const std::filesystem::path& path) : name_(path.string()) {
        fd_ = ::open(name_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            const int err = errno;
            if (err == ENOENT)
                throw_bad_input("input file not found", ErrorLocation{.file = name_});
            throw_io("cannot open input file", name_, err);
        }
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
            ::close(fd_);
            fd_ = -1;
            throw_bad_input("input is a directory, not a file", ErrorLocation{.file = name_});
        }
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~FileSource() override {
        if (fd_ >= 0) ::close(fd_);
    }
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    std::size_t read(char* dest, std::size_t capacity) override {
        for (;;) {
            const ssize_t n = ::read(fd_, dest, capacity);
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) throw_io("cannot read input file", name_, errno);
        }
    }
    const std::string& name() const override { return name_; }

  private:
    std::string name_;
    int fd_ = -1;
};

class MemorySource final : public ByteSource {
  public:
    MemorySource(std::string_view bytes, std::string name)
        : bytes_(bytes), name_(std::move(name)) {}
    std::size_t read(char* dest, std::size_t capacity) override {
        const std::size_t n = std::min(capacity, bytes_.size());
        std::memcpy(dest, bytes_.data(), n);
        bytes_.remove_prefix(n);
        return n;
    }
    const std::string& name() const override { return name_; }

  private:
    std::string_view bytes_;
    std::string name_;
};

std::unique_ptr<char[]> allocate_padded(std::size_t capacity) {
    auto buffer = std::make_unique_for_overwrite<char[]>(capacity + kJsonPadding);
    // Padding content does not matter to simdjson, but should not be uninitialised memory.
    std::memset(buffer.get() + capacity, ' ', kJsonPadding);
    return buffer;
}

} // namespace

std::unique_ptr<ByteSource> open_file_source(const std::filesystem::path& path) {
    return std::make_unique<FileSource>(path);
}

std::unique_ptr<ByteSource> open_memory_source(std::string_view bytes, std::string name) {
    return std::make_unique<MemorySource>(bytes, std::move(name));
}

StreamWindow::StreamWindow(std::unique_ptr<ByteSource> source)
    : source_(std::move(source)), buffer_(allocate_padded(kBlockSize)), capacity_(kBlockSize) {}

bool StreamWindow::fill() {
    if (eof_) return false;
    const std::size_t kept = size();
    if (begin_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, kept);
        begin_ = 0;
        end_ = kept;
    }
    if (capacity_ - end_ < kBlockSize / 2) {
        // A row longer than the window: grow (callers bound this by their row size limit).
        const std::size_t new_capacity = std::max(capacity_ * 2, end_ + kBlockSize);
        auto bigger = allocate_padded(new_capacity);
        std::memcpy(bigger.get(), buffer_.get(), end_);
        buffer_ = std::move(bigger);
        capacity_ = new_capacity;
    }
    const std::size_t n = source_->read(buffer_.get() + end_, capacity_ - end_);
    if (n == 0) {
        eof_ = true;
        // The padding after the last row must hold no stale bytes: blank what follows.
        std::memset(buffer_.get() + end_, ' ', std::min(kJsonPadding, capacity_ - end_));
        return false;
    }
    end_ += n;
    return true;
}

} // namespace llmops::data
