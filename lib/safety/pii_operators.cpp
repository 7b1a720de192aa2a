#include "safety/pii_operators.hpp"

#include "core/error.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>

namespace llmops::safety {

RedactionOperator parse_operator(std::string_view text, const std::string& hash_key_env) {
    RedactionOperator op;
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const std::string_view argument =
        colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    const std::string hint = "operators: redact, mask[:N], hash, replace:TEXT (docs/safety.md)";
    if (name == "redact" && colon == std::string_view::npos) {
        op.kind = OperatorKind::redact;
    } else if (name == "mask") {
        op.kind = OperatorKind::mask;
        if (colon != std::string_view::npos) {
            if (argument.empty() || argument.size() > 3 ||
                !std::all_of(argument.begin(), argument.end(),
                             [](char c) { return c >= '0' && c <= '9'; }))
                throw_usage("mask:N needs a whole number of characters to keep, got '" +
                                std::string(argument) + "'",
                            hint);
            op.keep_last = std::stoul(std::string(argument));
        }
    } else if (name == "hash" && colon == std::string_view::npos) {
        op.kind = OperatorKind::hash;
        op.hash_key_env = hash_key_env;
        const char* key = std::getenv(hash_key_env.c_str());
        if (!key || !*key)
            throw_usage("the hash operator needs a key in the environment variable " + hash_key_env,
                        "set it to a secret of your own; the same key gives the same pseudonyms");
        op.hash_key = key;
    } else if (name == "replace" && colon != std::string_view::npos) {
        op.kind = OperatorKind::replace;
        op.replacement = std::string(argument);
    } else {
        throw_usage("unknown redaction operator '" + std::string(text) + "'", hint);
    }
    return op;
}

namespace {

std::string masked(std::string_view value, std::size_t keep_last) {
    // Count code points so a multi-byte character is one '*'.
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < value.size(); ++i)
        if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) starts.push_back(i);
    if (keep_last >= starts.size()) return std::string(value);
    const std::size_t hidden = starts.size() - keep_last;
    if (keep_last == 0) return std::string(hidden, '*');
    return std::string(hidden, '*') + std::string(value.substr(starts[hidden]));
}

std::string keyed_hash(std::string_view key, std::string_view entity, std::string_view value) {
    // The entity type is part of the message, so equal digits of two types differ.
    const std::string message = std::string(entity) + '\0' + std::string(value);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < 8 && i < length; ++i)
        hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

} // namespace

std::string apply_operator(const RedactionOperator& op, std::string_view entity,
                           std::string_view value) {
    switch (op.kind) {
    case OperatorKind::redact:
        return "<" + std::string(entity) + ">";
    case OperatorKind::mask:
        return masked(value, op.keep_last);
    case OperatorKind::hash:
        return "<" + std::string(entity) + ":" + keyed_hash(op.hash_key, entity, value) + ">";
    case OperatorKind::replace:
        return op.replacement;
    }
    return std::string(value);
}

std::string redact_text(std::string_view text, const std::vector<Finding>& findings,
                        const RedactionOperator& op) {
    std::vector<const Finding*> pii;
    for (const auto& f : findings)
        if (f.kind == FindingKind::pii) pii.push_back(&f);
    std::sort(pii.begin(), pii.end(), [](const Finding* a, const Finding* b) {
        return a->span.byte_begin < b->span.byte_begin;
    });
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    for (const Finding* f : pii) {
        if (f->span.byte_begin < at || f->span.byte_end > text.size()) continue; // overlapping
        out.append(text.substr(at, f->span.byte_begin - at));
        out += apply_operator(
            op, f->type, text.substr(f->span.byte_begin, f->span.byte_end - f->span.byte_begin));
        at = f->span.byte_end;
    }
    out.append(text.substr(at));
    return out;
}

} // namespace llmops::safety
