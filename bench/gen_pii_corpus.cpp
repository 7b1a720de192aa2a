// Writes the labelled PII test sets of tests/data/safety (deterministic: a fixed seed) and, for
// bench/bench_safety.sh, mixed English text of a given size.
//
//   gen_pii_corpus labelled OUT.jsonl      sentences with placed entities (code point offsets)
//   gen_pii_corpus benign OUT.jsonl        sentences with numbers, names and files but no PII
//   gen_pii_corpus text BYTES OUT.txt      mixed prose, about 1 line in 10 holding an entity
//
// Phone numbers are libphonenumber's example numbers of 40 regions with their last digits
// varied (kept only when still valid), written in national format without a country code (80%)
// or in international format (20%), half of them with a context word near.
#include <openssl/evp.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using nlohmann::json;

std::mt19937_64 rng(20261206);

int uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}
template <typename T> const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
}
std::string digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
        s += static_cast<char>('0' + uniform(0, 9));
    return s;
}
std::size_t code_points(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

const std::vector<std::string> kFirst = {"Anna",  "José",  "Liam",  "Zoë",   "Mei",    "Omar",
                                         "Priya", "Lars",  "Chloé", "Kenji", "Fatima", "Noah",
                                         "Olga",  "Tomás", "Aisha", "Ben"};
const std::vector<std::string> kLast = {"Smith",  "García", "Müller", "Rossi", "Kowalski", "Chen",
                                        "Okafor", "Nguyen", "Dubois", "Silva", "Hansen",   "Patel"};
const std::vector<std::string> kDomains = {"example.com", "mail.example.org", "acme.co.uk",
                                           "firma.de",    "uni-lyon.fr",      "startup.io",
                                           "globex.net",  "health.gov",       "shop.com.au"};

// ---- generators of values ------------------------------------------------------------------

std::string email() {
    std::string user =
        pick(std::vector<std::string>{"anna", "j.smith", "liam.chen", "mei_88", "o.okafor",
                                      "priya+news", "lars", "info", "kenji.t", "noah2024"});
    return user + "@" + pick(kDomains);
}

std::string luhn_complete(std::string prefix, int length) {
    while (static_cast<int>(prefix.size()) < length - 1)
        prefix += static_cast<char>('0' + uniform(0, 9));
    for (char check = '0'; check <= '9'; ++check) {
        std::string n = prefix + check;
        int sum = 0;
        bool twice = false;
        for (auto it = n.rbegin(); it != n.rend(); ++it) {
            int d = *it - '0';
            if (twice && (d *= 2) > 9) d -= 9;
            sum += d;
            twice = !twice;
        }
        if (sum % 10 == 0) return n;
    }
    return prefix;
}

std::string group(const std::string& d, const std::vector<int>& sizes, const std::string& sep) {
    std::string out;
    std::size_t at = 0;
    for (int size : sizes) {
        if (!out.empty()) out += sep;
        out += d.substr(at, static_cast<std::size_t>(size));
        at += static_cast<std::size_t>(size);
    }
    return out;
}

std::string credit_card() {
    const int kind = uniform(0, 3);
    const std::string sep = pick(std::vector<std::string>{" ", "-", ""});
    if (kind == 0) return group(luhn_complete("4" + digits(1), 16), {4, 4, 4, 4}, sep);
    if (kind == 1)
        return group(luhn_complete(std::to_string(uniform(51, 55)), 16), {4, 4, 4, 4}, sep);
    if (kind == 2) return group(luhn_complete(uniform(0, 1) ? "34" : "37", 15), {4, 6, 5}, sep);
    return group(luhn_complete("6011", 16), {4, 4, 4, 4}, sep);
}

std::string iban() {
    struct Country {
        std::string code;
        int letters; // bank code letters at the start of the BBAN
        int length;
    };
    static const std::vector<Country> countries = {
        {"DE", 0, 22}, {"GB", 4, 22}, {"FR", 0, 27}, {"NL", 4, 18}, {"ES", 0, 24},
        {"IT", 1, 27}, {"CH", 0, 21}, {"BE", 0, 16}, {"AT", 0, 20}, {"PL", 0, 28}};
    const Country& c = pick(countries);
    std::string bban;
    for (int i = 0; i < c.letters; ++i)
        bban += static_cast<char>('A' + uniform(0, 25));
    bban += digits(c.length - 4 - c.letters);
    std::string rearranged = bban + c.code + "00";
    unsigned remainder = 0;
    for (char ch : rearranged) {
        if (ch >= '0' && ch <= '9')
            remainder = (remainder * 10 + static_cast<unsigned>(ch - '0')) % 97;
        else
            remainder = (remainder * 100 + static_cast<unsigned>(ch - 'A' + 10)) % 97;
    }
    char check[3];
    std::snprintf(check, sizeof check, "%02u", 98 - remainder);
    std::string compact = c.code + check + bban;
    if (uniform(0, 2) == 0) return compact;
    std::string spaced;
    for (std::size_t i = 0; i < compact.size(); ++i) {
        if (i && i % 4 == 0) spaced += ' ';
        spaced += compact[i];
    }
    return spaced;
}

std::string ssn() {
    int area = uniform(1, 899);
    if (area == 666) area = 667;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d-%02d-%04d", area, uniform(1, 99), uniform(1, 9999));
    std::string s = buf;
    if (uniform(0, 4) == 0)
        for (char& ch : s)
            if (ch == '-') ch = ' ';
    return s;
}

std::string ipv4() {
    return std::to_string(uniform(1, 223)) + "." + std::to_string(uniform(0, 255)) + "." +
           std::to_string(uniform(0, 255)) + "." + std::to_string(uniform(1, 254));
}

std::string ipv6() {
    auto hex = [] {
        char b[8];
        std::snprintf(b, sizeof b, "%x", uniform(1, 0xffff));
        return std::string(b);
    };
    if (uniform(0, 1)) return "2001:db8:" + hex() + "::" + hex();
    std::string s = "fe80";
    for (int i = 0; i < 7; ++i)
        s += ":" + hex();
    return s;
}

std::string url() {
    const std::string host =
        pick(std::vector<std::string>{"www.example.com", "shop.acme.co.uk", "docs.globex.net",
                                      "news.example.org", "blog.startup.io", "portal.health.gov"});
    const std::string path = pick(std::vector<std::string>{
        "/", "/account/settings", "/orders?id=" + digits(5), "/u/" + digits(6),
        "/reset-password?token=" + digits(8), "/index.html"});
    return pick(std::vector<std::string>{"https://", "http://"}) + host + path;
}

std::string domain() {
    return pick(std::vector<std::string>{"example.com", "acme-corp.de", "globex.net",
                                         "mybakery.co.uk", "techstartup.io", "citylibrary.org",
                                         "garcia-family.es", "portal.health.gov"});
}

// Base58check of a version byte and 20 random bytes.
std::string base58_address() {
    std::vector<unsigned char> payload{static_cast<unsigned char>(uniform(0, 1) ? 0x00 : 0x05)};
    for (int i = 0; i < 20; ++i)
        payload.push_back(static_cast<unsigned char>(uniform(0, 255)));
    unsigned char h1[32], h2[32];
    unsigned int len = 0;
    EVP_Digest(payload.data(), payload.size(), h1, &len, EVP_sha256(), nullptr);
    EVP_Digest(h1, 32, h2, &len, EVP_sha256(), nullptr);
    payload.insert(payload.end(), h2, h2 + 4);
    static const char* alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    std::vector<unsigned char> digits58;
    for (unsigned char byte : payload) {
        unsigned carry = byte;
        for (auto& d : digits58) {
            carry += static_cast<unsigned>(d) << 8;
            d = static_cast<unsigned char>(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits58.push_back(static_cast<unsigned char>(carry % 58));
            carry /= 58;
        }
    }
    std::string out;
    for (unsigned char byte : payload) {
        if (byte) break;
        out += '1';
    }
    for (auto it = digits58.rbegin(); it != digits58.rend(); ++it)
        out += alphabet[*it];
    return out;
}

std::string bech32_address() {
    static const char* charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    std::vector<std::uint8_t> data{0}; // witness version 0
    std::uint32_t acc = 0;
    int bits = 0;
    for (int i = 0; i < 20; ++i) {
        acc = (acc << 8) | static_cast<std::uint32_t>(uniform(0, 255));
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            data.push_back(static_cast<std::uint8_t>((acc >> bits) & 31));
        }
    }
    if (bits) data.push_back(static_cast<std::uint8_t>((acc << (5 - bits)) & 31));
    auto polymod = [](const std::vector<std::uint8_t>& v) {
        const std::uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
        std::uint32_t chk = 1;
        for (auto x : v) {
            std::uint32_t top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ x;
            for (int i = 0; i < 5; ++i)
                if ((top >> i) & 1) chk ^= gen[i];
        }
        return chk;
    };
    std::vector<std::uint8_t> values{3, 3, 0, 2, 3};
    values.insert(values.end(), data.begin(), data.end());
    values.insert(values.end(), 6, 0);
    const std::uint32_t mod = polymod(values) ^ 1;
    std::string out = "bc1";
    for (auto d : data)
        out += charset[d];
    for (int i = 0; i < 6; ++i)
        out += charset[(mod >> (5 * (5 - i))) & 31];
    return out;
}

std::string date_of_birth() {
    static const std::vector<std::string> months = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    const int y = uniform(1940, 2005), m = uniform(1, 12), d = uniform(1, 28);
    char buf[40];
    switch (uniform(0, 4)) {
    case 0:
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        break;
    case 1:
        std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d, m, y);
        break;
    case 2:
        std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", m, d, y);
        break;
    case 3:
        return std::to_string(d) + " " + months[static_cast<std::size_t>(m - 1)] + " " +
               std::to_string(y);
    default:
        return months[static_cast<std::size_t>(m - 1)] + " " + std::to_string(d) + ", " +
               std::to_string(y);
    }
    return buf;
}

