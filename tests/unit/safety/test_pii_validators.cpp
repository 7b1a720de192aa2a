// The validators behind the PII recognizers, on real valid numbers and near misses.
#include <catch2/catch.hpp>

#include "safety/pii_validators.hpp"

using namespace llmops::safety;

TEST_CASE("credit cards: Luhn, issuer prefix, one kind of separator", "[safety][pii]") {
    CHECK(credit_card_valid("4111 1111 1111 1111"));       // Visa test number
    CHECK(credit_card_valid("5500-0000-0000-0004"));       // Mastercard
    CHECK(credit_card_valid("3782 822463 10005"));         // Amex
    CHECK(credit_card_valid("6011111111111117"));          // Discover
    CHECK(credit_card_valid("3530111333300000"));          // JCB
    CHECK(credit_card_valid("3088000000000009"));          // JCB, an older range
    CHECK(credit_card_valid("180000000000002"));           // JCB, 15 digits
    CHECK(credit_card_valid("3518528633333504"));          // JCB by the common rule (35, 16)
    CHECK(credit_card_valid("501878716163"));              // Maestro, 12 digits
    CHECK(credit_card_valid("6759 6498 2648"));            // Maestro, 12 digits in groups
    CHECK_FALSE(credit_card_valid("573992978623"));        // 12 digits outside Maestro's ranges
    CHECK_FALSE(credit_card_valid("3087000000000000"));    // between JCB's ranges (Luhn passes)
    CHECK_FALSE(credit_card_valid("4111 1111 1111 1112")); // Luhn fails
    CHECK_FALSE(credit_card_valid("4111-1111 1111-1111")); // mixed separators
    CHECK_FALSE(credit_card_valid("0000 0000 0000 0000")); // Luhn passes, no issuer, one digit
    CHECK_FALSE(credit_card_valid("9111111111111111"));    // unknown issuer
    CHECK(luhn_valid("79927398713"));
    CHECK_FALSE(luhn_valid("79927398710"));
}

TEST_CASE("IBAN: mod-97 and the country's length", "[safety][pii]") {
    CHECK(iban_valid("GB82 WEST 1234 5698 7654 32"));
    CHECK(iban_valid("DE89 3704 0044 0532 0130 00"));
    CHECK(iban_valid("FR14 2004 1010 0505 0001 3M02 606"));
    CHECK(iban_valid("NL91ABNA0417164300"));
    CHECK(iban_valid("NO9386011117947"));
    CHECK_FALSE(iban_valid("GB82 WEST 1234 5698 7654 33")); // check digits
    CHECK_FALSE(iban_valid("DE89 3704 0044 0532 0130 0"));  // one character short
    CHECK_FALSE(iban_valid("XX82 WEST 1234 5698 7654 32")); // no such country
    CHECK(iban_length_for_country("DE") == 22);
    // Without the country's length: Faker's "GB" IBANs of 21 characters.
    CHECK(iban_checksum_valid("GB50LBCL9139099603082"));
    CHECK_FALSE(iban_valid("GB50LBCL9139099603082"));
    CHECK_FALSE(iban_checksum_valid("GB51LBCL9139099603082"));
    CHECK_FALSE(iban_checksum_valid("GB82WEST1234"));                               // too short
    CHECK_FALSE(iban_checksum_valid("GB82 WEST 1234 5698 7654 32 1234 5678 9012")); // too long
    CHECK(iban_length_for_country("ZZ") == 0);
}

TEST_CASE("US SSN: the number plan's invalid areas, groups and serials", "[safety][pii]") {
    CHECK(us_ssn_valid("536-22-1234"));
    CHECK(us_ssn_valid("536 22 1234"));
    CHECK(us_ssn_valid("536221234"));
    CHECK_FALSE(us_ssn_valid("000-12-3456"));
    CHECK_FALSE(us_ssn_valid("666-12-3456"));
    CHECK_FALSE(us_ssn_valid("900-12-3456"));
    CHECK_FALSE(us_ssn_valid("999-12-3456"));
    CHECK_FALSE(us_ssn_valid("536-00-1234"));
    CHECK_FALSE(us_ssn_valid("536-22-0000"));
    CHECK_FALSE(us_ssn_valid("078-05-1120")); // the Woolworth wallet card
    CHECK_FALSE(us_ssn_valid("536-22 1234")); // mixed separators
}

