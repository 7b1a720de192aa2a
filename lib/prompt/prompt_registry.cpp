#include "prompt/prompt_registry.hpp"

#include <algorithm>
#include <utility>

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "json/canonical_json.hpp"

namespace llmops::prompt {

namespace fs = std::filesystem;
using nlohmann::json;
using store::Statement;

namespace {

bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_name_char(char c) {
    return is_name_start(c) || c == '.' || c == '_' || c == '-';
}
bool is_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool all_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

// Every query that builds a PromptVersionInfo selects these columns, then adds a WHERE.
constexpr std::string_view kVersionColumns =
    "SELECT v.id, v.prompt_id, p.name, v.number, v.spec, v.description, v.message, v.source, "
    "v.created_at, v.parent_id, pp.name || '@' || pv.number "
    "FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id "
    "LEFT JOIN prompt_versions pv ON pv.id = v.parent_id "
    "LEFT JOIN prompts pp ON pp.id = pv.prompt_id ";

PromptVersionInfo read_version(const Statement& st) {
    PromptVersionInfo v;
    v.id = st.column_int(0);
    v.prompt_id = st.column_int(1);
    v.name = st.column_text(2);
    v.number = st.column_int(3);
    v.hash = st.column_text(4);
    v.description = st.column_text(5);
    v.message = st.column_text(6);
    v.source = st.column_text(7);
    v.created_at = st.column_text(8);
    if (!st.is_null(9)) v.parent_id = st.column_int(9);
    v.parent_ref = st.column_optional_text(10).value_or("");
    return v;
}

std::string version_query(std::string_view where) {
    return std::string(kVersionColumns) + std::string(where);
}

Error unknown_version(const PromptRef& ref) {
    return Error(ErrorKind::BadInput,
                 "prompt '" + ref.name + "' has no version or label '" + *ref.selector + "'", {},
                 "run 'llmops prompt log " + ref.name + "' to see its versions and labels");
}

std::string source_for_store(const fs::path& file, const fs::path& root) {
    std::error_code ec;
    fs::path abs = fs::weakly_canonical(fs::absolute(file), ec);
    if (ec) return file.string();
    fs::path canonical_root = fs::weakly_canonical(root, ec);
    if (ec) return abs.string();
    fs::path rel = abs.lexically_relative(canonical_root);
    if (rel.empty() || *rel.begin() == "..") return abs.string();
    return rel.generic_string();
}

} // namespace

PromptRef parse_prompt_ref(std::string_view ref) {
    PromptRef out;
    auto at = ref.find('@');
    out.name = std::string(ref.substr(0, at));
    bool name_ok = !out.name.empty() && out.name.size() <= 128 && is_name_start(out.name[0]) &&
                   std::all_of(out.name.begin(), out.name.end(), is_name_char);
    if (!name_ok)
        throw Error(ErrorKind::BadInput,
                    "invalid prompt reference '" + std::string(ref) +
                        "': a name is 1-128 letters, digits, '.', '_' or '-', starting with a "
                        "letter or digit");
    if (at != std::string_view::npos) {
        std::string selector(ref.substr(at + 1));
        if (selector.empty() || !std::all_of(selector.begin(), selector.end(), is_name_char))
            throw Error(ErrorKind::BadInput, "invalid prompt reference '" + std::string(ref) +
                                                 "': expected NAME@VERSION, NAME@LABEL or "
                                                 "NAME@HASH");
        out.selector = std::move(selector);
    }
    return out;
}

void validate_label(std::string_view label) {
    if (label == "latest")
        throw_usage("'latest' is automatic: it always names the newest version",
                    "choose another label, e.g. production or staging");
    bool ok = !label.empty() && label.size() <= 64 && is_letter(label[0]) &&
              std::all_of(label.begin(), label.end(), is_name_char);
    if (!ok)
        throw_usage("invalid label '" + std::string(label) +
                    "': use a letter, then up to 63 letters, digits, '.', '_' or '-'");
}

PromptRegistry::PromptRegistry(store::Project& project) : project_(project) {}

std::int64_t PromptRegistry::prompt_id(std::string_view name) {
    Statement st = project_.db().prepare("SELECT id FROM prompts WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) {
        std::vector<std::string> names;
        for (Statement all = project_.db().prepare("SELECT name FROM prompts ORDER BY name");
             all.step();)
            names.push_back(all.column_text(0));
        throw Error(ErrorKind::BadInput,
                    with_did_you_mean("no prompt named '" + std::string(name) + "'", name, names),
                    {},
                    "run 'llmops prompt list' to see the prompts, 'llmops prompt add' to add one");
    }
    return st.column_int(0);
}

std::vector<std::string> PromptRegistry::labels_of(const PromptVersionInfo& version) {
    std::vector<std::string> labels;
    Statement latest =
        project_.db().prepare("SELECT max(number) FROM prompt_versions WHERE prompt_id = ?");
    latest.bind(1, version.prompt_id);
    if (latest.step() && latest.column_int(0) == version.number) labels.push_back("latest");
    Statement st = project_.db().prepare(
        "SELECT label FROM prompt_labels WHERE version_id = ? ORDER BY label");
    st.bind(1, version.id);
    while (st.step())
        labels.push_back(st.column_text(0));
    return labels;
}

PromptVersionInfo PromptRegistry::version_by_id(std::int64_t id) {
    Statement st = project_.db().prepare(version_query("WHERE v.id = ?"));
    st.bind(1, id);
    if (!st.step()) throw_store_error("prompt version " + std::to_string(id) + " is missing");
    PromptVersionInfo v = read_version(st);
    v.labels = labels_of(v);
    return v;
}

PromptVersionInfo PromptRegistry::resolve(std::string_view text) {
    PromptRef ref = parse_prompt_ref(text);
    std::int64_t pid = prompt_id(ref.name);
    std::string selector = ref.selector.value_or("latest");
    std::optional<std::int64_t> found;
    auto first_id = [&](Statement& st) -> std::optional<std::int64_t> {
        if (st.step()) return st.column_int(0);
        return std::nullopt;
    };
    if (selector == "latest") {
        Statement st = project_.db().prepare(
            "SELECT id FROM prompt_versions WHERE prompt_id = ? ORDER BY number DESC LIMIT 1");
        st.bind(1, pid);
        found = first_id(st);
        if (!found) throw Error(ErrorKind::BadInput, "prompt '" + ref.name + "' has no versions");
    } else if (all_digits(selector)) {
        Statement st = project_.db().prepare(
            "SELECT id FROM prompt_versions WHERE prompt_id = ? AND number = ?");
        st.bind(1, pid).bind(
            2, static_cast<std::int64_t>(selector.size() > 18 ? -1 : std::stoll(selector)));
        found = first_id(st);
    }
    if (!found && !all_digits(selector)) {
        Statement st = project_.db().prepare(
            "SELECT version_id FROM prompt_labels WHERE prompt_id = ? AND label = ?");
        st.bind(1, pid).bind(2, selector);
        found = first_id(st);
    }
    if (!found && selector.size() >= 4 && all_hex(selector)) {
        const std::string prefix = ascii_lower(selector);
        // The same content may be several versions (a revert): the newest wins.
        Statement st =
            project_.db().prepare("SELECT id, spec FROM prompt_versions WHERE prompt_id = ?1 AND "
                                  "substr(spec, 1, length(?2)) = ?2 ORDER BY number DESC");
        st.bind(1, pid).bind(2, prefix);
        std::string first_hash;
        while (st.step()) {
            if (!found) {
                found = st.column_int(0);
                first_hash = st.column_text(1);
            } else if (st.column_text(1) != first_hash) {
                throw Error(ErrorKind::BadInput,
                            "ambiguous hash prefix '" + selector + "' for prompt '" + ref.name +
                                "'",
                            {}, "give more hex digits");
            }
        }
    }
    if (!found) throw unknown_version(ref);
    return version_by_id(*found);
}

json PromptRegistry::load_document(const PromptVersionInfo& version) {
    std::string text = project_.objects().get(Hash128::from_hex(version.hash));
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        throw_store_error("the spec of prompt " + version.ref() + " is not a JSON object",
                          ErrorLocation{.file = version.hash});
    return doc;
}

CompiledPromptPtr PromptRegistry::load(const PromptVersionInfo& version) {
    if (auto it = loaded_.find(version.id); it != loaded_.end()) return it->second;
    CompiledPromptPtr parent;
    if (version.parent_id) parent = load(version_by_id(*version.parent_id));
    CompiledPromptPtr prompt =
        compile_stored_prompt(load_document(version), std::move(parent), version.ref(),
                              PromptOrigin{version.id, version.number, version.hash});
    loaded_.emplace(version.id, prompt);
    return prompt;
}

AddResult PromptRegistry::add_file(const fs::path& file, const std::string& message) {
    ParentLoader load_parent = [this](std::string_view ref) { return load(resolve(ref)); };
    return add_loaded(load_prompt_spec_file(file, load_parent),
                      source_for_store(file, project_.paths().root), message);
}

AddResult PromptRegistry::add_text(std::string_view yaml_text, const std::string& source_name,
                                   const std::string& message) {
    ParentLoader load_parent = [this](std::string_view ref) { return load(resolve(ref)); };
    return add_loaded(parse_prompt_spec(yaml_text, source_name, load_parent), source_name, message);
}

AddResult PromptRegistry::add_loaded(LoadedSpec loaded, const std::string& source,
                                     const std::string& message) {
    // A name a template uses must be declared, so that whether a row may lack it is written
    // down (required, optional, a default) instead of found by a run's every row failing.
    if (!loaded.undeclared.empty())
        throw Error(ErrorKind::BadInput, loaded.undeclared.front().message,
                    loaded.undeclared.front().where,
                    "declare it under 'variables:' (with 'required: false' or a 'default' when "
                    "it may be absent)");
    const CompiledPrompt& prompt = *loaded.prompt;

    // The stored spec pins its parent by hash: a version always renders the same way, and a
    // changed parent makes a changed child.
    json document = prompt.spec.document;
    std::optional<std::int64_t> parent_id;
    if (prompt.parent) {
        document["extends"] = prompt.parent->spec.name + "@" + prompt.parent->origin.hash;
        parent_id = prompt.parent->origin.version_id;
    }
    std::string canonical = canonical_json(document);
    std::string hash = hash128(canonical).hex();
    // Objects go in before the rows that name them (a crash leaves at most garbage for gc).
    project_.objects().put(canonical);

    AddResult result;
    result.warnings = std::move(loaded.warnings);
    store::Database& db = project_.db();
    store::Transaction tx(db);
    std::optional<std::int64_t> pid;
    {
        Statement st = db.prepare("SELECT id FROM prompts WHERE name = ?");
        st.bind(1, prompt.spec.name);
        if (st.step()) pid = st.column_int(0);
    }
    if (pid) {
        Statement st = db.prepare("SELECT id, spec FROM prompt_versions WHERE prompt_id = ? ORDER "
                                  "BY number DESC LIMIT 1");
        st.bind(1, *pid);
        if (st.step() && st.column_text(1) == hash) {
            std::int64_t id = st.column_int(0);
            tx.commit(); // nothing written
            result.version = version_by_id(id);
            return result;
        }
    } else {
        Statement st = db.prepare("INSERT INTO prompts (name, created_at) VALUES (?, ?)");
        st.bind(1, prompt.spec.name).bind(2, now_iso8601()).run();
        pid = db.last_insert_rowid();
    }
    std::int64_t number = 0;
    {
        Statement st = db.prepare("SELECT next_number FROM prompts WHERE id = ?");
        st.bind(1, *pid);
        st.step();
        number = st.column_int(0);
    }
    Statement insert = db.prepare(
        "INSERT INTO prompt_versions (prompt_id, number, spec, parent_id, description, source, "
        "message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, *pid)
        .bind(2, number)
        .bind(3, hash)
        .bind(4, parent_id)
        .bind(5, prompt.description)
        .bind(6, source)
        .bind(7, message)
        .bind(8, now_iso8601())
        .run();
    std::int64_t id = db.last_insert_rowid();
    Statement bump = db.prepare("UPDATE prompts SET next_number = ? WHERE id = ?");
    bump.bind(1, number + 1).bind(2, *pid).run();
    tx.commit();
    result.created = true;
    result.version = version_by_id(id);
    return result;
}

std::vector<PromptSummary> PromptRegistry::list() {
    std::vector<PromptSummary> out;
    Statement st = project_.db().prepare(
        version_query("WHERE v.number = (SELECT max(number) FROM prompt_versions "
                      "WHERE prompt_id = v.prompt_id) ORDER BY p.name"));
    while (st.step()) {
        PromptSummary s;
        s.latest = read_version(st);
        s.version_count = s.latest.number; // numbers are dense: versions are never removed
        out.push_back(std::move(s));
    }
    for (auto& s : out) {
        s.latest.labels = labels_of(s.latest);
        Statement labels = project_.db().prepare(
            "SELECT l.label, v.number FROM prompt_labels l JOIN prompt_versions v "
            "ON v.id = l.version_id WHERE l.prompt_id = ? ORDER BY l.label");
        labels.bind(1, s.latest.prompt_id);
        while (labels.step())
            s.labels.emplace_back(labels.column_text(0), labels.column_int(1));
    }
    return out;
}

std::vector<PromptVersionInfo> PromptRegistry::versions(std::string_view name) {
    std::int64_t pid = prompt_id(name);
    std::vector<PromptVersionInfo> out;
    Statement st =
        project_.db().prepare(version_query("WHERE v.prompt_id = ? ORDER BY v.number DESC"));
    st.bind(1, pid);
    while (st.step())
        out.push_back(read_version(st));
    for (auto& v : out)
        v.labels = labels_of(v);
    return out;
}

std::vector<LabelEvent> PromptRegistry::label_history(std::string_view name) {
    std::int64_t pid = prompt_id(name);
    std::vector<LabelEvent> out;
    Statement st = project_.db().prepare(
        "SELECT e.label, f.number, t.number, e.created_at FROM prompt_label_events e "
        "LEFT JOIN prompt_versions f ON f.id = e.from_version_id "
        "JOIN prompt_versions t ON t.id = e.to_version_id "
        "WHERE e.prompt_id = ? ORDER BY e.id DESC");
    st.bind(1, pid);
    while (st.step()) {
        LabelEvent e;
        e.label = st.column_text(0);
        if (!st.is_null(1)) e.from_number = st.column_int(1);
        e.to_number = st.column_int(2);
        e.created_at = st.column_text(3);
        out.push_back(std::move(e));
    }
    return out;
}

LabelChange PromptRegistry::set_label(std::string_view ref, std::string_view label) {
    store::Transaction tx(project_.db());
    LabelChange change = set_label(ref, label, tx);
    tx.commit();
    return change;
}

LabelChange PromptRegistry::set_label(std::string_view ref, std::string_view label,
                                      const store::Transaction&) {
    validate_label(label);
    PromptVersionInfo target = resolve(ref);
    store::Database& db = project_.db();
    LabelChange change;
    change.label = std::string(label);
    change.to_number = target.number;
    std::optional<std::int64_t> from_id;
    {
        Statement st =
            db.prepare("SELECT l.version_id, v.number FROM prompt_labels l JOIN prompt_versions v "
                       "ON v.id = l.version_id WHERE l.prompt_id = ? AND l.label = ?");
        st.bind(1, target.prompt_id).bind(2, label);
        if (st.step()) {
            from_id = st.column_int(0);
            change.from_number = st.column_int(1);
        }
    }
    if (from_id && *from_id == target.id) return change;
    std::string now = now_iso8601();
    Statement upsert = db.prepare(
        "INSERT INTO prompt_labels (prompt_id, label, version_id, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (prompt_id, label) DO UPDATE SET version_id = excluded.version_id, "
        "updated_at = excluded.updated_at");
    upsert.bind(1, target.prompt_id).bind(2, label).bind(3, target.id).bind(4, now).run();
    Statement event = db.prepare(
        "INSERT INTO prompt_label_events (prompt_id, label, from_version_id, to_version_id, "
        "created_at) VALUES (?, ?, ?, ?, ?)");
    event.bind(1, target.prompt_id)
        .bind(2, label)
        .bind(3, from_id)
        .bind(4, target.id)
        .bind(5, now)
        .run();
    change.changed = true;
    return change;
}

} // namespace llmops::prompt
