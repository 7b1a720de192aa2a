#include "mustache/partial_folder.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"

namespace llmops::mustache {

namespace fs = std::filesystem;

PartialCache partials_from_folder(const fs::path& folder) {
    if (folder.empty()) return PartialCache();
    if (!fs::is_directory(folder))
        throw Error(ErrorKind::BadInput, "the partials folder is not a folder",
                    ErrorLocation{.file = folder.string()});
    return PartialCache(
        [folder](std::string_view name) -> std::optional<std::string> {
            if (name.empty() || name.find('/') != std::string_view::npos || name.front() == '.')
                return std::nullopt;
            for (const fs::path& candidate :
                 {folder / (std::string(name) + ".mustache"), folder / std::string(name)}) {
                std::error_code ec;
                if (fs::is_regular_file(candidate, ec)) return read_file(candidate);
            }
            return std::nullopt;
        },
        CompileOptions{.name = folder.string()});
}

} // namespace llmops::mustache
