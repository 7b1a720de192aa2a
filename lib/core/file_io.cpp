#include "core/file_io.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmops {

namespace fs = std::filesystem;

namespace {
[[noreturn]] void throw_io(const std::string& what, const fs::path& path, int err) {
    ErrorKind kind = (err == ENOENT || err == EACCES || err == EISDIR || err == ENOTDIR)
                         ? ErrorKind::BadInput
                         : ErrorKind::Store;
    throw Error(kind, what + ": " + std::strerror(err), ErrorLocation{.file = path.string()});
}

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}() ^
                                            static_cast<std::uint64_t>(::getpid())};
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(12, 'x');
    for (char& c : out)
        c = kChars[rng() % (sizeof(kChars) - 1)];
    return out;
}
} // namespace

FileDescriptor::~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

int FileDescriptor::release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void FileDescriptor::close() {
    if (fd_ < 0) return;
    int fd = release();
    if (::close(fd) != 0 && errno != EINTR) throw_io("cannot close file", "", errno);
}

FileDescriptor open_for_reading(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_io("cannot open file", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw_io("cannot read file", path, EISDIR);
    }
    return FileDescriptor(fd);
}

std::size_t read_some(int fd, char* buffer, std::size_t size, const fs::path& path) {
    for (;;) {
        ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) throw_io("cannot read file", path, errno);
    }
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(ErrorKind::Store, std::string("cannot write file: ") + std::strerror(errno),
                        ErrorLocation{.file = path.string()});
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void fsync_fd(int fd, const fs::path& path) {
    if (::fsync(fd) != 0)
        throw Error(ErrorKind::Store, std::string("fsync failed: ") + std::strerror(errno),
                    ErrorLocation{.file = path.string()});
}

void fsync_directory(const fs::path& dir) {
    FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid())
        throw Error(ErrorKind::Store, std::string("cannot open directory: ") + std::strerror(errno),
                    ErrorLocation{.file = dir.string()});
    fsync_fd(fd.get(), dir);
}

std::string read_file(const fs::path& path) {
    FileDescriptor fd = open_for_reading(path);
    std::string out;
    // One allocation for a regular file, not a doubling (and a copy) per size class.
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) {
        out.reserve(static_cast<std::size_t>(st.st_size));
        prefault_for_writing(out.data(), out.capacity());
    }
    char buffer[1 << 16];
    for (;;) {
        std::size_t n = read_some(fd.get(), buffer, sizeof buffer, path);
        if (n == 0) break;
        out.append(buffer, n);
    }
    return out;
}

void stream_file(const fs::path& path, const std::function<void(std::string_view)>& sink) {
    constexpr std::size_t kWindow = 16 << 20; // a multiple of any page size
    FileDescriptor fd = open_for_reading(path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_io("cannot stat file", path, errno);
    if (!S_ISREG(st.st_mode)) {
        std::string buffer(kWindow, '\0');
        while (std::size_t n = read_some(fd.get(), buffer.data(), buffer.size(), path))
            sink(std::string_view(buffer.data(), n));
        return;
    }
    auto size = static_cast<std::uint64_t>(st.st_size);
    for (std::uint64_t offset = 0; offset < size; offset += kWindow) {
        std::size_t length =
            static_cast<std::size_t>(std::min<std::uint64_t>(kWindow, size - offset));
        void* map =
            ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd.get(), static_cast<off_t>(offset));
        if (map == MAP_FAILED) throw_io("cannot map file", path, errno);
        ::madvise(map, length, MADV_SEQUENTIAL | MADV_WILLNEED);
        // Unmap even when the sink throws: the window must not outlive this call.
        struct Unmap {
            void* p;
            std::size_t n;
            ~Unmap() { ::munmap(p, n); }
        } unmap{map, length};
        sink(std::string_view(static_cast<const char*>(map), length));
    }
}

void write_file_atomic(const fs::path& target, std::string_view bytes, const fs::path& tmp_dir) {
    TempFile tmp(tmp_dir);
    tmp.write(bytes);
    tmp.commit_to(target);
}

TempFile::TempFile(const fs::path& dir, std::string_view prefix) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path candidate = dir / (std::string(prefix) + random_suffix());
        int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            path_ = std::move(candidate);
            fd_ = FileDescriptor(fd);
            return;
        }
        if (errno != EEXIST)
            throw Error(ErrorKind::Store,
                        std::string("cannot create temporary file: ") + std::strerror(errno),
                        ErrorLocation{.file = candidate.string()});
    }
    throw Error(ErrorKind::Store, "cannot create a unique temporary file",
                ErrorLocation{.file = dir.string()});
}

TempFile::~TempFile() {
    if (!committed_ && !path_.empty()) ::unlink(path_.c_str());
}

void TempFile::commit_to(const fs::path& target) {
    fsync_fd(fd_.get(), path_);
    fd_.close();
    if (::rename(path_.c_str(), target.c_str()) != 0)
        throw Error(ErrorKind::Store,
                    std::string("cannot rename into place: ") + std::strerror(errno),
                    ErrorLocation{.file = target.string()});
    committed_ = true;
    fsync_directory(target.parent_path());
}

void TempFile::keep() {
    fd_.close();
    committed_ = true;
}

std::uint64_t directory_size(const fs::path& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            auto size = it->file_size(size_ec);
            if (!size_ec) total += size;
        }
    }
    return total;
}

void prefault_for_writing(void* data, std::size_t size) {
#ifdef MADV_POPULATE_WRITE
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) / page * page;
    const auto end = (reinterpret_cast<std::uintptr_t>(data) + size) / page * page;
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
    (void)data;
    (void)size;
#endif
}

} // namespace llmops
