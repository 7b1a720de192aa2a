// Building the injection trigger table from the rules (injection_trigger_index.hpp).
#include "safety/injection_trigger_index.hpp"

#include <map>
#include <stdexcept>
#include <tuple>

#include "safety/injection_reach.hpp"

namespace llmops::safety {

namespace triggers_internal {

bool Index::build_cuckoo() {
    std::fill(cuckoo.begin(), cuckoo.end(), WordKey{});
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (!table[i].used) continue;
        WordKey key = table[i].key;
        key.slot = static_cast<std::int32_t>(i | (rules_of_slot[i] != 0 ? kAnchorsRule : 0));
        const std::uint64_t hash = word_hash2(key, seed);
        if (first_place(hash) == second_place(hash)) return false; // lookup adds both places
        std::size_t at = first_place(hash);
        for (int kick = 0;; ++kick) {
            if (kick == 64) return false;
            std::swap(key, cuckoo[at]);
            if (key.slot < 0) break;
            const std::uint64_t h = word_hash2(key, seed); // the evicted word's other place
            at = at == first_place(h) ? second_place(h) : first_place(h);
        }
    }
    return true;
}

void build_index(Index& x, const std::vector<std::string_view>& rule_ids,
                 const std::vector<std::string>& patterns) {
    x.table.resize(std::size_t{1} << x.bits);
    std::map<std::tuple<int, std::string, std::string>, int> group_ids;
    std::size_t words = 0;
    for (std::size_t r = 0; r < rule_ids.size(); ++r) {
        const auto& specs = rule_trigger_specs();
        auto spec = std::find_if(specs.begin(), specs.end(), [&](const RuleTriggerSpec& s) {
            return s.rule_id == rule_ids[r];
        });
        if (spec == specs.end())
            throw std::logic_error("injection rule " + std::string(rule_ids[r]) +
                                   " has no triggers");
        RuleInfo info;
        info.anchor = spec->anchor;
        for (const auto& group : spec->groups) {
            auto signature = std::make_tuple(static_cast<int>(group.where),
                                             std::string(group.after), std::string(group.words));
            auto [it, fresh] = group_ids.emplace(signature, static_cast<int>(x.groups.size()));
            if (fresh) {
                GroupInfo g;
                g.where = group.where;
                for (char c : group.after)
                    g.after[static_cast<unsigned char>(c)] = true;
                x.groups.push_back(g);
                std::string_view list = group.words;
                while (!list.empty()) {
                    std::size_t space = list.find(' ');
                    std::string_view word = list.substr(0, space);
                    list = space == std::string_view::npos ? "" : list.substr(space + 1);
                    if (word.empty()) continue;
                    bool ok = word.size() <= kMaxTriggerWord &&
                              std::all_of(word.begin(), word.end(), [](char c) {
                                  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                              });
                    if (!ok)
                        throw std::logic_error("injection trigger word '" + std::string(word) +
                                               "' is not a lower-case token of up to 16 bytes");
                    auto& slot = x.slot_for(word_key(
                        reinterpret_cast<const unsigned char*>(word.data()), word.size(), 0));
                    if (!slot.used) ++words;
                    slot.used = true;
                    slot.key = word_key(reinterpret_cast<const unsigned char*>(word.data()),
                                        word.size(), 0);
                    if (slot.groups.empty() || slot.groups.back() != it->second)
                        slot.groups.push_back(it->second);
                    if (words * 2 > x.table.size())
                        throw std::logic_error("injection trigger table is too small");
                }
            }
            info.groups.push_back(it->second);
            const bool word_anchor =
                info.anchor == TriggerAnchor::word || info.anchor == TriggerAnchor::html_image;
            if (info.groups.size() > 1 || !word_anchor) {
                x.companion_bit.resize(x.groups.size(), -1);
                int& bit = x.companion_bit[static_cast<std::size_t>(it->second)];
                if (bit < 0) {
                    if (x.companion_group.size() == 64)
                        throw std::logic_error("injection triggers hold at most 64 companions");
                    bit = static_cast<int>(x.companion_group.size());
                    x.companion_group.push_back(it->second);
                }
                const std::uint64_t mask = std::uint64_t{1} << bit;
                info.companions |= mask;
                if (group.side == TriggerSide::before)
                    info.before |= mask;
                else if (group.side == TriggerSide::after)
                    info.after |= mask;
                else
                    info.either |= mask;
            }
        }
        bool by_runs = info.anchor == TriggerAnchor::word ||
                       info.anchor == TriggerAnchor::line_marker ||
                       info.anchor == TriggerAnchor::end_marker;
        if (by_runs) {
            info.reach = max_runs_in_match(patterns[r]);
            if (info.reach >= kUnboundedRuns)
                throw std::logic_error("injection rule " + std::string(rule_ids[r]) +
                                       " has no bound on its runs");
        }
        if ((info.anchor == TriggerAnchor::word || info.anchor == TriggerAnchor::html_image) &&
            info.groups.empty())
            throw std::logic_error("injection rule " + std::string(rule_ids[r]) +
                                   " has no anchor words");
        if (r >= 64) throw std::logic_error("injection triggers hold at most 64 rules");
        const std::uint64_t bit = std::uint64_t{1} << r;
        if (info.anchor == TriggerAnchor::word || info.anchor == TriggerAnchor::html_image) {
            x.rules_of_group.resize(x.groups.size());
            x.rules_of_group[static_cast<std::size_t>(info.groups[0])] |= bit;
        } else {
            x.rules_of_anchor[static_cast<int>(info.anchor)] |= bit;
        }
        x.rules.push_back(std::move(info));
    }
    // What a piece's words make candidates, and which groups a candidate needs placed.
    x.rules_of_group.resize(x.groups.size());
    if (x.groups.size() > kMaxGroups) throw std::logic_error("too many injection trigger groups");
    x.rules_of_slot.resize(x.table.size());
    x.companion_bit.resize(x.groups.size(), -1);
    x.companions_of_slot.resize(x.table.size());
    for (std::size_t i = 0; i < x.table.size(); ++i) {
        for (int g : x.table[i].groups) {
            x.rules_of_slot[i] |= x.rules_of_group[static_cast<std::size_t>(g)];
            if (int bit = x.companion_bit[static_cast<std::size_t>(g)]; bit >= 0)
                x.companions_of_slot[i] |= std::uint64_t{1} << bit;
        }
    }
    x.anchor_of_rule.resize(x.rules.size());
    for (std::size_t r = 0; r < x.rules.size(); ++r)
        if (x.rules[r].anchor == TriggerAnchor::word ||
            x.rules[r].anchor == TriggerAnchor::html_image)
            x.anchor_of_rule[r].set(static_cast<std::size_t>(x.rules[r].groups[0]));
    for (std::size_t bit = 0; bit < x.companion_group.size(); ++bit)
        if (x.groups[static_cast<std::size_t>(x.companion_group[bit])].where !=
            TriggerWhere::anywhere)
            x.companions_with_where |= std::uint64_t{1} << bit;
    if (x.table.size() > static_cast<std::size_t>(kSlotBits))
        throw std::logic_error("injection trigger table is too large");
    for (x.seed = 0; !x.build_cuckoo(); ++x.seed)
        if (x.seed == 64) throw std::logic_error("injection trigger words do not fit the table");
}

} // namespace triggers_internal

InjectionTriggers::InjectionTriggers(const std::vector<std::string_view>& rule_ids,
                                     const std::vector<std::string>& patterns)
    : index_(std::make_unique<triggers_internal::Index>()) {
    triggers_internal::build_index(*index_, rule_ids, patterns);
}

InjectionTriggers::~InjectionTriggers() = default;

int InjectionTriggers::reach(std::size_t index) const {
    return index_->rules[index].reach;
}

bool InjectionTriggers::is_rule_word(std::string_view word) const {
    if (word.empty() || word.size() > triggers_internal::kMaxTriggerWord) return false;
    const auto* bytes = reinterpret_cast<const unsigned char*>(word.data());
    // `readable` as the word's length: the key is built byte by byte, nothing read past it.
    return index_->lookup(triggers_internal::word_key(bytes, word.size(), word.size())) >= 0;
}

} // namespace llmops::safety
