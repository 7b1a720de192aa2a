#include "core/output_file.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <streambuf>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace llmops {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void cannot_write(const fs::path& target, int err, std::string hint = {}) {
    throw Error(ErrorKind::BadInput, "cannot write " + target.string() + ": " + std::strerror(err),
                {}, std::move(hint));
}

fs::path folder_of(const fs::path& target) {
    fs::path parent = target.parent_path();
    return parent.empty() ? fs::path(".") : parent;
}

// Writes through to a descriptor in blocks, remembering the first error (errno) instead of
// throwing through std::ostream, which would swallow it.
class FdBuffer : public std::streambuf {
  public:
    explicit FdBuffer(int fd) : fd_(fd), buffer_(1 << 16, '\0') {
        setp(buffer_.data(), buffer_.data() + buffer_.size());
    }
    int error() const { return error_; }
    bool drain() {
        const char* p = pbase();
        std::size_t left = static_cast<std::size_t>(pptr() - pbase());
        while (left > 0 && error_ == 0) {
            ssize_t n = ::write(fd_, p, left);
            if (n < 0) {
                if (errno != EINTR) error_ = errno;
                continue;
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        setp(buffer_.data(), buffer_.data() + buffer_.size());
        return error_ == 0;
    }

  protected:
    int_type overflow(int_type c) override {
        if (!drain()) return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override { return drain() ? 0 : -1; }

  private:
    int fd_;
    std::string buffer_;
    int error_ = 0;
};

} // namespace

void check_output_path(const fs::path& target) {
    if (target.empty()) throw_usage("an output file name is empty");
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) cannot_write(target, EISDIR);
        if (::access(target.c_str(), W_OK) != 0) cannot_write(target, errno);
        if (!S_ISREG(st.st_mode)) return; // a device or pipe is written in place
    } else if (errno != ENOENT) {
        cannot_write(target, errno);
    }
    // A regular file is replaced by a rename in its folder: the folder must take new files.
    fs::path folder = folder_of(target);
    struct stat folder_st {};
    if (::stat(folder.c_str(), &folder_st) != 0) {
        int err = errno;
        cannot_write(target, err,
                     err == ENOENT ? "create the folder '" + folder.string() + "' first" : "");
    }
    if (!S_ISDIR(folder_st.st_mode)) cannot_write(target, ENOTDIR);
    if (::access(folder.c_str(), W_OK | X_OK) != 0) cannot_write(target, errno);
}

struct OutputFile::Sink {
    int fd = -1;
    std::string temp; // empty when writing the target directly
    bool committed = false;
    FdBuffer buffer;
    std::ostream stream;

    explicit Sink(int descriptor, std::string temp_path)
        : fd(descriptor), temp(std::move(temp_path)), buffer(descriptor), stream(&buffer) {}
    ~Sink() {
        if (fd >= 0) ::close(fd);
        if (!committed && !temp.empty()) ::unlink(temp.c_str());
    }
};

OutputFile::OutputFile(fs::path target) : target_(std::move(target)) {
    check_output_path(target_);
    struct stat st {};
    if (::stat(target_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        int fd = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) cannot_write(target_, errno);
        sink_ = std::make_unique<Sink>(fd, std::string());
        return;
    }
    // Hidden, beside the target (a rename never crosses file systems), named after it.
    std::string temp_name(".");
    temp_name += target_.filename().string();
    temp_name += ".llmops-XXXXXX";
    std::string pattern = (folder_of(target_) / temp_name).string();
    int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) cannot_write(target_, errno);
    sink_ = std::make_unique<Sink>(fd, pattern);
    ::fchmod(fd, 0644); // mkstemp's 0600 would make a report unreadable to others
}

OutputFile::~OutputFile() = default;

std::ostream& OutputFile::stream() {
    return sink_->stream;
}

void OutputFile::write(std::string_view bytes) {
    sink_->stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void OutputFile::commit() {
    Sink& s = *sink_;
    s.stream.flush();
    if (int err = s.buffer.error()) cannot_write(target_, err);
    if (!s.stream) cannot_write(target_, EIO);
    if (s.temp.empty()) {
        int fd = s.fd;
        s.fd = -1;
        if (::close(fd) != 0 && errno != EINTR) cannot_write(target_, errno);
        s.committed = true;
        return;
    }
    if (::fsync(s.fd) != 0) cannot_write(target_, errno);
    int fd = s.fd;
    s.fd = -1;
    if (::close(fd) != 0 && errno != EINTR) cannot_write(target_, errno);
    if (::rename(s.temp.c_str(), target_.c_str()) != 0) cannot_write(target_, errno);
    s.committed = true;
    // The rename is durable once the folder is; a failure here loses nothing already read.
    int dir = ::open(folder_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

} // namespace llmops
