#pragma once
// Where in a text a built-in recognizer's pattern can find something worth validating: its
// zones. Every match of the pattern lies inside one zone (a run of the bytes the pattern is made
// of, around a byte it cannot do without: an '@', a digit, a "://"), zones of one recognizer do
// not overlap, and a zone is left out only when no match inside it can pass the recognizer's
// validation (a phone number needs 7 digits). Matching the pattern zone by zone, with the whole
// text as context, therefore finds exactly the candidates that matching it over the whole text
// finds, while most of the text is read by byte scans instead of a regex.
// tests/unit/safety/test_pii_zones.cpp compares both ways on the labelled sets and on random
// mutations of them.
//
// A text given to find_zones must not be cut inside a line (the engine passes runs of whole
// lines; the built-in patterns cannot match a line break).
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace llmops::safety {

// The built-in recognizers that have zones, one per pattern of builtin_recognizers().
enum class ZoneKind {
    email,
    phone,
    credit_card,
    iban,
    ipv4,
    ipv6,
    url,
    domain,
    us_ssn,
    crypto,
    date,
};
constexpr std::size_t kZoneKinds = 11;

struct Zone {
    std::size_t begin = 0; // bytes, in the text given to find_zones
    std::size_t end = 0;
};

struct TextZones {
    std::array<std::vector<Zone>, kZoneKinds> of; // by ZoneKind, each in text order

    const std::vector<Zone>& zones(ZoneKind kind) const {
        return of[static_cast<std::size_t>(kind)];
    }
};

// The kind of a built-in recognizer ("pii.phone"); nullopt for any other id. A kind holds only
// for the pattern and validation builtin_recognizers() gives that recognizer.
std::optional<ZoneKind> zone_kind_of(std::string_view builtin_id);

// Replaces `out` with the zones of `text`.
void find_zones(std::string_view text, TextZones& out);

} // namespace llmops::safety
