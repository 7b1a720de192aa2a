#pragma once
// The checks that turn a pattern match into a finding: checksums (Luhn, IBAN mod-97, Bitcoin
// base58check and bech32), the US SSN number plan, IP address syntax, domain names against the
// list of top-level domains, and calendar dates. Each takes the matched text as written
// (separators included where the format has them) and says whether it is valid.
#include <optional>
#include <string>
#include <string_view>

namespace llmops::safety {

// Digits only, in order ("4111-1111 1111" -> "411111111111").
std::string digits_of(std::string_view text);

// The Luhn (mod 10) check over the digits of `text`.
bool luhn_valid(std::string_view text);
// A payment card number: 13-19 digits, one kind of separator (none, spaces or hyphens) between
// groups, an issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro),
// not one repeated digit, and the Luhn check.
bool credit_card_valid(std::string_view text);

// IBAN: country code, check digits, the country's length, and the mod-97 check (ISO 13616).
// Spaces between groups are allowed. `text` must be exactly one IBAN.
bool iban_valid(std::string_view text);
// The same without the country's length: a country code, check digits, 15 to 34 characters and
// the mod-97 check.
bool iban_checksum_valid(std::string_view text);
// The length of the IBAN that starts `text` (its country's length), or 0 for an unknown country.
std::size_t iban_length_for_country(std::string_view country_code);

// US Social Security number: area not 000, 666 or 900-999; group not 00; serial not 0000; and
// not one of the numbers printed in advertisements (078-05-1120, 219-09-9999) or 123-45-6789.
bool us_ssn_valid(std::string_view text);

bool ipv4_valid(std::string_view text);
bool ipv6_valid(std::string_view text);

// A top-level domain that exists (the generic ones in common use and every country code).
bool known_top_level_domain(std::string_view tld);
// Host name: labels of 1-63 letters, digits and hyphens (not at either end), at least two
// labels, 253 bytes at most, a known top-level domain.
bool domain_name_valid(std::string_view text);
// addr-spec as people write it: a local part without leading, trailing or doubled dots, and a
// valid domain name.
bool email_valid(std::string_view text);

// Bitcoin addresses: legacy and P2SH (base58check: version byte 0x00 or 0x05, double SHA-256
// checksum) and segwit (bech32 for version 0, bech32m for 1-16, BIP 173 / 350).
bool bitcoin_base58_valid(std::string_view text);
bool bitcoin_bech32_valid(std::string_view text);

// A calendar date whose year, month and day are real (leap years included), read from the
// formats the DATE_TIME recognizer matches: 1990-05-17, 17/05/1990, 05/17/1990, 17.05.1990,
// "17 May 1990", "May 17, 1990". Years 1900-2099.
bool calendar_date_valid(std::string_view text);

} // namespace llmops::safety
