// SinglePassCanonicalizer's structure (single_pass_canonicalizer.hpp): the entry points, objects,
// arrays and the order of members. single_pass_scalars.cpp has strings and numbers.
#include "json/single_pass_canonicalizer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace llmops {

namespace {

// Deeper documents are left to the full canonicaliser (which enforces kMaxJsonDepth): rows are
// shallow, and a small bound keeps this recursion's stack use small.
constexpr std::size_t kMaxDepth = 64;

// Bytewise unsigned comparison, the order keys sort in; inline because keys are short and a
// call to memcmp per comparison was a visible share of the time.
int compare_keys(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) {
            x = __builtin_bswap64(x);
            y = __builtin_bswap64(y);
            return x < y ? -1 : 1;
        }
    }
    for (; i < n; ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (x != y) return x < y ? -1 : 1;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool same_key(std::string_view a, std::string_view b) {
    return a.size() == b.size() && compare_keys(a, b) == 0;
}

// The type of the value that starts with `first`; `integer` tells numbers apart.
JsonType type_of(char first, bool integer) {
    switch (first) {
    case '"':
        return JsonType::String;
    case '{':
        return JsonType::Object;
    case '[':
        return JsonType::Array;
    case 't':
    case 'f':
        return JsonType::Boolean;
    case 'n':
        return JsonType::Null;
    default:
        return integer ? JsonType::Integer : JsonType::Number;
    }
}

} // namespace

bool SinglePassCanonicalizer::append(std::string_view text, JsonRoot root, std::string& out) {
    own_.clear();
    if (!append(text, root, own_)) return false;
    out.append(own_.data(), own_.size());
    return true;
}

bool SinglePassCanonicalizer::append(std::string_view text, JsonRoot root, TextBuffer& out) {
    p_ = text.data();
    end_ = p_ + text.size();
    pending_ = p_;
    // Everything but a rewritten number is at most as long as its source (escapes only shrink,
    // whitespace goes); number() asks for more room itself.
    out_ = &out;
    mark_ = out.size();
    out.reserve(text.size() + 64);
    o_ = out.data() + mark_;
    try {
        return append_in_place(root);
    } catch (...) { // out of memory in reserve_more: no part of the text stays in `out`
        out.set_size(mark_);
        throw;
    }
}

bool SinglePassCanonicalizer::append_in_place(JsonRoot root) {
    members_.clear();
    fields_.clear();
    keys_repeat_ = false;
    skip_space();
    if (p_ == end_ || (root == JsonRoot::Object && *p_ != '{')) return declined();
    root_is_object_ = *p_ == '{';
    if (!value(0)) return declined();
    skip_space();
    if (p_ != end_) return declined();
    if (!root_is_object_) last_keys_.clear();
    flush();
    out_->set_size(static_cast<std::size_t>(o_ - out_->data()));
    return true;
}

bool SinglePassCanonicalizer::declined() {
    // keys_repeat() compares with the last accepted object: a declined one comes between.
    last_keys_.clear();
    keys_repeat_ = false;
    out_->set_size(mark_);
    return false;
}

void SinglePassCanonicalizer::flush() {
    const auto n = static_cast<std::size_t>(p_ - pending_);
    std::memcpy(o_, pending_, n);
    o_ += n;
    pending_ = p_;
    ++flushes_;
}

// Whitespace is not output: what came before it is copied, what follows starts a new run.
void SinglePassCanonicalizer::drop_space() {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    flush();
    while (p_ < end_ && is_space(*p_))
        ++p_;
    pending_ = p_;
}

void SinglePassCanonicalizer::reserve_more(std::size_t n) {
    const auto used = static_cast<std::size_t>(o_ - out_->data());
    // Room for n, plus the bound the rest of the text needs.
    const std::size_t more = n + static_cast<std::size_t>(end_ - pending_) + 64;
    if (out_->capacity() - used >= more) return;
    out_->set_size(used); // what is written so far moves with the buffer (declined() undoes it)
    out_->reserve(more);
    o_ = out_->data() + used;
}

