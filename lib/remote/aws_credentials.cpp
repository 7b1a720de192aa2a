#include "remote/aws_credentials.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/text.hpp"

#include <cstdlib>
#include <system_error>

namespace llmops::remote {

namespace fs = std::filesystem;

namespace {

std::optional<IniSections> read_ini_if_present(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    return parse_aws_ini(read_file(file), file.string());
}

std::string non_empty(const EnvLookup& env, const char* name) {
    auto value = env(name);
    return value ? *value : std::string();
}

fs::path aws_file(const EnvLookup& env, const char* variable, const char* name) {
    if (auto set = non_empty(env, variable); !set.empty()) return set;
    std::string home = non_empty(env, "HOME");
    return fs::path(home.empty() ? "." : home) / ".aws" / name;
}

} // namespace

IniSections parse_aws_ini(std::string_view text, const std::string& file) {
    IniSections sections;
    std::string current;
    bool in_section = false;
    long line_number = 0;
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(at, end - at);
        at = end + 1;
        ++line_number;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        std::string_view line = trim_blanks(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            if (end == text.size()) break;
            continue;
        }
        auto where = ErrorLocation::in_file(file, line_number, 1);
        bool indented = raw.front() == ' ' || raw.front() == '\t';
        if (line.front() == '[') {
            if (line.back() != ']') throw_bad_input("section header without ']'", where);
            current = std::string(trim_blanks(line.substr(1, line.size() - 2)));
            if (current.empty()) throw_bad_input("empty section name", where);
            sections[current];
            in_section = true;
        } else if (indented) {
            // A nested setting (`s3 =` followed by indented lines): not ours to read.
        } else {
            auto equals = line.find('=');
            if (equals == std::string_view::npos)
                throw_bad_input("expected 'key = value' or '[section]'", where);
            if (!in_section) throw_bad_input("setting before any [section]", where);
            std::string key = ascii_lower(trim_blanks(line.substr(0, equals)));
            if (key.empty()) throw_bad_input("setting without a name", where);
            sections[current][key] = std::string(trim_blanks(line.substr(equals + 1)));
        }
        if (end == text.size()) break;
    }
    return sections;
}

std::optional<std::string> process_env(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

AwsCredentials resolve_aws_credentials(const EnvLookup& env,
                                       const std::optional<std::string>& region_override) {
    AwsCredentials c;
    std::string profile = non_empty(env, "AWS_PROFILE");
    if (profile.empty()) profile = "default";
    fs::path credentials_file = aws_file(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    fs::path config_file = aws_file(env, "AWS_CONFIG_FILE", "config");

    c.access_key = non_empty(env, "AWS_ACCESS_KEY_ID");
    c.secret_key = non_empty(env, "AWS_SECRET_ACCESS_KEY");
    if (!c.access_key.empty() && !c.secret_key.empty()) {
        c.session_token = non_empty(env, "AWS_SESSION_TOKEN");
        c.source = "environment";
    } else {
        c.access_key.clear();
        c.secret_key.clear();
        if (auto ini = read_ini_if_present(credentials_file)) {
            if (auto section = ini->find(profile); section != ini->end()) {
                const auto& keys = section->second;
                auto get = [&](const char* k) {
                    auto it = keys.find(k);
                    return it == keys.end() ? std::string() : it->second;
                };
                c.access_key = get("aws_access_key_id");
                c.secret_key = get("aws_secret_access_key");
                c.session_token = get("aws_session_token");
                if (!get("region").empty()) c.region = get("region");
                c.source = credentials_file.string() + " [" + profile + "]";
            }
        }
    }
    if (c.access_key.empty() || c.secret_key.empty())
        throw Error(ErrorKind::Provider,
                    "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and " +
                        credentials_file.string() + " has no key pair for profile '" + profile +
                        "'",
                    {}, "set the two variables, or AWS_PROFILE to a profile that has them");

    if (region_override && !region_override->empty()) {
        c.region = *region_override;
        return c;
    }
    for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"})
        if (auto value = non_empty(env, variable); !value.empty()) {
            c.region = value;
            return c;
        }
    if (c.region.empty()) {
        if (auto ini = read_ini_if_present(config_file)) {
            std::string section = profile == "default" ? profile : "profile " + profile;
            if (auto it = ini->find(section); it != ini->end())
                if (auto region = it->second.find("region"); region != it->second.end())
                    c.region = region->second;
        }
    }
    if (c.region.empty()) c.region = "us-east-1";
    return c;
}

} // namespace llmops::remote
