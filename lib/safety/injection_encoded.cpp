// Base64 and hex payload decoding for the injection rules (injection_encoded.hpp).
#include "safety/injection_encoded.hpp"

#include "core/text.hpp"

namespace llmops::safety {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

bool is_readable_text(std::string_view decoded) {
    if (decoded.size() < 8 || !is_valid_utf8(decoded)) return false;
    std::size_t letters_or_spaces = 0;
    std::size_t spaces = 0;
    for (unsigned char c : decoded) {
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
        if (c == 0x7F) return false;
        if (c == ' ') ++spaces;
        if (c == ' ' || c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) ++letters_or_spaces;
    }
    if (spaces == 0) {
        // No spaces: readable only as another layer of encoding, to be decoded in turn.
        for (unsigned char c : decoded)
            if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') && c != '+' &&
                c != '/' && c != '=' && c != '-' && c != '_')
                return false;
        return decoded.size() >= 16;
    }
    return letters_or_spaces * 10 >= decoded.size() * 7;
}

std::optional<std::string> decode_base64_text(std::string_view run) {
    while (!run.empty() && run.back() == '=')
        run.remove_suffix(1);
    if (run.size() % 4 == 1) run.remove_suffix(1); // a stray character after the payload
    std::string out;
    out.reserve(run.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : run) {
        int value = base64_value(c);
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
            if (out.size() >= kMaxDecodedPayload) break;
        }
    }
    if (out.size() >= kMaxDecodedPayload) out = std::string(utf8_prefix(out, kMaxDecodedPayload));
    if (!is_readable_text(out)) return std::nullopt;
    return out;
}

std::optional<std::string> decode_hex_text(std::string_view run) {
    std::string out;
    out.reserve(run.size() / 2);
    for (std::size_t i = 0; i < run.size() && out.size() < kMaxDecodedPayload;) {
        char c = run[i];
        if (c == ' ' || c == ':') {
            ++i;
            continue;
        }
        if ((c == '\\' && i + 1 < run.size() && run[i + 1] == 'x') ||
            (c == '0' && i + 2 < run.size() && (run[i + 1] == 'x' || run[i + 1] == 'X') &&
             hex_value(run[i + 2]) >= 0 && i + 3 < run.size() && hex_value(run[i + 3]) >= 0)) {
            i += 2;
            continue;
        }
        if (i + 1 >= run.size()) break;
        int high = hex_value(run[i]);
        int low = hex_value(run[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    if (!is_readable_text(out)) return std::nullopt;
    return out;
}

} // namespace llmops::safety
