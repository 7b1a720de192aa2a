#include "safety/pii_engine.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/text.hpp"
#include "safety/pii_candidates.hpp"
#include "safety/pii_context.hpp"
#include "safety/pii_phone.hpp"
#include "safety/pii_recognizers.hpp"
#include "safety/pii_zones.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_set>

namespace llmops::safety {

namespace {

// Texts are matched in segments: lines, long lines cut between two lower-case words. The
// built-in patterns, which cannot match a line break, read runs of whole lines (blocks) zone by
// zone; user-defined patterns read the segments an RE2::Set of them matched in.
constexpr std::size_t kSegmentBytes = 2048;

std::vector<std::string_view> segments_of(std::string_view text) {
    std::vector<std::string_view> out;
    // Sized once and mapped in one call: grown by doubling, the list of a large text copied
    // itself and took a page fault per page of each new buffer.
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    out.reserve(lines + 1 + text.size() / kSegmentBytes);
    prefault_for_writing(out.data(), out.capacity() * sizeof(std::string_view));
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        if (end - start > kSegmentBytes) {
            // A space between two lower-case letters is inside no entity this engine reports.
            std::size_t cut = start + kSegmentBytes;
            while (cut + 1 < end &&
                   !(text[cut] == ' ' && std::islower(static_cast<unsigned char>(text[cut - 1])) &&
                     std::islower(static_cast<unsigned char>(text[cut + 1]))))
                ++cut;
            if (cut + 1 < end) end = cut;
        }
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string lower_ascii(std::string_view text) {
    return ascii_lower(text);
}

std::string deny_list_pattern(const std::vector<std::string>& words) {
    std::string alternatives;
    for (const auto& word : words)
        alternatives += (alternatives.empty() ? "" : "|") + RE2::QuoteMeta(word);
    return "(?i)\\b(?:" + alternatives + ")\\b";
}

RE2::Options pattern_options() {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(64 << 20);
    return options;
}

[[noreturn]] void reject_pattern(const std::string& what, const std::string& error,
                                 const ErrorLocation& where) {
    throw Error(ErrorKind::BadInput, what + ": RE2 rejects the pattern: " + error, where);
}

} // namespace

struct PiiEngine::Compiled {
    struct Recognizer {
        RecognizerSpec spec;
        std::unique_ptr<RE2> regex;
        std::vector<ContextPhrase> context;
        double threshold = 0.5;
        std::optional<ZoneKind> zone; // built-in: matched zone by zone
    };
    std::vector<Recognizer> recognizers;
    // Every pattern, in recognizer order: what scan() orders equal findings by (see there).
    std::unique_ptr<RE2::Set> set;
    // The patterns without zones, and their recognizers.
    std::unique_ptr<RE2::Set> unzoned;
    std::vector<std::size_t> unzoned_recognizers;
    std::vector<std::unique_ptr<RE2>> allow_patterns;
    std::unordered_set<std::string> allow_exact; // lower-cased
    std::optional<PhoneJudge> phone;
};

PiiEngine::PiiEngine(PiiSettings settings)
    : settings_(std::move(settings)), compiled_(std::make_unique<Compiled>()) {
    Compiled& c = *compiled_;
    c.phone.emplace(settings_.default_region, settings_.phone_regions.empty()
                                                  ? default_phone_regions()
                                                  : settings_.phone_regions);
    c.set = std::make_unique<RE2::Set>(pattern_options(), RE2::UNANCHORED);

    c.unzoned = std::make_unique<RE2::Set>(pattern_options(), RE2::UNANCHORED);

    std::vector<RecognizerSpec> specs;
    std::vector<std::optional<ZoneKind>> zones;
    for (auto& spec : builtin_recognizers()) {
        const auto& on = settings_.entities;
        if (on.empty() || std::find(on.begin(), on.end(), spec.entity) != on.end()) {
            zones.push_back(zone_kind_of(spec.id));
            specs.push_back(std::move(spec));
        }
    }
    for (const auto& spec : settings_.custom) {
        zones.push_back(std::nullopt);
        specs.push_back(spec);
    }

    for (std::size_t i = 0; i < specs.size(); ++i) {
        auto& spec = specs[i];
        if (spec.pattern.empty() && !spec.deny_list.empty())
            spec.pattern = deny_list_pattern(spec.deny_list);
        auto regex = std::make_unique<RE2>(spec.pattern, pattern_options());
        if (!regex->ok())
            reject_pattern("recognizer '" + spec.id + "'", regex->error(), spec.where);
        if (RE2::FullMatch("", *regex))
            throw Error(ErrorKind::BadInput,
                        "recognizer '" + spec.id + "': the pattern matches the empty text",
                        spec.where);
        std::string error;
        if (c.set->Add(spec.pattern, &error) < 0)
            reject_pattern("recognizer '" + spec.id + "'", error, spec.where);
        if (!zones[i]) {
            if (c.unzoned->Add(spec.pattern, &error) < 0)
                reject_pattern("recognizer '" + spec.id + "'", error, spec.where);
            c.unzoned_recognizers.push_back(i);
        }
        Compiled::Recognizer r;
        r.zone = zones[i];
        r.context = context_phrases(spec.context);
        r.threshold = settings_.threshold_for(spec.entity);
        r.regex = std::move(regex);
        r.spec = std::move(spec);
        c.recognizers.push_back(std::move(r));
    }
    if (c.unzoned_recognizers.empty()) c.unzoned.reset();
    if (!c.set->Compile() || (c.unzoned && !c.unzoned->Compile()))
        throw Error(ErrorKind::BadInput,
                    "the recognizers' patterns together are over RE2's memory budget; use fewer "
                    "or smaller patterns");
    for (std::size_t i = 0; i < settings_.allow_patterns.size(); ++i) {
        auto regex = std::make_unique<RE2>(settings_.allow_patterns[i], pattern_options());
        if (!regex->ok())
            reject_pattern("allow pattern", regex->error(),
                           i < settings_.allow_pattern_where.size()
                               ? settings_.allow_pattern_where[i]
                               : ErrorLocation{});
        c.allow_patterns.push_back(std::move(regex));
    }
    for (const auto& text : settings_.allow_list)
        c.allow_exact.insert(lower_ascii(text));
}

PiiEngine::~PiiEngine() = default;
PiiEngine::PiiEngine(PiiEngine&&) noexcept = default;
PiiEngine& PiiEngine::operator=(PiiEngine&&) noexcept = default;

const PiiSettings& PiiEngine::settings() const {
    return settings_;
}

std::vector<RecognizerSpec> PiiEngine::recognizers() const {
    std::vector<RecognizerSpec> out;
    for (const auto& r : compiled_->recognizers)
        out.push_back(r.spec);
    return out;
}

std::vector<Finding> PiiEngine::scan(std::string_view text) const {
    if (text.empty()) return {};
    if (text.size() > settings_.limits.max_text_bytes)
        throw Error(ErrorKind::BadInput, "the text is " + std::to_string(text.size()) +
                                             " bytes, over the limit of " +
                                             std::to_string(settings_.limits.max_text_bytes) +
                                             " (safety.pii.limits.max_text_bytes)");
    // The SIMD check first; the byte is looked for only in a text that fails it.
    if (!is_valid_utf8(text))
        if (auto bad = find_invalid_utf8(text))
            throw Error(ErrorKind::BadInput,
                        "the text is not valid UTF-8 (byte " + std::to_string(*bad) + ")");

    const Compiled& c = *compiled_;
    struct Scored {
        Candidate candidate;
        const Compiled::Recognizer* recognizer;
        std::size_t match_begin; // of the pattern's match, before validation narrowed it
    };
    std::vector<Scored> found;
    // The matches of `r` in [from, to) of `context`, which starts at `offset` in the text.
    auto find = [&](const Compiled::Recognizer& r, std::string_view context, std::size_t offset,
                    std::size_t from, std::size_t to) {
        re2::StringPiece m;
        std::size_t pos = from;
        while (pos < to && r.regex->Match(context, pos, to, RE2::UNANCHORED, &m, 1)) {
            const std::size_t begin = offset + static_cast<std::size_t>(m.data() - context.data());
            const std::size_t end = begin + m.size();
            pos = end - offset + (m.empty() ? 1 : 0);
            auto candidate = validate_candidate(r.spec, text, begin, end, *c.phone);
            if (!candidate) continue;
            // Context words change nothing when they leave the score as it is (at 1 already)
            // or when it is under the threshold with them and without.
            const double boosted = std::min(1.0, candidate->score + settings_.context_boost);
            if (boosted != candidate->score &&
                (boosted >= r.threshold || candidate->score >= r.threshold) &&
                has_context(text, candidate->begin, candidate->end, r.context,
                            settings_.context_words_before, settings_.context_words_after))
                candidate->score = boosted;
            if (candidate->score < r.threshold) continue;
            found.push_back({std::move(*candidate), &r, begin});
        }
    };

    const std::vector<std::string_view> segments = segments_of(text);
    auto offset_of = [&](std::string_view part) {
        return static_cast<std::size_t>(part.data() - text.data());
    };
    // Built-in recognizers: zone by zone, in blocks of whole lines (segments that a line break,
    // not a cut, separates).
    TextZones zones;
    for (std::size_t first = 0; first < segments.size();) {
        std::size_t last = first;
        while (last + 1 < segments.size() &&
               text[offset_of(segments[last]) + segments[last].size()] == '\n')
            ++last;
        const std::size_t block_begin = offset_of(segments[first]);
        const std::string_view block = text.substr(
            block_begin, offset_of(segments[last]) + segments[last].size() - block_begin);
        first = last + 1;
        find_zones(block, zones);
        for (const auto& r : c.recognizers)
            if (r.zone)
                for (const Zone& z : zones.zones(*r.zone))
                    find(r, block, block_begin, z.begin, z.end);
    }
    // User-defined recognizers: in the segments their set matched in.
    std::vector<int> matched;
    if (c.unzoned) {
        for (std::string_view segment : segments) {
            matched.clear();
            if (!c.unzoned->Match(segment, &matched)) continue;
            for (int index : matched)
                find(c.recognizers[c.unzoned_recognizers[static_cast<std::size_t>(index)]], segment,
                     offset_of(segment), 0, segment.size());
        }
    }

    // Allow lists.
    std::erase_if(found, [&](const Scored& s) {
        std::string_view value =
            text.substr(s.candidate.begin, s.candidate.end - s.candidate.begin);
        if (c.allow_exact.contains(lower_ascii(value))) return true;
        for (const auto& allow : c.allow_patterns)
            if (RE2::FullMatch(value, *allow)) return true;
        return false;
    });

    // Overlaps: the higher score wins, then the longer span, then the earlier one.
    auto before = [](const Scored& a, const Scored& b) {
        if (a.candidate.score != b.candidate.score) return a.candidate.score > b.candidate.score;
        const auto la = a.candidate.end - a.candidate.begin,
                   lb = b.candidate.end - b.candidate.begin;
        if (la != lb) return la > lb;
        return a.candidate.begin < b.candidate.begin;
    };
    std::sort(found.begin(), found.end(), before);
    // Equal findings of two recognizers (same span and score) are left in the order std::sort
    // leaves them from the order they were found in, which was: segment by segment, in each the
    // recognizers in the order the set of all patterns reports them, and each one's matches by
    // position. Found zone by zone the order differs, so when there are such ties it is made
    // again and sorted again, for the same winner as ever.
    if (std::adjacent_find(found.begin(), found.end(), [&](const Scored& a, const Scored& b) {
            return !before(a, b) && !before(b, a);
        }) != found.end()) {
        std::vector<std::size_t> starts;
        for (std::string_view segment : segments)
            starts.push_back(offset_of(segment));
        auto segment_of = [&](const Scored& s) {
            return static_cast<std::size_t>(
                std::upper_bound(starts.begin(), starts.end(), s.match_begin) - starts.begin() - 1);
        };
        std::map<std::size_t, std::vector<int>> set_order; // segment -> recognizers, reported
        for (const Scored& s : found) {
            const std::size_t segment = segment_of(s);
            if (set_order.contains(segment)) continue;
            c.set->Match(segments[segment], &set_order[segment]);
        }
        auto key = [&](const Scored& s) {
            const std::size_t segment = segment_of(s);
            const auto& order = set_order[segment];
            const int index = static_cast<int>(s.recognizer - c.recognizers.data());
            const auto rank = std::find(order.begin(), order.end(), index) - order.begin();
            return std::tuple(segment, rank, s.match_begin);
        };
        std::sort(found.begin(), found.end(),
                  [&](const Scored& a, const Scored& b) { return key(a) < key(b); });
        std::sort(found.begin(), found.end(), before);
    }
    std::map<std::size_t, std::size_t> taken; // begin -> end
    std::vector<const Scored*> kept;
    for (const auto& s : found) {
        auto next = taken.lower_bound(s.candidate.begin);
        if (next != taken.end() && next->first < s.candidate.end) continue;
        if (next != taken.begin() && std::prev(next)->second > s.candidate.begin) continue;
        taken.emplace(s.candidate.begin, s.candidate.end);
        kept.push_back(&s);
    }
    std::sort(kept.begin(), kept.end(), [](const Scored* a, const Scored* b) {
        return a->candidate.begin < b->candidate.begin;
    });

    std::vector<Finding> findings;
    findings.reserve(kept.size());
    std::size_t code_points = 0, counted_to = 0;
    auto advance_to = [&](std::size_t byte) {
        for (; counted_to < byte; ++counted_to)
            if ((static_cast<unsigned char>(text[counted_to]) & 0xC0) != 0x80) ++code_points;
        return code_points;
    };
    for (const Scored* s : kept) {
        Finding f;
        f.kind = FindingKind::pii;
        f.type = s->recognizer->spec.entity;
        f.rule_id = s->recognizer->spec.id;
        f.span.byte_begin = s->candidate.begin;
        f.span.byte_end = s->candidate.end;
        f.span.code_point_begin = advance_to(s->candidate.begin);
        f.span.code_point_end = advance_to(s->candidate.end);
        f.score = s->candidate.score;
        f.validation = s->candidate.validation;
        findings.push_back(std::move(f));
    }
    return findings;
}

} // namespace llmops::safety
