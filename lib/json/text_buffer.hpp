#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace llmops {

// A growable byte buffer for canonical JSON: appends without std::string's out-of-line calls (a
// measurable share of the time on short rows), and can be written in place: reserve room, write
// at data() + size(), then set_size() (a std::string before C++23 cannot be written past its
// size, so a row would be written elsewhere and copied).
class TextBuffer {
  public:
    void clear() { size_ = 0; }
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    const char* data() const { return data_.get(); }
    char* data() { return data_.get(); }
    std::string_view view() const { return {data_.get(), size_}; }
    // Makes sure n more bytes fit after size().
    void reserve(std::size_t n) {
        if (capacity_ - size_ < n) grow(n);
    }
    // After bytes were written in place up to `size` (at most capacity()).
    void set_size(std::size_t size) { size_ = size; }
    void push_back(char c) {
        if (size_ == capacity_) grow(1);
        data_[size_++] = c;
    }
    void append(const char* p, std::size_t n) {
        if (capacity_ - size_ < n) grow(n);
        std::memcpy(data_.get() + size_, p, n);
        size_ += n;
    }
    void append(std::size_t n, char c) {
        if (capacity_ - size_ < n) grow(n);
        std::memset(data_.get() + size_, c, n);
        size_ += n;
    }
    TextBuffer& operator+=(char c) {
        push_back(c);
        return *this;
    }
    TextBuffer& operator+=(std::string_view text) {
        append(text.data(), text.size());
        return *this;
    }

  private:
    void grow(std::size_t n) {
        const std::size_t capacity = std::max({capacity_ * 2, size_ + n, std::size_t{4096}});
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

} // namespace llmops
