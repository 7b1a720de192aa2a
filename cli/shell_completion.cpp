#include "shell_completion.hpp"

#include "command_table.hpp"
#include "help_text.hpp"

#include <fmt/format.h>

namespace llmops::cli {

namespace {

struct Choice {
    std::string name;
    std::string description;
};

// What completion offers at one command path ("" for the top level).
struct Level {
    std::string path;
    std::vector<Choice> commands;
    std::vector<Choice> options;
    std::vector<std::string> value_options; // the next word is their value, not a command
};

std::vector<Level> levels(const CLI::App& root) {
    std::vector<std::string> paths{""};
    for (const CommandInfo& c : command_table())
        paths.emplace_back(c.path);
    std::vector<Level> out;
    for (const auto& path : paths) {
        const CLI::App* app = find_app(root, path);
        if (!app) continue;
        Level level;
        level.path = path;
        for (const CommandInfo* c : child_commands(path))
            level.commands.push_back({std::string(c->name()), std::string(c->summary)});
        for (const CLI::Option* o : app->get_options()) {
            if (!o->nonpositional()) continue;
            std::vector<std::string> names;
            for (const auto& s : o->get_snames())
                names.push_back("-" + s);
            for (const auto& l : o->get_lnames())
                names.push_back("--" + l);
            for (const auto& n : names) {
                level.options.push_back({n, o->get_description()});
                if (o->get_expected_max() > 0) level.value_options.push_back(n);
            }
        }
        out.push_back(std::move(level));
    }
    return out;
}

// Single-quoted shell word: safe in bash and zsh whatever the text holds.
std::string shell_quoted(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

template <typename Item, typename Format>
std::string words(const std::vector<Item>& items, Format&& format) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : " ") + format(item);
    return out;
}

// `NAME() { case "$1" in ...) REPLY=...;; esac }`, one branch per level.
template <typename Body>
std::string case_function(const std::string& name, const std::string& variable,
                          const std::vector<Level>& all, Body&& body) {
    std::string out = fmt::format("{}() {{\n    case \"$1\" in\n", name);
    for (const auto& level : all) {
        std::string value = body(level);
        if (!value.empty())
            out += fmt::format("        {}) {}={} ;;\n", shell_quoted(level.path), variable, value);
    }
    out += fmt::format("        *) {}=() ;;\n    esac\n}}\n", variable);
    return out;
}

std::string bash_array(const std::vector<std::string>& items) {
    return "(" + words(items, [](const std::string& s) { return shell_quoted(s); }) + ")";
}

std::vector<std::string> names(const std::vector<Choice>& choices) {
    std::vector<std::string> out;
    for (const auto& c : choices)
        out.push_back(c.name);
    return out;
}

// zsh _describe entries: NAME:DESCRIPTION, colons in the name escaped.
std::vector<std::string> described(const std::vector<Choice>& choices) {
    std::vector<std::string> out;
    for (const auto& c : choices) {
        std::string name;
        for (char ch : c.name)
            name += ch == ':' ? std::string("\\:") : std::string(1, ch);
        out.push_back(name + ":" + c.description);
    }
    return out;
}

// Both shells find the command path the same way: words that name a subcommand of the path
// so far extend it; options are skipped, with their value when they take one. `help` is
// followed by a command path of its own.
constexpr const char* kBashMain = R"(_llmops() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local path='' word i helping=''
    local -a REPLY
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == -* ]]; then
            _llmops_value_options "${helping:-$path}"
            [[ " ${REPLY[*]} " == *" $word "* ]] && ((i++))
            continue
        fi
        _llmops_commands "$path"
        if [[ " ${REPLY[*]} " == *" $word "* ]]; then
            path=${path:+$path }$word
            if [[ $path == help ]]; then helping=help path=''; fi
        fi
    done
    if ((COMP_CWORD > 1)) && [[ $prev == -* ]]; then
        _llmops_value_options "${helping:-$path}"
        # An option's value: files, through `complete -o default`.
        if [[ " ${REPLY[*]} " == *" $prev "* ]]; then COMPREPLY=(); return; fi
    fi
    if [[ $cur == -* ]]; then
        _llmops_options "${helping:-$path}"
    else
        _llmops_commands "$path"
    fi
    COMPREPLY=($(compgen -W "${REPLY[*]}" -- "$cur"))
}
complete -o default -F _llmops llmops
)";

constexpr const char* kZshMain = R"(_llmops() {
    local cmdpath='' word helping='' entry
    local -a reply
    integer i
    for ((i = 2; i < CURRENT; i++)); do
        word=${words[i]}
        if [[ $word == -* ]]; then
            _llmops_value_options "${helping:-$cmdpath}"
            (( ${reply[(Ie)$word]} )) && ((i++))
            continue
        fi
        _llmops_commands "$cmdpath"
        for entry in "${reply[@]}"; do
            if [[ ${entry%%:*} == "$word" ]]; then
                cmdpath=${cmdpath:+$cmdpath }$word
                if [[ $cmdpath == help ]]; then helping=help; cmdpath=''; fi
                break
            fi
        done
    done
    if (( CURRENT > 2 )); then
        _llmops_value_options "${helping:-$cmdpath}"
        if (( ${reply[(Ie)${words[CURRENT-1]}]} )); then _files; return; fi
    fi
    if [[ ${words[CURRENT]} == -* ]]; then
        _llmops_options "${helping:-$cmdpath}"
        _describe -t options 'option' reply
    else
        _llmops_commands "$cmdpath"
        if (( ${#reply} )); then _describe -t commands 'command' reply; else _files; fi
    fi
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _llmops "$@"
else
    compdef _llmops llmops
fi
)";

} // namespace

std::string bash_completion(const CLI::App& root) {
    const auto all = levels(root);
    std::string out =
        fmt::format("# bash completion for llmops, generated by `llmops completion bash` ({}).\n"
                    "# Load it with: source <(llmops completion bash)\n\n",
                    LLMOPS_VERSION);
    out += case_function("_llmops_commands", "REPLY", all, [](const Level& l) {
        return l.commands.empty() ? std::string() : bash_array(names(l.commands));
    });
    out += case_function("_llmops_options", "REPLY", all,
                         [](const Level& l) { return bash_array(names(l.options)); });
    out += case_function("_llmops_value_options", "REPLY", all, [](const Level& l) {
        return l.value_options.empty() ? std::string() : bash_array(l.value_options);
    });
    return out + kBashMain;
}

std::string zsh_completion(const CLI::App& root) {
    const auto all = levels(root);
    std::string out =
        fmt::format("#compdef llmops\n"
                    "# zsh completion for llmops, generated by `llmops completion zsh` ({}).\n"
                    "# Save it as _llmops in a folder on $fpath, or load it with:\n"
                    "# source <(llmops completion zsh)\n\n",
                    LLMOPS_VERSION);
    out += case_function("_llmops_commands", "reply", all, [](const Level& l) {
        return l.commands.empty() ? std::string() : bash_array(described(l.commands));
    });
    out += case_function("_llmops_options", "reply", all,
                         [](const Level& l) { return bash_array(described(l.options)); });
    out += case_function("_llmops_value_options", "reply", all, [](const Level& l) {
        return l.value_options.empty() ? std::string() : bash_array(l.value_options);
    });
    return out + kZshMain;
}

} // namespace llmops::cli
