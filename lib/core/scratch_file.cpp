#include "core/scratch_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace llmops {

ScratchFile::ScratchFile(std::string_view prefix) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0) error_ = std::string("cannot make a temporary file: ") + std::strerror(errno);
}

ScratchFile::~ScratchFile() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(path_.c_str());
}

bool ScratchFile::write_all(std::string_view text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t w = ::write(fd_, text.data() + done, text.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        done += static_cast<std::size_t>(w);
    }
    return ::lseek(fd_, 0, SEEK_SET) == 0;
}

std::string ScratchFile::read_all() const {
    std::string out;
    char buf[65536];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(fd_, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
        at += n;
    }
}

std::string ScratchFile::read_tail(std::size_t n) const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || st.st_size <= 0) return {};
    off_t size = st.st_size;
    off_t from = size > static_cast<off_t>(n) ? size - static_cast<off_t>(n) : 0;
    std::string out(static_cast<std::size_t>(size - from), '\0');
    ssize_t r = ::pread(fd_, out.data(), out.size(), from);
    out.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
    return out;
}

} // namespace llmops