bool SinglePassCanonicalizer::value(std::size_t depth) {
    switch (*p_) {
    case '{':
        return object(depth);
    case '[':
        return array(depth);
    case '"':
        return string(false);
    case 't':
        return literal("true");
    case 'f':
        return literal("false");
    case 'n':
        return literal("null");
    default:
        return number();
    }
}

bool SinglePassCanonicalizer::literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0)
        return false;
    p_ += word.size();
    return true;
}

bool SinglePassCanonicalizer::open_empty(char close) {
    ++p_;
    skip_space();
    if (p_ == end_ || *p_ != close) return false;
    ++p_;
    return true;
}

SinglePassCanonicalizer::Next SinglePassCanonicalizer::after_element(char close) {
    skip_space();
    if (p_ == end_) return Next::Bad;
    if (*p_ == ',') {
        ++p_;
        skip_space();
        return Next::More;
    }
    return *p_ == close ? Next::Closed : Next::Bad;
}

bool SinglePassCanonicalizer::array(std::size_t depth) {
    if (depth >= kMaxDepth) return false;
    if (open_empty(']')) return true;
    for (;;) {
        if (p_ == end_ || !value(depth + 1)) return false;
        const Next next = after_element(']');
        if (next == Next::Bad) return false;
        if (next == Next::Closed) break;
    }
    ++p_;
    return true;
}

bool SinglePassCanonicalizer::object(std::size_t depth) {
    if (depth >= kMaxDepth) return false;
    if (open_empty('}')) {
        if (depth == 0) last_keys_.clear(); // the next object's keys do not repeat these
        return true;
    }
    const std::size_t frame = members_.size();
    const std::size_t flushes = flushes_;
    bool sorted = true;
    // Rows of a dataset usually list the keys of the row before in the same order. While a
    // top-level object does (`repeat`), its keys are not compared with each other: the last
    // object's order and sortedness hold, and it had no duplicates.
    bool repeat = depth == 0;
    for (;;) {
        if (p_ == end_ || *p_ != '"') return false;
        // The member's parts are kept in locals and the member built in place: copying a
        // Member assembled on the stack stalled on store forwarding (a visible share of rows).
        const char* in_begin = p_;
        const std::size_t out_begin = out_position();
        const std::size_t index = members_.size() - frame;
        if (repeat && !repeats_key(index)) {
            repeat = false;
            if (!check_order(frame, sorted)) return false; // the members so far
        }
        if (!repeat && !string(true)) return false;
        const std::string_view key(in_begin + 1, static_cast<std::size_t>(p_ - in_begin - 2));
        if (!repeat && index > 0) {
            const int cmp = compare_keys(members_.back().key, key);
            if (cmp == 0) return false; // duplicate key: the full canonicaliser reports it
            if (cmp > 0) sorted = false;
        }
        skip_space();
        if (p_ == end_ || *p_ != ':') return false;
        ++p_;
        skip_space();
        if (p_ == end_) return false;
        const char first = *p_;
        if (!value(depth + 1)) return false;
        members_.emplace_back(key, in_begin, p_, out_begin, out_position(),
                              type_of(first, integer_));
        const Next next = after_element('}');
        if (next == Next::Bad) return false;
        if (next == Next::Closed) break;
    }
    if (repeat && members_.size() - frame != last_keys_.size()) {
        repeat = false; // fewer keys than the last object
        if (!check_order(frame, sorted)) return false;
    }
    if (repeat) sorted = last_sorted_;
    if (!sorted) {
        if (!sort_members(frame, depth, repeat)) return false;
        // Nothing written differently since the first member: its members are their own
        // text, copied straight in sorted order.
        write_sorted(frame, flushes_ == flushes && pending_ <= members_[frame].in_begin);
    }
    ++p_; // the closing brace, copied with what follows
    if (depth == 0) {
        for (std::size_t i = frame; i < members_.size(); ++i)
            fields_.push_back({members_[i].key, members_[i].type});
        if (!repeat) {
            last_keys_.resize(members_.size() - frame);
            for (std::size_t i = frame; i < members_.size(); ++i)
                last_keys_[i - frame].assign(members_[i].key);
            last_sorted_ = sorted;
        }
        keys_repeat_ = repeat;
    }
    members_.resize(frame);
    return true;
}

