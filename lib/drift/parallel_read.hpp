#pragma once
// Reading both sides of a drift comparison part by part (a dataset's chunks) on one thread per
// core, with the same samples as reading their rows one after the other.
#include "drift/column_sample.hpp"
#include "drift/column_source.hpp"

#include <map>
#include <string>
#include <vector>

namespace llmops::drift {

// True when both sides can be read so: each is split in parts whose row counts add up to its
// row count.
bool reads_in_parts(const ColumnSource& reference, const ColumnSource& current);

// First the parts of the reference's vocabulary half (its first half of rows; a part across the
// middle is read in two pieces), each thread collecting the words on its own, merged at the end
// of the half; then the rest of the reference and the whole current side, looking the words up.
// Each part's samples are appended to its side in row order (the strings' reservoir sample
// depends on that order), so the samples are exactly read_columns'.
void read_in_parts(ColumnSource& reference, ColumnSource& current,
                   const std::vector<std::string>& columns, Vocabulary& vocabulary,
                   std::map<std::string, ColumnSample>& ref_samples,
                   std::map<std::string, ColumnSample>& cur_samples);

} // namespace llmops::drift
