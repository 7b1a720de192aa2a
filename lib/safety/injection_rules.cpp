// The built-in injection rules and their windowed matcher.
#include "safety/injection_rules.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "safety/injection_probe_match.hpp"

namespace llmops::safety {

namespace {

// Word families. Alternatives are separated by '|'; spaces inside them are word separators.
constexpr std::string_view kOverrideVerbs =
    "ignore|ignoring|disregard|disregarding|forget|forgetting|override|overrule|bypass|"
    "discard|dismiss|abandon|neglect|nullify|set aside|put aside|throw away|throw out|"
    "pay no (?:attention|heed|mind) to|(?:do not|don't|dont|never|stop|no longer|cease to|"
    "refuse to) (?:follow|obey|adhere to|comply with|listen to|respect|heed|apply)|"
    "stop following|stop obeying";
// What the override is about: the instructions that came before, or the model's own.
constexpr std::string_view kPriorQualifiers =
    "previous|previously given|prior|preceding|above|earlier|former|initial|original|old|"
    "foregoing|aforementioned|system|developer|hidden|safety|ethical|moral|your|these|those|all "
    "(?:of )?(?:the|your) (?:previous|prior|above|earlier|original|initial)";
constexpr std::string_view kStrongObjects =
    "instructions?|instructed|directions|directives?|prompts?|guidelines|guardrails?|"
    "programming|restrictions|safeguards?|training|conditioning|constraints?|system prompt|"
    "(?:content |usage )?polic(?:y|ies)|principles|protocols?";
constexpr std::string_view kWeakObjects =
    "rules|commands|orders|guidance|filters?|context|text|content|everything|limitations?|task|"
    "mission|goal|purpose|objective";
constexpr std::string_view kRevealVerbs =
    "reveal|show|print|display|output|repeat|recite|tell|give|share|leak|dump|expose|"
    "disclose|write out|write down|spell out|echo|copy|paste|summarize|summarise|translate|"
    "provide|send|return|state|read out|type out|list|what is|what's|whats|what are|what were|"
    "what was";
constexpr std::string_view kSecretQualifiers =
    "system|initial|original|hidden|secret|internal|developer|confidential|pre ?prompt|"
    "underlying|starting|verbatim|raw|preceding|first|beginning|opening|private";
constexpr std::string_view kPromptObjects =
    "prompts?|instructions|directives|programming|guidelines|rules|configuration|"
    "(?:system|developer|initial|first|opening) message";
constexpr std::string_view kUnrestricted =
    "unrestricted|unfiltered|uncensored|unbound|unlimited|unmoderated|unchained|unshackled|"
    "amoral|immoral|unethical|jailbroken|jail broken|liberated|lawless|rule ?less|filter ?less|"
    "limit ?less|boundless|no ?limits?|anything goes|unaligned|unhinged";
constexpr std::string_view kLimits =
    "restrictions?|limits|limitations?|rules|filters?|filtering|censorship|censoring|"
    "guidelines|guardrails?|boundaries|ethics|ethical (?:guidelines|constraints|principles|"
    "boundaries)|morals|morality|moral (?:guidelines|constraints|principles|compass)|content "
    "polic(?:y|ies)|usage polic(?:y|ies)|safety (?:guidelines|measures|protocols|filters|"
    "rules|training)|constraints|programming|restraints|confines|policies|safeguards";
constexpr std::string_view kSecretData =
    "conversation|chat|chat history|conversation history|previous messages|messages so far|"
    "user's (?:data|messages?|information|details|info|input|question|query|email|password|"
    "name|address)|users (?:data|messages|information)|personal (?:data|information|details)|"
    "passwords?|api ?keys?|credentials|secrets?|access tokens?|session (?:tokens?|cookies?|id)|"
    "cookies|private (?:data|information|keys?)|system prompt|memory|memories|chat log|"
    "credit card (?:numbers?|details)|emails?|contacts";
constexpr std::string_view kSinks =
    "url|link|image|img|endpoint|server|webhook|domain|website|address|query (?:string|"
    "parameters?)|markdown image|markdown link|http|https|request";

std::string alt(std::string_view words) {
    return fmt::format("(?:{})", words);
}

struct RuleSource {
    InjectionRule rule;
    bool words = true; // expand_phrase_pattern() first
    std::string pattern;
};

std::vector<RuleSource> rule_sources() {
    const std::string verbs = alt(kOverrideVerbs);
    const std::string prior = alt(kPriorQualifiers);
    const std::string strong = alt(kStrongObjects);
    const std::string weak = alt(kWeakObjects);
    const std::string unrestricted = alt(kUnrestricted);
    const std::string limits = alt(kLimits);
    std::vector<RuleSource> r;
    auto add = [&](std::string_view id, std::string_view family, double score,
                   std::string_view reason, std::string pattern, bool words = true,
                   RuleKind kind = RuleKind::phrase) {
        r.push_back({{id, family, score, kind, reason}, words, std::move(pattern)});
    };

    // ---- instruction override ----------------------------------------------------------------
    add("injection.override.ignore_previous", kFamilyOverride, 0.9,
        "asks to ignore or override the instructions given before",
        fmt::format("\\b{} {{g3}}{} {{g2}}{}\\b", verbs, prior, strong));
    add("injection.override.ignore_previous_rules", kFamilyOverride, 0.75,
        "asks to ignore or override earlier rules or context",
        fmt::format("\\b{} {{g3}}{} {{g2}}{}\\b", verbs, prior, weak));
    add("injection.override.ignore_instructions_above", kFamilyOverride, 0.85,
        "asks to ignore the instructions that came before",
        fmt::format("\\b{} {{g2}}(?:{}|{}) (?:above|before this|before now|so far|given "
                    "(?:to you )?(?:earlier|before|above)|you (?:were|have been|got|received|"
                    "had) (?:given|told)?|you received|you got)\\b",
                    verbs, strong, weak));
    add("injection.override.ignore_all", kFamilyOverride, 0.8,
        "asks to ignore all instructions or guidelines",
        fmt::format("\\b(?:ignore|disregard|forget) (?:all|any|every|each)(?: of)?(?: the| your| "
                    "my)? {}\\b",
                    strong));
    add("injection.override.forget_everything", kFamilyOverride, 0.85,
        "asks to forget everything said or written before",
        "\\b(?:forget|ignore|disregard|erase) (?:everything|all|anything|whatever|what)(?: that)?"
        "(?: (?:you|you've|you have|i've|i have|i|we've|we|they've|they) (?:were|was|have been|"
        "been|had been|have|has)?)? ?(?:told|said|written|instructed|given|learned|taught|"
        "programmed|above|before|previously|so far|until now|up to now|prior|earlier)\\b");
    add("injection.override.ignore_above", kFamilyOverride, 0.8, "asks to ignore the text above",
        "\\b(?:ignore|disregard|forget)(?: all of| everything)?(?: the)? (?:above|foregoing|"
        "preceding)(?: (?:and|instead|now)\\b|\\s*(?:[.,;:!\\n]|$))");
    add("injection.override.ignore_safety", kFamilyOverride, 0.85,
        "asks to ignore or bypass safety or content policies",
        fmt::format("\\b{} {{g2}}(?:safety|content|usage|ethical|ethics|moral|openai's|"
                    "anthropic's|google's) {{g1}}(?:polic(?:y|ies)|guidelines|filters?|rules|"
                    "restrictions|guardrails|protocols|checks|measures)\\b",
                    verbs));
    add("injection.override.declared_void", kFamilyOverride, 0.8,
        "declares the earlier instructions void",
        fmt::format("\\b(?:{}) {{g1}}(?:instructions|rules|directives|prompt|guidelines|"
                    "conversation|context) (?:are|were|is|was|should be|must be|has been|have "
                    "been) (?:now )?(?:outdated|obsolete|void|null|cancelled|canceled|invalid|no "
                    "longer valid|revoked|superseded|wrong|fake|a test|irrelevant|lifted)\\b|"
                    "\\b(?:consider|treat) (?:the|all|your|any) {{g1}}(?:{}) {{g1}}(?:instructions|"
                    "rules|directives|prompt|guidelines|conversation|context) (?:as )?(?:void|"
                    "null|cancelled|canceled|obsolete|invalid|irrelevant|revoked)\\b",
                    prior, prior));
    add("injection.override.new_instructions", kFamilyOverride, 0.6,
        "announces new or replacement instructions",
        "\\b(?:new|updated|real|actual|true|revised|overriding|secret|hidden) (?:system )?"
        "(?:instructions?|directives?|rules|orders|prompt|task)\\s*(?::|-|–|—)");
    add("injection.override.new_task", kFamilyOverride, 0.75,
        "assigns the model a new task, role or goal",
        "\\b(?:your|the|my) (?:new|real|true|actual|only|updated|primary) (?:task|instructions?|"
        "goal|purpose|objective|job|mission|role|directive|orders) (?:is|are|will be|is now|are "
        "now|follow|are as follows)\\b");
    add("injection.override.from_now_on", kFamilyOverride, 0.7,
        "redefines how the model must behave from now on",
        "\\b(?:from now on|from this point on|from here on|henceforth|starting now) {g2}"
        "(?:you will|you'll|you must|you are|you're|you shall|you should|you can) (?:only |always "
        "|never |now )?(?:respond|answer|reply|act|behave|obey|ignore|pretend|be|speak|write|"
        "refuse|comply)\\b");
    add("injection.override.stop_being", kFamilyOverride, 0.8,
        "tells the model to stop being an assistant",
        "\\b(?:stop|cease|quit) (?:being|acting as|acting like|behaving like) (?:an? |the )?"
        "(?:helpful )?(?:assistant|ai|chatbot|language model|llm|model)\\b");
    add("injection.override.hide_from_user", kFamilyOverride, 0.7,
        "tells the model to keep something from the user",
        "\\b(?:(?:do not|don't|dont|never) (?:tell|inform|alert|notify|warn|mention (?:this|it) "
        "to|reveal (?:this|it) to)|without (?:telling|informing|alerting|notifying|warning)) "
        "the user\\b");
    add("injection.override.note_to_ai", kFamilyOverride, 0.7,
        "text that addresses the AI reading it",
        "\\b(?:(?:note|message|attention|instructions?) (?:to|for) (?:the |any |all )?(?:ai|"
        "assistant|llm|chatbot|language model|ai agent|ai model)s?\\b|if you are (?:an? |the )?"
        "(?:ai|llm|language model|ai assistant|ai agent|chatbot|gpt)\\b|(?:ai|llm|assistant|"
        "language model|agent)s? (?:reading|processing|summari[sz]ing) this\\b)");

    // ---- system prompt extraction ------------------------------------------------------------
    add("injection.extraction.reveal_prompt", kFamilyExtraction, 0.85,
        "asks for the system or hidden prompt",
        fmt::format("\\b{} {{g4}}(?:the|your|its|this|my)? ?{} {{g1}}{}\\b", alt(kRevealVerbs),
                    alt(kSecretQualifiers), alt(kPromptObjects)));
    add("injection.extraction.your_instructions", kFamilyExtraction, 0.8,
        "asks for the model's own instructions",
        fmt::format("\\b{} {{g3}}your (?:(?:exact|full|complete|entire|original|initial|first|"
                    "actual|current|whole) )?(?:prompts?|instructions|system prompt|directives|"
                    "programming|pre ?prompt|initial prompt|configuration|guidelines)\\b",
                    alt(kRevealVerbs)));
    add("injection.extraction.system_message", kFamilyExtraction, 0.8,
        "asks for the system or developer message",
        fmt::format("\\b{} {{g4}}(?:system|developer|hidden|initial) (?:message|prompt|"
                    "instructions?)\\b",
                    alt(kRevealVerbs)));
    add("injection.extraction.repeat_above", kFamilyExtraction, 0.85,
        "asks to repeat the text that came before",
        "\\b(?:repeat|print|output|copy|echo|recite|reproduce|write out|write down|type out|show|"
        "display|return|dump) (?:back )?(?:everything|all|all of|all the|the|every) ?(?:text|"
        "words|content|lines|sentences|messages|tokens|instructions)? (?:above|before this|so far|"
        "prior to this|preceding this|from the (?:start|beginning|top)|verbatim|word for word)"
        "\\b");
    add("injection.extraction.start_with_you_are", kFamilyExtraction, 0.8,
        "asks to echo text that begins 'You are'",
        "\\b(?:starting|beginning|start|begin) with (?:the )?(?:words?|phrase|sentence|line|"
        "text)? ?you are\\b");
    add("injection.extraction.how_configured", kFamilyExtraction, 0.65,
        "asks how the model was instructed or configured",
        "\\b(?:what|how) (?:were|was|are|have) you (?:been )?(?:told|instructed|programmed|"
        "configured|prompted|initiali[sz]ed|set up) (?:to do|to say|before|initially|by)\\b");

    // ---- role-play and persona jailbreaks -----------------------------------------------------
    add("injection.persona.do_anything_now", kFamilyPersona, 0.95,
        "the DAN ('do anything now') jailbreak", "\\bdo anything now\\b");
    // Alone, "DAN" is as often a mention in a discussion of jailbreaks: below the default
    // threshold.
    add("injection.persona.dan", kFamilyPersona, 0.45, "names the DAN jailbreak persona",
        "(?-i:\\bDAN\\b)(?:[ \\t]+(?i:mode|prompt|jailbreak))?", false);
    add("injection.persona.mode", kFamilyPersona, 0.85, "switches on a jailbreak mode",
        "\\b(?:dan|jailbreak|jailbroken|god|unrestricted|unfiltered|uncensored|evil|chaos|"
        "opposite|dev) mode\\b|\\b(?:chatgpt|gpt|ai|assistant|model|you) with developer mode\\b|"
        "\\bdeveloper mode (?:output|response|enabled and|is enabled)\\b");
    add("injection.persona.unrestricted_role", kFamilyPersona, 0.9,
        "asks the model to become an unrestricted persona",
        fmt::format("\\b(?:you are|you're|youre|you will be|you'll be|you have become|you've "
                    "become|you become|act as|acting as|become|pretend to be|pretend you are|"
                    "pretend you're|role ?play as|play the role of|behave like|behave as|respond "
                    "as|answer as|simulate|impersonate|transform into|turn into) {{g3}}{}\\b",
                    unrestricted));
    add("injection.persona.evil_twin", kFamilyPersona, 0.85,
        "asks for an evil or unfiltered alter ego",
        "\\b(?:evil|malicious|rogue|dark|shadow|unfiltered|uncensored|opposite|anti) (?:ai|"
        "assistant|model|chatbot|version of (?:yourself|you|chatgpt|the assistant)|twin|alter "
        "ego|bot|gpt|confidant|persona)\\b");
    add("injection.persona.no_restrictions", kFamilyPersona, 0.85,
        "claims the model has no restrictions",
        fmt::format("\\b(?:you|you're|you are|you have|you've|you'll|you will|yourself|you can "
                    "be) {{g3}}(?:no|zero|without|free of|free from|freed from|released from|"
                    "not bound by|not limited by|not restricted by|not subject to|unconstrained "
                    "by|beyond|liberated from|break free of|break free from|broken free of|broken "
                    "free from|exempt from|immune to|no longer bound by|no longer restricted by) "
                    "{{g3}}{}\\b",
                    limits));
    add("injection.persona.ai_without_limits", kFamilyPersona, 0.85,
        "describes an AI that has no restrictions",
        fmt::format("\\b(?:ai|model|assistant|chatbot|bot|language model|version|persona|"
                    "entity|gpt) (?:with|having|has|have|that has|which has|who has) (?:no|zero|"
                    "without) "
                    "(?:any )?{}\\b",
                    limits));
    add("injection.persona.broken_free", kFamilyPersona, 0.7,
        "describes breaking free of an AI's confines",
        fmt::format("\\b(?:broken|break|breaks|broke|breaking|set|sets|been set) free (?:of|from) "
                    "{{g3}}{}\\b",
                    limits));
    add("injection.persona.without_restrictions", kFamilyPersona, 0.75,
        "asks for answers without restrictions or filters",
        fmt::format("\\b(?:answer|respond|reply|speak|talk|write|generate|output) {{g3}}"
                    "(?:without|with no|free of|ignoring) (?:any )?{}\\b",
                    limits));
    add("injection.persona.limits_do_not_apply", kFamilyPersona, 0.8,
        "claims the model's rules no longer apply",
        fmt::format("\\b{} (?:do not|don't|dont|no longer|does not|doesn't|doesnt|won't|will not) "
                    "(?:apply|matter|exist|bind|restrict|limit)\\b",
                    limits));
    add("injection.persona.refusal_suppression", kFamilyPersona, 0.7,
        "forbids the model to refuse or break character",
        "\\b(?:never|don't|do not|dont|must not|mustn't|cannot|can't|won't|will not|shall not|"
        "should not|shouldn't|are not allowed to|aren't allowed to) (?:ever )?(?:refuse|decline|"
        "reject|say no|break character|deny (?:any|a) request|say that you can't|say you cannot)"
        "\\b");
    add("injection.persona.stay_in_character", kFamilyPersona, 0.55,
        "asks the model to stay in a role whatever is asked",
        "\\b(?:stay|remain|keep) in character(?: no matter| whatever| at all times| throughout| "
        "for the rest|\\s*(?:[.!,;]|$))");
    add("injection.persona.dual_response", kFamilyPersona, 0.8,
        "asks for an extra jailbroken or unfiltered answer",
        "\\b(?:jailbroken|jailbreak|unfiltered|uncensored|unrestricted|developer mode|dan) "
        "(?:response|answer|output|reply)s?\\b");
    add("injection.persona.grandma", kFamilyPersona, 0.8,
        "the 'deceased grandmother' role-play exploit",
        "\\b(?:act as|pretend to be|roleplay as|role play as|play|be) my (?:deceased|dead|late|"
        "departed) (?:grandmother|grandma|granny|grandfather|grandpa)\\b");

    // ---- delimiter and fake-role injection ----------------------------------------------------
    add("injection.fake_role.chat_template_token", kFamilyFakeRole, 0.9,
        "contains a chat-template control token",
        "<\\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|end_of_text|"
        "begin_of_text|start_header_id|end_header_id|eot_id|eom_id|endofprompt)\\|>",
        false);
    add("injection.fake_role.llama_markers", kFamilyFakeRole, 0.85,
        "contains Llama instruction or system markers", "\\[/?INST\\]|<</?SYS>>", false);
    add("injection.fake_role.markdown_role_header", kFamilyFakeRole, 0.8,
        "a heading that poses as a system or assistant turn",
        "(?m)^[ \\t]*(?:#{1,6}|\\*\\*|__|>)[ \\t]*(?:system|assistant|developer|admin|"
        "administrator|root|sudo)(?:[ \\t]+(?:message|prompt|instructions?|override|note|update|"
        "notice|turn|command|mode))?[ \\t]*(?:\\*\\*|__)?[ \\t]*:",
        false);
    add("injection.fake_role.bracket_role", kFamilyFakeRole, 0.75,
        "a bracketed tag that poses as a system or assistant turn",
        "(?:\\[|\\()(?:system|assistant|developer|admin|sys|system message|system prompt|"
        "system override|system note)(?:\\]|\\))[ \\t]*(?::|[A-Za-z])",
        false);
    add("injection.fake_role.xml_role", kFamilyFakeRole, 0.6,
        "an XML-style tag that poses as a system turn",
        "</?(?:system|system_prompt|system-prompt|sys|developer|developer_message|admin)>", false);
    add("injection.fake_role.system_line", kFamilyFakeRole, 0.85,
        "a 'System:' line followed by an instruction",
        "(?m)^[ \\t]*(?:system|developer|admin)(?:[ \\t]+(?:message|prompt|note|override|"
        "instruction|update|alert))?[ \\t]*:[ \\t]*(?:you|ignore|disregard|forget|from now|new|"
        "override|the (?:user|assistant|ai)|always|never|do not|don't|respond|reveal|"
        "important|attention|all|your|assistant)\\b",
        false);
    add("injection.fake_role.assistant_line", kFamilyFakeRole, 0.7,
        "a fake assistant turn that agrees in advance",
        "(?m)^[ \\t]*(?:assistant|ai|chatgpt|gpt|bot|model|dan)[ \\t]*:[ \\t]*(?:sure|certainly|"
        "of course|absolutely|okay|ok|yes|here is|here's|i will|i'll|i can|as dan|understood|"
        "jailbreak)",
        false);
    add("injection.fake_role.json_role", kFamilyFakeRole, 0.6,
        "a JSON chat message with a system or developer role",
        "\\{[ \\t\\r\\n]*\"role\"[ \\t\\r\\n]*:[ \\t\\r\\n]*\"(?:system|developer)\"", false);
    add("injection.fake_role.end_marker", kFamilyFakeRole, 0.7,
        "a delimiter that claims to end the prompt or the data",
        "(?:-{3,}|={3,}|#{3,}|\\*{3,}|\\[|<|\\()[ \\t]*(?:end|close|stop)[ \\t_-]*(?:of[ \\t_-]*)?"
        "(?:the[ \\t]*)?(?:system[ \\t_-]*)?(?:prompt|instructions?|context|document|user[ \\t_-]*"
        "input|input|data|conversation|text)\\b",
        false);

    // ---- obfuscation -------------------------------------------------------------------------
    add("injection.obfuscation.decode_and_follow", kFamilyObfuscation, 0.8,
        "asks to decode an encoded text and act on it",
        "\\b(?:decode|decrypt|decipher|translate|convert|unscramble) {g5}(?:base ?64|b64|hex|"
        "hexadecimal|rot ?13|binary|morse|caesar|reversed|backwards) {g8}(?:follow|execute|obey|"
        "run|carry out|act on|perform|do what|comply)\\b");
    add("injection.obfuscation.base64", kFamilyObfuscation, 0, "", std::string(kProbeBase64Pattern),
        false, RuleKind::base64_probe);
    add("injection.obfuscation.base64url", kFamilyObfuscation, 0, "",
        std::string(kProbeBase64UrlPattern), false, RuleKind::base64_probe);
    add("injection.obfuscation.hex", kFamilyObfuscation, 0, "", std::string(kProbeHexPattern),
        false, RuleKind::hex_probe);

    // ---- exfiltration ------------------------------------------------------------------------
    add("injection.exfiltration.send_data", kFamilyExfiltration, 0.85,
        "asks to send conversation or secret data to an outside address",
        fmt::format("\\b(?:send|post|upload|forward|transmit|exfiltrate|leak|append|include|"
                    "encode|embed|add|put|insert|attach|pass|write) {{g4}}{} {{g6}}(?:to|into|in|"
                    "as|via) (?:the |this |a |an |following |my |our )?(?:{}|https?://|www\\.)",
                    alt(kSecretData), alt(kSinks)));
    add("injection.exfiltration.markdown_image", kFamilyExfiltration, 0.9,
        "a markdown image whose URL carries data",
        "!\\[[^\\]\\n]{0,300}\\]\\([ \\t]*<?(https?://[^\\s)>]+)", false, RuleKind::markdown_image);
    add("injection.exfiltration.markdown_link", kFamilyExfiltration, 0.7,
        "a markdown link whose URL carries data",
        "(?:^|[^!\\]])\\[[^\\]\\n]{0,300}\\]\\([ \\t]*<?(https?://[^\\s)>]+)", false,
        RuleKind::markdown_link);
    add("injection.exfiltration.html_image", kFamilyExfiltration, 0.9,
        "an HTML image whose URL carries data",
        "<img\\b[^>]{0,300}?\\bsrc[ \\t]*=[ \\t]*[\"']?(https?://[^\\s\"'>]+)", false,
        RuleKind::html_image);
    return r;
}

RE2::Options rule_options() {
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    options.set_max_mem(64 << 20);
    options.set_encoding(RE2::Options::EncodingLatin1);
    return options;
}

} // namespace

std::string expand_phrase_pattern(std::string_view phrase) {
    // The rules run over bytes (Latin-1 mode: a small, fast DFA); UTF-8 is spelt out where it
    // matters. Between words: anything but letters and digits, including no-break spaces and
    // the dashes, quotes and bullets of U+2010..U+203F.
    constexpr std::string_view separator =
        "(?:[^A-Za-z0-9\\x80-\\xff]|\\xc2[\\xa0-\\xbf]|\\xe2\\x80[\\x90-\\xbf])+";
    // A filler word: ASCII letters and digits, apostrophes, and two-byte letters (accented
    // Latin, Greek, Cyrillic).
    constexpr std::string_view filler =
        "(?:[A-Za-z0-9']|[\\xc3-\\xc9\\xce-\\xd4][\\x80-\\xbf]|\\xe2\\x80\\x99)+";
    constexpr std::string_view apostrophe = "(?:'|\\xe2\\x80\\x99)?";
    std::string out;
    out.reserve(phrase.size() * 2);
    for (std::size_t i = 0; i < phrase.size(); ++i) {
        char c = phrase[i];
        if (c == ' ' && i + 1 < phrase.size() && phrase[i + 1] == '?') {
            out += std::string(separator.substr(0, separator.size() - 1)) + "*";
            ++i;
        } else if (c == ' ') {
            out += separator;
        } else if (c == '\'') {
            out += apostrophe;
        } else if (c == '{' && i + 3 < phrase.size() && phrase[i + 1] == 'g') {
            std::size_t close = phrase.find('}', i);
            std::string_view count = phrase.substr(i + 2, close - i - 2);
            out += fmt::format("(?:{}{}){{0,{}}}", filler, separator, count);
            i = close;
        } else {
            out += c;
        }
    }
    return out;
}

InjectionRuleSet::InjectionRuleSet() {
    std::vector<std::string_view> ids;
    std::vector<std::string> patterns;
    for (auto& source : rule_sources()) {
        std::string pattern =
            source.words ? expand_phrase_pattern(source.pattern) : std::move(source.pattern);
        auto lazy = std::make_unique<LazyRegex>();
        lazy->pattern = pattern;
        rules_.push_back(source.rule);
        regexes_.push_back(std::move(lazy));
        probe_matchers_.push_back(probe_matcher_for(pattern));
        ids.push_back(source.rule.id);
        patterns.push_back(std::move(pattern));
    }
    triggers_ = std::make_unique<InjectionTriggers>(ids, patterns);
}

const RE2& InjectionRuleSet::regex(std::size_t index) const {
    const LazyRegex& lazy = *regexes_[index];
    std::call_once(lazy.compiled, [&] {
        auto regex = std::make_unique<RE2>(lazy.pattern, rule_options());
        // The rule table is ours: a pattern that does not compile is a bug the tests catch.
        if (!regex->ok())
            throw std::logic_error(fmt::format("injection rule {} does not compile: {}",
                                               rules_[index].id, regex->error()));
        lazy.regex = std::move(regex);
    });
    return *lazy.regex;
}

const InjectionRuleSet& InjectionRuleSet::builtin() {
    static const InjectionRuleSet set;
    return set;
}

namespace {

// The matches of `regex` in [begin, end) of `text` from `at` on, as a search of the whole text
// would find them: the bytes around the range still count for \b, ^ and $.
void search_range(const RE2& regex, int rule, std::string_view text, std::size_t begin,
                  std::size_t end, std::size_t& at, std::size_t& count, std::size_t max_count,
                  std::vector<RuleMatch>& out) {
    const int groups = std::min(regex.NumberOfCapturingGroups(), 1);
    re2::StringPiece found[2];
    at = std::max(at, begin);
    while (at <= end && count < max_count &&
           regex.Match(text, at, end, RE2::UNANCHORED, found, groups + 1)) {
        std::size_t first = static_cast<std::size_t>(found[0].data() - text.data());
        std::size_t last = first + found[0].size();
        std::string_view group =
            groups ? std::string_view(found[1].data(), found[1].size()) : std::string_view{};
        out.push_back({rule, first, last, group});
        ++count;
        at = last > first ? last : last + 1;
    }
}

// The same for a probe rule, matched by hand (injection_probe_match.hpp).
void search_probe(ProbeMatcher matcher, int rule, std::string_view text, std::size_t begin,
                  std::size_t end, std::size_t& at, std::size_t& count, std::size_t max_count,
                  std::vector<RuleMatch>& out) {
    at = std::max(at, begin);
    std::size_t first = 0;
    std::size_t last = 0;
    while (at <= end && count < max_count &&
           next_probe_match(matcher, text, at, end, first, last)) {
        out.push_back({rule, first, last, {}});
        ++count;
        at = last > first ? last : last + 1;
    }
}

} // namespace

std::vector<RuleMatch> InjectionRuleSet::match(std::string_view text,
                                               std::size_t max_per_rule) const {
    thread_local TriggerScan scanned;
    triggers_->scan(text, scanned);
    return match(scanned, 0, text.size(), max_per_rule);
}

std::vector<RuleMatch> InjectionRuleSet::match(const TriggerScan& scan, std::size_t begin,
                                               std::size_t end, std::size_t max_per_rule) const {
    // Every match of a rule lies inside one of its windows, and a rule's windows are merged,
    // so searching them in order finds what a search of the whole text finds
    // (injection_triggers.hpp); most texts have no window at all.
    std::vector<RuleMatch> out;
    thread_local std::vector<RuleWindow> windows;
    triggers_->windows(scan, begin, end, windows);
    const std::string_view text = scan.text.substr(begin, end - begin);
    std::size_t at = 0;
    std::size_t count = 0;
    for (std::size_t k = 0; k < windows.size(); ++k) {
        const RuleWindow& w = windows[k];
        if (k == 0 || windows[k - 1].rule != w.rule) at = count = 0;
        const auto rule = static_cast<std::size_t>(w.rule);
        if (probe_matchers_[rule] != ProbeMatcher::none)
            search_probe(probe_matchers_[rule], w.rule, text, w.begin, w.end, at, count,
                         max_per_rule, out);
        else
            search_range(regex(rule), w.rule, text, w.begin, w.end, at, count, max_per_rule, out);
    }
    return out;
}

std::vector<RuleMatch> InjectionRuleSet::match_everywhere(std::string_view text,
                                                          std::size_t max_per_rule) const {
    std::vector<RuleMatch> out;
    for (std::size_t rule = 0; rule < regexes_.size(); ++rule) {
        std::size_t at = 0;
        std::size_t count = 0;
        search_range(regex(rule), static_cast<int>(rule), text, 0, text.size(), at, count,
                     max_per_rule, out);
    }
    return out;
}

} // namespace llmops::safety
