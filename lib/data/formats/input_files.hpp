#pragma once
// Turning the paths a user gave into the list of files to read.
#include <filesystem>
#include <vector>

namespace llmops::data {

// Expands each input in order: a file stays as given (its format is decided later, even with an
// unknown extension); a directory becomes the data files below it, recursively, sorted by their
// path relative to it (byte order), so the same tree always gives the same order. In a
// directory only files with a known extension (.jsonl .ndjson .csv .json, any case) count;
// hidden entries (names starting with '.') are skipped, and symbolic links to directories are
// not followed. Throws Error(BadInput) located at the path for: an input that does not exist, a
// directory (or subdirectory) that cannot be listed, a data file that cannot be read (including
// a dangling symbolic link), and a directory holding no data files.
std::vector<std::filesystem::path> expand_inputs(const std::vector<std::filesystem::path>& inputs);

} // namespace llmops::data
