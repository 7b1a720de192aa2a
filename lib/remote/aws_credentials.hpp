#pragma once
// AWS credentials and region the way the AWS CLI finds them: the environment first
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION),
// then the profile AWS_PROFILE names (else "default") in ~/.aws/credentials and ~/.aws/config
// (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move them). Nothing is ever stored.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::remote {

struct AwsCredentials {
    std::string access_key;
    std::string secret_key;
    std::string session_token; // empty unless temporary credentials
    std::string region;
    std::string source; // "environment" or "FILE [PROFILE]", for messages
};

// section name -> key -> value. Keys are lowercase; values are trimmed.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

// Parses the INI dialect of ~/.aws/credentials and ~/.aws/config: [section] headers,
// `key = value` lines, comments starting with # or ;, blank lines; indented lines continue a
// nested block (s3 = ...) and are skipped. Throws Error(BadInput) at file:line for anything else.
IniSections parse_aws_ini(std::string_view text, const std::string& file);

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// The process environment.
std::optional<std::string> process_env(const char* name);

// Resolves credentials; region_override (a remote's --region) wins over every other source.
// Throws Error(Provider) naming what was looked at when no key pair is found.
AwsCredentials resolve_aws_credentials(const EnvLookup& env,
                                       const std::optional<std::string>& region_override);

} // namespace llmops::remote