// At a key's opening quote: whether the text there is the last object's key at `index`, quoted
// (then steps past it). That key was checked as a key then (no escape, no control character,
// valid UTF-8), so the same bytes are a valid key now, without scanning them again.
bool SinglePassCanonicalizer::repeats_key(std::size_t index) {
    if (index >= last_keys_.size()) return false;
    const std::string& last = last_keys_[index];
    const auto available = static_cast<std::size_t>(end_ - p_);
    if (available < last.size() + 2 || p_[last.size() + 1] != '"' ||
        !same_key(std::string_view(p_ + 1, last.size()), last))
        return false;
    p_ += last.size() + 2;
    return true;
}

bool SinglePassCanonicalizer::check_order(std::size_t frame, bool& sorted) const {
    for (std::size_t i = frame + 1; i < members_.size(); ++i) {
        const int cmp = compare_keys(members_[i - 1].key, members_[i].key);
        if (cmp == 0) return false;
        if (cmp > 0) sorted = false;
    }
    return true;
}

bool SinglePassCanonicalizer::sort_members(std::size_t frame, std::size_t depth, bool repeat) {
    const std::size_t count = members_.size() - frame;
    order_.resize(count);
    if (repeat) {
        for (std::size_t i = 0; i < count; ++i)
            order_[i] = frame + last_order_[i];
        return true;
    }
    for (std::size_t i = 0; i < count; ++i)
        order_[i] = frame + i;
    std::sort(order_.begin(), order_.end(), [this](std::size_t a, std::size_t b) {
        return compare_keys(members_[a].key, members_[b].key) < 0;
    });
    for (std::size_t i = 1; i < count; ++i)
        if (same_key(members_[order_[i - 1]].key, members_[order_[i]].key))
            return false; // duplicate
    if (depth == 0) {
        last_order_.resize(count);
        for (std::size_t i = 0; i < count; ++i)
            last_order_[i] = order_[i] - frame;
    }
    return true;
}

void SinglePassCanonicalizer::write_sorted(std::size_t frame, bool verbatim) {
    const std::size_t count = members_.size() - frame;
    if (verbatim) {
        p_ = members_[frame].in_begin;
        flush();
        for (std::size_t i = 0; i < count; ++i) {
            if (i > 0) *o_++ = ',';
            const Member& m = members_[order_[i]];
            const auto n = static_cast<std::size_t>(m.in_end - m.in_begin);
            std::memcpy(o_, m.in_begin, n);
            o_ += n;
        }
        // No flush means no whitespace either: the closing brace follows the last member.
        p_ = pending_ = members_.back().in_end;
        return;
    }
    // The members are in the output in text order: rewrite them sorted in the same space (the
    // same members and commas, so the same length).
    flush();
    const std::size_t begin = members_[frame].out_begin;
    const std::size_t length = static_cast<std::size_t>(o_ - out_->data()) - begin;
    if (scratch_capacity_ < length) {
        scratch_capacity_ = std::max(length, scratch_capacity_ * 2);
        scratch_ = std::make_unique_for_overwrite<char[]>(scratch_capacity_);
    }
    std::memcpy(scratch_.get(), out_->data() + begin, length);
    char* o = out_->data() + begin;
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) *o++ = ',';
        const Member& m = members_[order_[i]];
        const std::size_t n = m.out_end - m.out_begin;
        std::memcpy(o, scratch_.get() + (m.out_begin - begin), n);
        o += n;
    }
}

} // namespace llmops