const std::vector<std::string> kPhoneRegions = {
    "US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI",
    "PL", "PT", "IE", "CZ", "GR", "HU", "RO", "TR", "IN", "JP", "KR", "CN", "AU", "NZ",
    "CA", "BR", "MX", "AR", "ZA", "NG", "KE", "EG", "IL", "SG", "PH", "ID"};

std::string phone(bool& international) {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    for (int attempt = 0; attempt < 50; ++attempt) {
        const std::string& region = pick(kPhoneRegions);
        PhoneNumber number;
        const auto type = uniform(0, 1) ? PhoneNumberUtil::MOBILE : PhoneNumberUtil::FIXED_LINE;
        if (!util.GetExampleNumberForType(region, type, &number)) continue;
        // Vary the last three digits; keep the number when it is still valid.
        std::uint64_t national = number.national_number();
        national = national - national % 1000 + static_cast<std::uint64_t>(uniform(0, 999));
        number.set_national_number(national);
        if (!util.IsValidNumber(number)) continue;
        std::string out;
        international = uniform(0, 4) == 0;
        util.Format(number,
                    international ? PhoneNumberUtil::INTERNATIONAL : PhoneNumberUtil::NATIONAL,
                    &out);
        // People do not always write the groups as the numbering plan does: one in three
        // national numbers gets hyphens or dots for spaces, or no separators at all.
        const int style = international ? 0 : uniform(0, 8);
        if (style == 1 || style == 2) {
            for (char& c : out)
                if (c == ' ') c = style == 1 ? '-' : '.';
        } else if (style == 3) {
            std::string compact;
            for (char c : out)
                if (c != ' ' && c != '-') compact += c;
            out = compact;
        }
        return out;
    }
    international = false;
    return "(201) 555-0123";
}

