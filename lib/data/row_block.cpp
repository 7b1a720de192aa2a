#include "data/row_block.hpp"

#include "core/hash.hpp"

namespace llmops::data {

void RowBlock::end_row(std::size_t start, const std::vector<FieldType>* fields, bool keys_repeat) {
    const std::string_view row = std::string_view(text).substr(start);
    hashes.push_back(hash64(row));
    if (fields)
        schema.add_fields(*fields, keys_repeat);
    else
        schema.add_row(row);
    text.push_back('\n');
    ends.push_back(text.size());
}

} // namespace llmops::data
