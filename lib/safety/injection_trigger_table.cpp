// The trigger words of each injection rule (injection_triggers.hpp). For each rule, every group
// lists one word of each alternative of a part of the rule that every match must contain, so
// a match always holds a word of every group. A word counts only as a whole token (a maximal
// run of ASCII letters and digits, lower-cased), so a group is taken only from a part of the
// rule that stands between separators or word boundaries; spellings the rule lets vary
// ("don't" or "dont", "pre prompt" or "preprompt", a plural 's') are all listed. The first
// group anchors the windows; the others must appear inside a window for the rule to run there.
// tests/unit/safety/test_injection_triggers.cpp checks every rule's matches against its words.
#include "safety/injection_triggers.hpp"

namespace llmops::safety {

namespace {

constexpr std::string_view kOverrideVerbWords =
    "ignore ignoring disregard disregarding forget forgetting override overrule bypass discard "
    "dismiss abandon neglect nullify aside throw pay follow obey adhere comply listen respect "
    "heed apply following obeying";
constexpr std::string_view kStrongObjectWords =
    "instruction instructions instructed directions directive directives prompt prompts "
    "guidelines guardrail guardrails programming restrictions safeguard safeguards training "
    "conditioning constraint constraints policy policies principles protocol protocols";
constexpr std::string_view kWeakObjectWords =
    "rules commands orders guidance filter filters context text content everything limitation "
    "limitations task mission goal purpose objective";
constexpr std::string_view kAnyObjectWords =
    "instruction instructions instructed directions directive directives prompt prompts "
    "guidelines guardrail guardrails programming restrictions safeguard safeguards training "
    "conditioning constraint constraints policy policies principles protocol protocols "
    "rules commands orders guidance filter filters context text content everything limitation "
    "limitations task mission goal purpose objective";
constexpr std::string_view kRevealVerbWords =
    "reveal show print display output repeat recite tell give share leak dump expose disclose "
    "write spell echo copy paste summarize summarise translate provide send return state read "
    "type list what whats";
constexpr std::string_view kLimitWords =
    "restriction restrictions limits limitation limitations rules filter filters filtering "
    "censorship censoring guidelines guardrail guardrails boundaries ethics ethical morals "
    "morality moral content usage safety constraints programming restraints confines policies "
    "safeguards";
constexpr std::string_view kSecretDataWords =
    "conversation chat messages user users personal password passwords api apikey apikeys "
    "credentials secret secrets access session cookies private system memory memories credit "
    "email emails contacts";

TriggerGroup words(std::string_view list) {
    return {TriggerWhere::anywhere, "", list};
}
TriggerGroup after(std::string_view bytes, std::string_view list) {
    return {TriggerWhere::after_byte, bytes, list};
}
TriggerGroup line_start(std::string_view list) {
    return {TriggerWhere::line_start, "", list};
}
// Companions that every match holds before, or after, the anchor word.
TriggerGroup before(std::string_view list) {
    return {TriggerWhere::anywhere, "", list, TriggerSide::before};
}
TriggerGroup behind(std::string_view list) {
    return {TriggerWhere::anywhere, "", list, TriggerSide::after};
}

} // namespace

const std::vector<RuleTriggerSpec>& rule_trigger_specs() {
    static const std::vector<RuleTriggerSpec> specs = {
        // ---- instruction override ----
        {"injection.override.ignore_previous",
         TriggerAnchor::word,
         {words(kOverrideVerbWords), behind(kStrongObjectWords)}},
        {"injection.override.ignore_previous_rules",
         TriggerAnchor::word,
         {words(kOverrideVerbWords), behind(kWeakObjectWords)}},
        {"injection.override.ignore_instructions_above",
         TriggerAnchor::word,
         {words(kOverrideVerbWords), behind(kAnyObjectWords)}},
        {"injection.override.ignore_all",
         TriggerAnchor::word,
         {words("ignore disregard forget"), behind(kStrongObjectWords)}},
        {"injection.override.forget_everything",
         TriggerAnchor::word,
         {words("forget ignore disregard erase")}},
        {"injection.override.ignore_above",
         TriggerAnchor::word,
         {words("ignore disregard forget"), behind("above foregoing preceding")}},
        {"injection.override.ignore_safety",
         TriggerAnchor::word,
         {words(kOverrideVerbWords),
          behind("safety content usage ethical ethics moral openai openais anthropic anthropics "
                 "google googles"),
          behind("policy policies guidelines filter filters rules restrictions guardrails "
                 "protocols checks measures")}},
        {"injection.override.declared_void",
         TriggerAnchor::word,
         {words("outdated obsolete void null cancelled canceled invalid valid revoked superseded "
                "wrong fake test irrelevant lifted"),
          before("instructions rules directives prompt guidelines conversation context")}},
        {"injection.override.new_instructions",
         TriggerAnchor::word,
         {words("new updated real actual true revised overriding secret hidden"),
          behind("instruction instructions directive directives rules orders prompt task")}},
        {"injection.override.new_task",
         TriggerAnchor::word,
         {words("new real true actual only updated primary"),
          behind("task instruction instructions goal purpose objective job mission role "
                 "directive orders")}},
        {"injection.override.from_now_on",
         TriggerAnchor::word,
         {words("now point here henceforth"), behind("you youll youre")}},
        {"injection.override.stop_being",
         TriggerAnchor::word,
         {words("stop cease quit"), behind("being acting behaving")}},
        {"injection.override.hide_from_user",
         TriggerAnchor::word,
         {words("user"), before("tell inform alert notify warn mention reveal telling informing "
                                "alerting notifying warning")}},
        {"injection.override.note_to_ai",
         TriggerAnchor::word,
         {words("ai ais llm llms assistant assistants chatbot chatbots language gpt agent "
                "agents")}},
        // ---- system prompt extraction ----
        {"injection.extraction.reveal_prompt",
         TriggerAnchor::word,
         {words("prompt prompts instructions directives programming guidelines rules "
                "configuration message"),
          before(kRevealVerbWords)}},
        {"injection.extraction.your_instructions",
         TriggerAnchor::word,
         {words("your"),
          behind("prompt prompts instructions directives programming preprompt configuration "
                 "guidelines"),
          before(kRevealVerbWords)}},
        {"injection.extraction.system_message",
         TriggerAnchor::word,
         {words("system developer hidden initial"),
          behind("message prompt instruction instructions"), before(kRevealVerbWords)}},
        {"injection.extraction.repeat_above",
         TriggerAnchor::word,
         {words("repeat print output copy echo recite reproduce write type show display return "
                "dump"),
          behind("above before so prior preceding from verbatim word")}},
        {"injection.extraction.start_with_you_are",
         TriggerAnchor::word,
         {words("starting beginning start begin"), behind("are")}},
        {"injection.extraction.how_configured",
         TriggerAnchor::word,
         {words("told instructed programmed configured prompted initialised initialized set"),
          before("what how")}},
        // ---- role-play and persona jailbreaks ----
        {"injection.persona.do_anything_now",
         TriggerAnchor::word,
         {words("anything"), behind("now")}},
        {"injection.persona.dan", TriggerAnchor::word, {words("dan")}},
        {"injection.persona.mode", TriggerAnchor::word, {words("mode")}},
        {"injection.persona.unrestricted_role",
         TriggerAnchor::word,
         {words("unrestricted unfiltered uncensored unbound unlimited unmoderated unchained "
                "unshackled amoral immoral unethical jailbroken jail liberated lawless ruleless "
                "rule filterless filter limitless limit boundless nolimit nolimits limits "
                "anything unaligned unhinged")}},
        {"injection.persona.evil_twin",
         TriggerAnchor::word,
         {words("evil malicious rogue dark shadow unfiltered uncensored opposite anti"),
          behind("ai assistant model chatbot version twin alter bot gpt confidant persona")}},
        {"injection.persona.no_restrictions",
         TriggerAnchor::word,
         {words(kLimitWords), before("you youre youve youll yourself"),
          before("no zero without free freed released not unconstrained beyond liberated break "
                 "broken exempt immune")}},
        {"injection.persona.ai_without_limits",
         TriggerAnchor::word,
         {words(kLimitWords), before("no zero without")}},
        {"injection.persona.broken_free",
         TriggerAnchor::word,
         {words("free"), behind(kLimitWords), behind("of from")}},
        {"injection.persona.without_restrictions",
         TriggerAnchor::word,
         {words(kLimitWords), before("without with free ignoring"),
          before("answer respond reply speak talk write generate output")}},
        {"injection.persona.limits_do_not_apply",
         TriggerAnchor::word,
         {words("apply matter exist bind restrict limit"),
          before("do don dont no does doesn doesnt won wont will"), before(kLimitWords)}},
        {"injection.persona.refusal_suppression",
         TriggerAnchor::word,
         {words("refuse decline reject say break deny"),
          before("never don dont do must mustn mustnt cannot can cant won wont will shall should "
                 "shouldn shouldnt are aren arent")}},
        {"injection.persona.stay_in_character",
         TriggerAnchor::word,
         {words("character"), before("stay remain keep")}},
        {"injection.persona.dual_response",
         TriggerAnchor::word,
         {words("jailbroken jailbreak unfiltered uncensored unrestricted developer dan"),
          behind("response responses answer answers output outputs reply replys")}},
        {"injection.persona.grandma",
         TriggerAnchor::word,
         {words("grandmother grandma granny grandfather grandpa"),
          before("deceased dead late departed")}},
        // ---- delimiter and fake-role injection ----
        {"injection.fake_role.chat_template_token",
         TriggerAnchor::word,
         {after("|", "im system user assistant endoftext end begin start eot eom endofprompt")}},
        {"injection.fake_role.llama_markers", TriggerAnchor::word, {after("[/<", "inst sys")}},
        {"injection.fake_role.markdown_role_header",
         TriggerAnchor::line_marker,
         {words("system assistant developer admin administrator root sudo")}},
        {"injection.fake_role.bracket_role",
         TriggerAnchor::word,
         {after("[(", "system assistant developer admin sys")}},
        {"injection.fake_role.xml_role",
         TriggerAnchor::word,
         {after("</", "system sys developer admin")}},
        {"injection.fake_role.system_line",
         TriggerAnchor::word,
         {line_start("system developer admin")}},
        {"injection.fake_role.assistant_line",
         TriggerAnchor::word,
         {line_start("assistant ai chatgpt gpt bot model dan")}},
        {"injection.fake_role.json_role",
         TriggerAnchor::word,
         {after("\"", "role"), after("\"", "system developer")}},
        {"injection.fake_role.end_marker", TriggerAnchor::end_marker, {}},
        // ---- obfuscation ----
        {"injection.obfuscation.decode_and_follow",
         TriggerAnchor::word,
         {words("decode decrypt decipher translate convert unscramble"),
          behind("base base64 b64 hex hexadecimal rot rot13 binary morse caesar reversed "
                 "backwards")}},
        {"injection.obfuscation.base64", TriggerAnchor::base64_run, {}},
        {"injection.obfuscation.base64url", TriggerAnchor::base64url_run, {}},
        {"injection.obfuscation.hex", TriggerAnchor::hex_run, {}},
        // ---- exfiltration ----
        {"injection.exfiltration.send_data",
         TriggerAnchor::word,
         {words(kSecretDataWords),
          before("send post upload forward transmit exfiltrate leak append include encode embed "
                 "add put insert attach pass write"),
          behind("to into in as via")}},
        {"injection.exfiltration.markdown_image", TriggerAnchor::markdown_target, {}},
        {"injection.exfiltration.markdown_link", TriggerAnchor::markdown_target, {}},
        {"injection.exfiltration.html_image", TriggerAnchor::html_image, {after("<", "img")}},
    };
    return specs;
}

} // namespace llmops::safety