// ---- sentences -----------------------------------------------------------------------------

struct Sentence {
    std::string text;
    json entities = json::array();

    void add(const std::string& piece) { text += piece; }
    void entity(const std::string& type, const std::string& value) {
        const std::size_t start = code_points(text);
        text += value;
        entities.push_back({{"type", type}, {"start", start}, {"end", code_points(text)}});
    }
};

std::string person() {
    return pick(kFirst) + " " + pick(kLast);
}

// A template "before {} after" filled with one entity.
Sentence with_entity(const std::string& type, const std::string& value,
                     const std::vector<std::string>& templates) {
    const std::string& t = pick(templates);
    const std::size_t at = t.find("{}");
    Sentence s;
    std::string before = t.substr(0, at);
    std::size_t p;
    while ((p = before.find("{name}")) != std::string::npos)
        before.replace(p, 6, person());
    s.add(before);
    s.entity(type, value);
    s.add(t.substr(at + 2));
    return s;
}

Sentence labelled_sentence(const std::string& type) {
    if (type == "EMAIL_ADDRESS")
        return with_entity(type, email(),
                           {"Please contact {name} at {} for the invoice.", "My email is {}",
                            "Send the signed form to {} by Friday.", "{} wrote to us twice.",
                            "Reply-To: {}", "{name} ({}) joined the call late."});
    if (type == "CREDIT_CARD")
        return with_entity(type, credit_card(),
                           {"My card number is {} and it expires 09/27.",
                            "Charge {} for the order.", "The customer paid with {}.", "Visa: {}",
                            "{name} gave the card {} over the phone."});
    if (type == "IBAN_CODE")
        return with_entity(type, iban(),
                           {"Please transfer the deposit to IBAN {}.", "Account: {}",
                            "Refund to {} within 14 days.", "{name}'s bank account is {}."});
    if (type == "US_SSN")
        return with_entity(type, ssn(),
                           {"My SSN is {}.", "Social security number: {}",
                            "{name} (SSN {}) filed the claim.", "ssn {} on file"});
    if (type == "IP_ADDRESS")
        return with_entity(type, uniform(0, 3) ? ipv4() : ipv6(),
                           {"The login came from {} at 3am.", "Blocked IP {} after 5 attempts.",
                            "Server {} is down.", "{name} connected from {} yesterday."});
    if (type == "URL")
        return with_entity(type, url(),
                           {"Reset it at {} please.", "See {} for the details.",
                            "{name} shared {} in the chat.", "Link: {}"});
    if (type == "DOMAIN_NAME")
        return with_entity(type, domain(),
                           {"Our new site is {}.", "Visit {} to book.", "{name} owns {} now.",
                            "The mail server for {} bounced it."});
    if (type == "CRYPTO")
        return with_entity(type, uniform(0, 2) ? base58_address() : bech32_address(),
                           {"Send the bitcoin to {} today.", "My BTC wallet: {}",
                            "{name} paid from {} last week.", "Donations: {}"});
    if (type == "DATE_TIME")
        return with_entity(type, date_of_birth(),
                           {"{name} was born on {}.", "Date of birth: {}", "DOB {}",
                            "Her birthday is {} and she lives in Leeds.",
                            "Patient {name}, born {}, was admitted."});
    // PHONE_NUMBER
    bool international = false;
    const std::string number = phone(international);
    return with_entity(type, number,
                       {"Call me at {} after six.", "My phone number is {}.",
                        "{name} can be reached on {}.", "Mobile: {}", "Tel. {}",
                        "Ring the front desk on {} if the door is locked.",
                        // no context word near:
                        "{name} left {} on the form.", "{} is the one for the Leeds office.",
                        "Write this down: {}", "{name}, {}, 14 Baker Street."});
}

