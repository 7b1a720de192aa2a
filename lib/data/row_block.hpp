#pragma once
// A run of canonical rows with what DatasetWriter needs of each one (where it ends, its hash,
// its field types), prepared on a parsing thread so that the writer's own thread only has to
// cut the rows into chunks.
#include "data/schema_summary.hpp"
#include "json/text_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

struct RowBlock {
    TextBuffer text;                   // canonical rows, each followed by '\n'
    std::vector<std::size_t> ends;     // offset in text just past each row's '\n'
    std::vector<std::uint64_t> hashes; // hash64 of each row without its '\n' (chunk boundaries);
                                       // complete once finish() was called
    SchemaSummary schema;              // field types of these rows

    // Records the row the caller appended to `text` from `start` on (canonical JSON of an
    // object, no newline yet), with its top-level fields when they are known already, and
    // whether their keys repeat those of the fields given for the row before
    // (JsonCanonicalizer::last_keys_repeat).
    void end_row(std::size_t start, const std::vector<FieldType>* fields = nullptr,
                 bool keys_repeat = false);
    // Hashes the rows end_row has not hashed yet; call it after the last row.
    void finish();
    void add(std::string_view row) {
        const std::size_t start = text.size();
        text += row;
        end_row(start);
    }
    std::size_t rows() const { return ends.size(); }
    std::string_view row(std::size_t i) const {
        const std::size_t begin = i == 0 ? 0 : ends[i - 1];
        return text.view().substr(begin, ends[i] - begin - 1);
    }
};

} // namespace llmops::data
