#include "data/dataset_ref.hpp"

#include "core/error.hpp"

namespace llmops::data {

namespace {
bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_name_char(char c) {
    return is_name_start(c) || c == '.' || c == '_' || c == '-';
}
} // namespace

bool is_valid_dataset_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || !is_name_start(name[0])) return false;
    for (char c : name)
        if (!is_name_char(c)) return false;
    return true;
}

void validate_dataset_name(std::string_view name, std::string_view what) {
    if (!is_valid_dataset_name(name))
        throw Error(ErrorKind::BadInput,
                    std::string("invalid ") + std::string(what) + " '" + std::string(name) +
                        "': use 1-128 letters, digits, '.', '_' or '-', starting with a letter or "
                        "digit");
}

DatasetRef parse_dataset_ref(std::string_view ref) {
    DatasetRef out;
    auto at = ref.find('@');
    out.name = std::string(ref.substr(0, at));
    validate_dataset_name(out.name);
    if (at != std::string_view::npos) {
        std::string selector(ref.substr(at + 1));
        if (selector.empty())
            throw Error(ErrorKind::BadInput,
                        "empty version after '@' in '" + std::string(ref) + "'");
        out.selector = std::move(selector);
    }
    return out;
}

} // namespace llmops::data