const std::vector<std::string> kBenign = {
    "Version 2.14.3 was released on Tuesday with 37 bug fixes.",
    "The order #48213 shipped in 3 boxes weighing 12.5 kg in total.",
    "It costs $1,299.99, or €1.150 in the spring sale.",
    "The city's population was 8,336,817 in 2019 and grew 1.2% a year.",
    "The meeting starts at 14:30 and ends at 16:00.",
    "The ISBN is 978-0-306-40615-7.",
    "Edit setup.py and README.md, then run make -j4.",
    "Between 1990-2000 the rate fell from 12.5 to 7.25 percent.",
    "Page 123 of 456 explains the 2023/24 budget.",
    "Set timeout=30 and retries=5 in config.yaml.",
    "Call stack depth reached 1024 frames.",
    "Error code 0x80070005 means access denied.",
    "The answer is 42, not 4,200.",
    "Add 250 g flour, 3 eggs and 500 ml milk.",
    "The train leaves platform 9 at 10:45 and arrives at 13:20.",
    "Use numpy.array and pandas.DataFrame for the data.",
    "The self.name attribute is set in __init__.",
    "Score: 98.6 out of 100 on 2 tries.",
    "Room 404 is on floor 4, building B.",
    "The model has 7000000000 parameters and 32 layers.",
    "Temperatures ranged from -5 to 12 degrees.",
    "Flight BA 2490 departs from gate 23.",
    "There were 1,234,567 visitors in 2,019 days.",
    "Chapter 3.2.1 covers the basics.",
    "The 10 km race had 2500 runners.",
    "Invoice 2024-0042 is overdue by 15 days.",
    "Reference 123456 was approved.",
    "Serial number SN-4815162342 is registered.",
    "In 1969, 600 million people watched the landing.",
    "The vote was 52 to 48 with 3 abstentions.",
};

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: gen_pii_corpus labelled|benign OUT | text BYTES OUT\n";
        return 2;
    }
    const std::string mode = argv[1];
    const std::vector<std::string> types = {
        "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
        "URL",           "DOMAIN_NAME",  "US_SSN",      "CRYPTO",    "DATE_TIME"};
    if (mode == "labelled") {
        std::ofstream out(argv[2]);
        for (const auto& type : types) {
            const int n = type == "PHONE_NUMBER" ? 400 : 120;
            for (int i = 0; i < n; ++i) {
                Sentence s = labelled_sentence(type);
                // One in five sentences carries a second entity of another type.
                if (uniform(0, 4) == 0) {
                    Sentence second = labelled_sentence(pick(types));
                    const std::size_t shift = code_points(s.text) + 1;
                    s.text += " " + second.text;
                    for (auto e : second.entities) {
                        e["start"] = e["start"].get<std::size_t>() + shift;
                        e["end"] = e["end"].get<std::size_t>() + shift;
                        s.entities.push_back(e);
                    }
                }
                out << json{{"text", s.text}, {"entities", s.entities}}.dump() << "\n";
            }
        }
        return 0;
    }
    if (mode == "benign") {
        std::ofstream out(argv[2]);
        for (const auto& line : kBenign)
            out << json{{"text", line}, {"entities", json::array()}}.dump() << "\n";
        return 0;
    }
    if (mode == "text" && argc >= 4) {
        const std::size_t bytes = std::stoull(argv[2]);
        std::ofstream out(argv[3]);
        std::size_t written = 0;
        while (written < bytes) {
            std::string line = uniform(0, 9) == 0 ? labelled_sentence(pick(types)).text
                                                  : pick(kBenign) + " " + pick(kBenign);
            line += "\n";
            out << line;
            written += line.size();
        }
        return 0;
    }
    std::cerr << "usage: gen_pii_corpus labelled|benign OUT | text BYTES OUT\n";
    return 2;
}