TEST_CASE("IP addresses: v4 octets, v6 syntax", "[safety][pii]") {
    CHECK(ipv4_valid("192.168.1.1"));
    CHECK(ipv4_valid("8.8.8.8"));
    CHECK_FALSE(ipv4_valid("256.1.1.1"));
    CHECK_FALSE(ipv4_valid("01.2.3.4"));
    CHECK_FALSE(ipv4_valid("1.2.3"));
    CHECK(ipv6_valid("2001:db8::1"));
    CHECK(ipv6_valid("fe80::1%eth0"));
    CHECK(ipv6_valid("::ffff:192.0.2.1"));
    CHECK(ipv6_valid("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
    CHECK_FALSE(ipv6_valid("2001:db8:::1"));
    CHECK_FALSE(ipv6_valid("12:30:45"));
}

TEST_CASE("domain names and e-mail addresses need a real top-level domain", "[safety][pii]") {
    CHECK(domain_name_valid("example.com"));
    CHECK(domain_name_valid("docs.python.org"));
    CHECK(domain_name_valid("bbc.co.uk"));
    CHECK(domain_name_valid("Example.COM"));
    CHECK_FALSE(domain_name_valid("config.yaml"));
    CHECK_FALSE(domain_name_valid("end.Next")); // a missing space, not a domain
    CHECK_FALSE(domain_name_valid("-bad.com"));
    CHECK_FALSE(domain_name_valid("com"));
    CHECK(email_valid("john.doe@example.com"));
    CHECK(email_valid("a+tag@mail.example.de"));
    CHECK_FALSE(email_valid("john..doe@example.com"));
    CHECK_FALSE(email_valid(".john@example.com"));
    CHECK_FALSE(email_valid("x@example.nope"));
}

TEST_CASE("Bitcoin addresses: base58check and bech32/bech32m checksums", "[safety][pii]") {
    CHECK(bitcoin_base58_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")); // the genesis block
    CHECK(bitcoin_base58_valid("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")); // P2SH
    CHECK_FALSE(bitcoin_base58_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
    CHECK_FALSE(bitcoin_base58_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a"));   // '0' not base58
    CHECK(bitcoin_bech32_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")); // BIP 173
    CHECK(bitcoin_bech32_valid("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")); // upper case
    CHECK(bitcoin_bech32_valid(
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")); // BIP 350
    CHECK_FALSE(bitcoin_bech32_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
    CHECK_FALSE(bitcoin_bech32_valid("bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")); // mixed case
    CHECK_FALSE(bitcoin_bech32_valid("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx")); // testnet
}

TEST_CASE("dates of birth: real calendar dates in common formats", "[safety][pii]") {
    CHECK(calendar_date_valid("1990-05-17"));
    CHECK(calendar_date_valid("17/05/1990"));
    CHECK(calendar_date_valid("05/17/1990"));
    CHECK(calendar_date_valid("17.05.1990"));
    CHECK(calendar_date_valid("17 May 1990"));
    CHECK(calendar_date_valid("May 17, 1990"));
    CHECK(calendar_date_valid("3rd of March 1985"));
    CHECK(calendar_date_valid("29 February 2000"));
    CHECK_FALSE(calendar_date_valid("30 February 2000"));
    CHECK_FALSE(calendar_date_valid("29/02/1999"));
    CHECK_FALSE(calendar_date_valid("1990-13-01"));
    CHECK_FALSE(calendar_date_valid("17/05/1776"));
}
