#pragma once
// The fast path of JsonCanonicalizer: canonical JSON (data/canonical_json.hpp) in one pass over
// the text, without a DOM. It validates while it copies, drops insignificant whitespace and
// reorders the members of objects whose keys are not sorted, so a row that is already canonical
// costs little more than a copy.
//
// It handles the common spellings only. Anything else — every error, and rare forms such as
// exponents, integers beyond 64 bits, escaped keys, lone surrogates or deep nesting — it
// declines, and the caller runs the full canonicaliser, which then gives the bytes or the error.
// So accepting is the only way it can be wrong: tests/unit/json/test_single_pass_canonicalizer.cpp
// checks that whatever it accepts, the full canonicaliser accepts with the same bytes.
#include "json/canonical_json.hpp"
#include "json/text_buffer.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmops {

class SinglePassCanonicalizer {
  public:
    // Appends the canonical form of `text` to `out` and returns true, or returns false and
    // leaves `out` unchanged. Reads only the bytes of `text` (no padding needed). A TextBuffer
    // is written in place (so `text` must not lie in it); a string gets a copy.
    bool append(std::string_view text, JsonRoot root, TextBuffer& out);
    bool append(std::string_view text, JsonRoot root, std::string& out);
    // After an accepted object: its top-level members in text order; nullptr for other roots.
    const std::vector<FieldType>* fields() const { return root_is_object_ ? &fields_ : nullptr; }
    // After an accepted object: whether its top-level keys are those of the object accepted
    // just before it (with no text declined in between), in the same order.
    bool keys_repeat() const { return keys_repeat_; }

  private:
    struct Member {
        std::string_view key; // raw key text between the quotes (never escaped here)
        const char* in_begin; // the member ("key":value) in the text
        const char* in_end;
        std::size_t out_begin; // and in the output
        std::size_t out_end;
        JsonType type;
        // A constructor, not an aggregate: emplace_back with parentheses needs one before
        // clang 16 (the sanitizer builds use clang 14).
        Member() = default;
        Member(std::string_view k, const char* ib, const char* ie, std::size_t ob, std::size_t oe,
               JsonType t)
            : key(k), in_begin(ib), in_end(ie), out_begin(ob), out_end(oe), type(t) {}
    };

    bool append_in_place(JsonRoot root);
    bool value(std::size_t depth);
    bool object(std::size_t depth);
    bool array(std::size_t depth);
    // At an opening bracket: steps past it and the space after; true for an empty container
    // (its closing bracket stepped past too).
    bool open_empty(char close);
    // After a member or element: skips space, then steps past a ',' and the space after it
    // (More), stops at `close` (Closed), or finds anything else (Bad).
    enum class Next { More, Closed, Bad };
    Next after_element(char close);
    // A key (is_key) must have no escapes: it is then its own text between the quotes.
    bool string(bool is_key);
    bool escape();
    bool number();
    bool literal(std::string_view word);
    // Compares the members from `frame` on pairwise: false on a duplicate key; clears `sorted`
    // when they are out of order.
    bool check_order(std::size_t frame, bool& sorted) const;
    bool repeats_key(std::size_t index);
    bool sort_members(std::size_t frame, std::size_t depth, bool repeat);
    bool declined();
    void write_sorted(std::size_t frame, bool verbatim);
    void skip_space() {
        if (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) drop_space();
    }
    void drop_space();
    void flush();
    void reserve_more(std::size_t n);
    std::size_t out_position() const {
        return static_cast<std::size_t>(o_ - out_->data()) +
               static_cast<std::size_t>(p_ - pending_);
    }

    // Output is mostly the text itself: bytes from pending_ to p_ are output not yet copied,
    // and are copied in one piece when something must be written differently (flush()).
    const char* p_ = nullptr;
    const char* end_ = nullptr;
    const char* pending_ = nullptr;
    std::size_t flushes_ = 0;
    TextBuffer* out_ = nullptr; // the output: written in place from mark_ on
    std::size_t mark_ = 0;      // out_'s size before this text
    char* o_ = nullptr;         // output cursor in out_
    TextBuffer own_;            // the output when the caller's is a string
    std::vector<Member> members_;
    std::vector<std::size_t> order_;
    // Rows of a dataset usually list their keys in one order: the keys of the last top-level
    // object (in text order), whether they were sorted, and their sorted order when not, kept
    // to skip comparing and sorting the keys of the next object with the same keys.
    std::vector<std::string> last_keys_;
    std::vector<std::size_t> last_order_;
    bool last_sorted_ = true;
    bool keys_repeat_ = false;
    std::unique_ptr<char[]> scratch_;
    std::size_t scratch_capacity_ = 0;
    std::string number_text_;
    bool integer_ = false; // whether the last number's canonical form is an integer
    bool root_is_object_ = false;
    std::vector<FieldType> fields_;
};

} // namespace llmops
