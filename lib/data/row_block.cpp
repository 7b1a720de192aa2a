#include "data/row_block.hpp"

#include "core/hash.hpp"

namespace llmops::data {

void RowBlock::end_row(std::size_t start, const std::vector<FieldType>* fields, bool keys_repeat) {
    if (fields)
        schema.add_fields(*fields, keys_repeat);
    else
        schema.add_row(text.view().substr(start));
    text.push_back('\n');
    ends.push_back(text.size());
    // The row before, not this one: this row's bytes were just stored a few at a time, and
    // hashing them now stalls every 16-byte load until those stores retire (the hash took
    // three times as long as on settled bytes).
    if (hashes.size() + 2 == ends.size()) hashes.push_back(hash64(row(hashes.size())));
}

void RowBlock::finish() {
    while (hashes.size() < ends.size())
        hashes.push_back(hash64(row(hashes.size())));
}

} // namespace llmops::data
