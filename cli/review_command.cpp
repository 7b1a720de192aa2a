// llmops review DATASET: the terminal side of a review (lib/feedback/review_session.hpp): shows
// one row at a time and reads single keys (docs/feedback.md#review):
//   a accept   e edit the field in $EDITOR   r reject   s skip   p previous row
//   w write the new version now   q quit (decisions are kept; run it again to resume)
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/scratch_file.hpp"
#include "feedback/review_session.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace llmops::cli {

namespace {

using nlohmann::json;

// Single keys without Enter while it lives; the terminal's settings come back when it goes.
class RawKeys {
  public:
    RawKeys() {
        if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios raw = saved_;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    ~RawKeys() { restore(); }
    RawKeys(const RawKeys&) = delete;
    RawKeys& operator=(const RawKeys&) = delete;
    void restore() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
        active_ = false;
    }
    void resume() {
        if (active_) return;
        termios raw = saved_;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    // The next key; 'q' at the end of input.
    char key() {
        char c = 0;
        for (;;) {
            ssize_t n = ::read(STDIN_FILENO, &c, 1);
            if (n == 1) return c;
            if (n < 0 && errno == EINTR) continue;
            return 'q';
        }
    }

  private:
    termios saved_{};
    bool active_ = false;
};

// The field's value as the editor shows it: a string's text, anything else as JSON.
std::string editable_text(const json& row, const std::string& field, bool& as_text) {
    auto it = row.find(field);
    as_text = it == row.end() || it->is_string();
    if (it == row.end()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump(2);
}

// Runs $EDITOR (else vi) on the value; nullopt when the editor failed or the JSON it left is
// not valid (`problem` says why).
std::optional<json> edit_in_editor(const json& row, const std::string& field,
                                   std::string& problem) {
    bool as_text = true;
    std::string text = editable_text(row, field, as_text);
    ScratchFile file("llmops-review");
    if (!file.ok()) {
        problem = file.error();
        return std::nullopt;
    }
    bool written = file.write_all(text + (text.empty() || text.back() == '\n' ? "" : "\n"));
    const char* editor = std::getenv("EDITOR");
    std::string command = fmt::format("{} '{}'", editor && *editor ? editor : "vi", file.path());
    int status = written ? std::system(command.c_str()) : -1;
    // By path, not fd(): an editor may save by writing a new file and renaming it over ours.
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream edited;
    edited << in.rdbuf();
    if (!written || status != 0) {
        problem = "the editor failed (" + command + "); the row is unchanged";
        return std::nullopt;
    }
    std::string result = edited.str();
    if (!result.empty() && result.back() == '\n') result.pop_back();
    if (as_text) return json(result);
    json value = json::parse(result, nullptr, false);
    if (value.is_discarded()) {
        problem = "the edited value is not valid JSON; the row is unchanged";
        return std::nullopt;
    }
    return value;
}

void show(const feedback::ReviewSession& s, std::int64_t index, const std::string& row,
          const std::string& note) {
    auto d = s.decision(index);
    feedback::ReviewCounts c = s.counts();
    std::string text = "\033[H\033[2J"; // home, clear
    text += fmt::format("{}  row {}/{}  field '{}'  decided: {}\n", s.version().ref(), index + 1,
                        s.size(), s.field(), d ? feedback::to_string(*d) : "-");
    text += fmt::format("{} accepted, {} rejected, {} skipped, {} to go\n\n", c.accepted,
                        c.rejected, c.skipped, c.undecided);
    text += json::parse(row).dump(2) + "\n\n";
    if (!note.empty()) text += note + "\n";
    text += "[a]ccept  [e]dit field  [r]eject  [s]kip  [p]revious  [w]rite version  [q]uit\n";
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
}

struct ReviewFlags {
    std::string ref;
    std::string field = "expected";
    std::string message;
    bool reset = false;
};

int review(CliContext& ctx, const ReviewFlags& f) {
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
        throw_usage("llmops review needs a terminal (stdin and stdout)",
                    "run it in a terminal; scripts can edit rows with 'llmops data transform'");
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    feedback::ReviewSession session(project, f.ref, f.field);
    if (f.reset) session.reset();
    if (session.size() == 0) throw_bad_input(session.version().ref() + " has no rows to review");
    std::int64_t index = session.next_undecided().value_or(0);
    std::string pending; // the row as edited, before a decision
    std::string note;
    if (session.next_undecided() && *session.next_undecided() > 0)
        note = fmt::format("resuming: {} row(s) decided before", *session.next_undecided());
    RawKeys keys;
    bool write = false;
    for (;;) {
        if (!pending.empty()) note += (note.empty() ? "" : "\n") + std::string("(edited)");
        show(session, index, pending.empty() ? session.row(index) : pending, note);
        note.clear();
        char key = keys.key();
        const std::string& current = pending.empty() ? session.row(index) : pending;
        auto decide = [&](feedback::ReviewDecision d) {
            session.decide(index, d,
                           d == feedback::ReviewDecision::Accept ? current : session.row(index));
            pending.clear();
            auto next = session.next_undecided(index + 1);
            if (!next) next = session.next_undecided();
            if (!next) {
                write = true;
                return;
            }
            index = *next;
        };
        if (key == 'a') {
            decide(feedback::ReviewDecision::Accept);
        } else if (key == 'r') {
            decide(feedback::ReviewDecision::Reject);
        } else if (key == 's') {
            decide(feedback::ReviewDecision::Skip);
        } else if (key == 'e') {
            keys.restore();
            std::string problem;
            auto value = edit_in_editor(json::parse(current), session.field(), problem);
            keys.resume();
            if (value) {
                json row = json::parse(current);
                row[session.field()] = *value;
                pending = row.dump();
                note = "edited: press a to accept the row with the edit";
            } else {
                note = problem;
            }
            continue;
        } else if (key == 'p') {
            pending.clear();
            if (index > 0) --index;
        } else if (key == 'w') {
            write = true;
        } else if (key == 'q' || key == 4) { // q, Ctrl-D
            break;
        } else {
            note = fmt::format("unknown key '{}'", key >= 32 && key < 127 ? key : '?');
        }
        if (write) break;
    }
    keys.restore();
    std::fputs("\n", stdout);
    feedback::ReviewCounts c = session.counts();
    if (!write) {
        ctx.note(fmt::format("stopped: {} row(s) decided, {} to go; run 'llmops review {}' "
                             "again to resume",
                             session.size() - c.undecided, c.undecided, f.ref));
        return 0;
    }
    data::CommitResult r = session.finish(f.message);
    if (r.created)
        ctx.out(fmt::format("{}  {} rows: {} accepted ({} edited), {} rejected, {} skipped, {} "
                            "undecided\n",
                            r.version.ref(), r.version.rows, c.accepted, c.edited, c.rejected,
                            c.skipped, c.undecided));
    else
        ctx.out(fmt::format("{}  unchanged: every row was kept as it was\n", r.version.ref()));
    return 0;
}

} // namespace

void register_review_command(CLI::App& app, CliContext& ctx) {
    auto flags = std::make_shared<ReviewFlags>();
    CLI::App* c = ctx.command(app, "review", [&ctx, flags] { return review(ctx, *flags); });
    c->add_option("dataset", flags->ref, "Dataset to review (NAME, NAME@N, NAME@tag)")->required();
    c->add_option("--field", flags->field, "The field 'e' edits (default: expected)");
    c->add_option("-m,--message", flags->message, "Message of the version written");
    c->add_flag("--restart", flags->reset, "Forget the decisions of an earlier, unfinished review");
}

} // namespace llmops::cli
