#include "safety/pii_recognizers.hpp"

namespace llmops::safety {

namespace {

// Month names for the date patterns: full or three-letter, "Sept" too.
constexpr const char* kMonth = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|"
                               "july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|"
                               "nov(?:ember)?|dec(?:ember)?)";

std::string date_pattern() {
    const std::string day = R"((?:0?[1-9]|[12]\d|3[01]))";
    const std::string month = R"((?:0?[1-9]|1[0-2]))";
    const std::string year = R"((?:19|20)\d{2})";
    const std::string ordinal = "(?:st|nd|rd|th)?";
    return "(?i)\\b(?:" + year + "-" + month + "-" + day + "|" + year + "/" + month + "/" + day +
           "|" + day + "[/.\\-]" + day + "[/.\\-]" + year + "|" + day + ordinal + "(?: of)? " +
           kMonth + "\\.?,? " + year + "|" + kMonth + "\\.? " + day + ordinal + ",? " + year +
           ")\\b";
}

} // namespace

std::vector<RecognizerSpec> builtin_recognizers() {
    std::vector<RecognizerSpec> r;
    r.push_back({.id = "pii.email",
                 .entity = "EMAIL_ADDRESS",
                 .pattern = R"(\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)"
                            R"((?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+\b)",
                 .validation = "email",
                 .score = 0.95,
                 .context = {"email", "e mail", "mail", "contact", "address", "write"}});
    r.push_back({.id = "pii.phone",
                 .entity = "PHONE_NUMBER",
                 // An optional extension after the number (kPhoneExtensionMarkers).
                 .pattern = R"((?:\+|\(\+?)?\b\d[\d ()./\-]{4,22}\d)"
                            R"((?: ?(?i:x|ext\.?|extension) ?\d{1,6})?\b)",
                 .validation = "phone",
                 .score = 0, // from the phone evidence (safety/pii_phone.hpp)
                 .context = {"phone",     "telephone", "tel",    "mobile",  "cell",     "cellphone",
                             "call",      "calling",   "fax",    "contact", "reach",    "number",
                             "ring",      "whatsapp",  "text",   "sms",     "landline", "hotline",
                             "dial",      "phoned",    "numéro", "telefon", "telefono", "teléfono",
                             "téléphone", "handy"}});
    r.push_back({.id = "pii.credit_card",
                 .entity = "CREDIT_CARD",
                 .pattern = R"(\b(?:\d[ \-]?){11,18}\d\b)",
                 .validation = "credit_card",
                 .score = 0.9,
                 .context = {"credit", "card", "visa", "mastercard", "amex", "cc", "debit",
                             "payment", "pay", "expiry", "cvv"}});
    r.push_back({.id = "pii.iban",
                 .entity = "IBAN_CODE",
                 .pattern = R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b)",
                 .validation = "iban",
                 .score = 0.95,
                 .context = {"iban", "bank", "account", "transfer", "wire", "sepa", "bic"}});
    r.push_back({.id = "pii.ipv4",
                 .entity = "IP_ADDRESS",
                 .pattern = R"(\b(?:\d{1,3}\.){3}\d{1,3}\b)",
                 .validation = "ipv4",
                 .score = 0.8,
                 .context = {"ip", "address", "server", "host", "client", "connect", "ping"}});
    r.push_back({.id = "pii.ipv6",
                 .entity = "IP_ADDRESS",
                 .pattern =
                     // An IPv4 tail first: "::ffff:192.0.2.128" is not "::ffff:192".
                 R"((?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4}))"
                 R"((?:%[0-9A-Za-z]+)?)",
                 .validation = "ipv6",
                 .score = 0.85,
                 .context = {"ip", "ipv6", "address", "server", "host"}});
    r.push_back(
        {.id = "pii.url",
         .entity = "URL",
         .pattern =
             R"((?i)\b(?:(?:https?|ftp)://[^\s<>"'`]+|www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+/[^\s<>"'`]*))",
         .validation = "url",
         .score = 0.85,
         .context = {"url", "link", "website", "site", "visit", "page"}});
    r.push_back(
        {.id = "pii.domain",
         .entity = "DOMAIN_NAME",
         .pattern = R"(\b(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b)",
         .validation = "domain",
         .score = 0.75,
         .context = {"domain", "website", "site", "visit", "url", "host", "dns"}});
    r.push_back({.id = "pii.us_ssn",
                 .entity = "US_SSN",
                 .pattern = R"(\b(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{9})\b)",
                 .validation = "us_ssn",
                 .score = 0.75, // 9 digits with no separators: 0.3 (safety/pii_candidates.cpp)
                 .context = {"ssn", "social security", "social", "security number", "ss"}});
    r.push_back(
        {.id = "pii.crypto",
         .entity = "CRYPTO",
         .pattern =
             R"(\b(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87})\b)",
         .validation = "bitcoin",
         .score = 1.0,
         .context = {"bitcoin", "btc", "wallet", "crypto", "address", "send"}});
    r.push_back({.id = "pii.date_of_birth",
                 .entity = "DATE_TIME",
                 .pattern = date_pattern(),
                 .validation = "date",
                 .score = 0.4, // a date; with birth context words it passes the threshold
                 .context = {"born", "birth", "dob", "birthday", "date of birth", "d o b",
                             "birthdate", "née", "nee", "aged", "age"}});
    return r;
}

const std::vector<std::string>& user_validation_kinds() {
    static const std::vector<std::string> kinds{"none",   "luhn",    "credit_card", "iban",
                                                "us_ssn", "ipv4",    "ipv6",        "email",
                                                "domain", "bitcoin", "date",        "phone"};
    return kinds;
}

} // namespace llmops::safety
