#pragma once
// Sorting a column's values ascending, faster than a comparison sort where the values allow it,
// with exactly stats::sort_ascending's result (which the rest of drift then finds sorted).
#include <vector>

namespace llmops::drift {

// Small non-negative integers (lengths, counts, integer fields) are counted; a long sample of
// other numbers is counted when it has few distinct values (shares), else radix-sorted on its
// bits; anything else (short samples, a negative zero, whose place beside +0 a comparison sort
// leaves open) goes to stats::sort_ascending.
void sort_values(std::vector<double>& values);

} // namespace llmops::drift
