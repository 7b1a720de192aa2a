#include "pipeline/pipeline_runner.hpp"

#include "core/time.hpp"
#include "pipeline/file_hasher.hpp"
#include "pipeline/pipeline_lock.hpp"
#include "pipeline/run_cache.hpp"
#include "pipeline/run_record.hpp"
#include "pipeline/stage_inputs.hpp"
#include "pipeline/stage_process.hpp"

#include <chrono>
#include <map>
#include <set>

namespace llmops::pipeline {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// Why a stage must run, or "" when pipeline.lock says it is up to date.
std::string why_run(const Stage& stage, const std::string& key, const ValueHashes& deps,
                    const ValueHashes& outs, const LockedStage* locked, bool force) {
    if (force) return "--force";
    if (!locked) return "never run (not in pipeline.lock)";
    if (locked->key != key) {
        if (locked->command != stage.display_command()) return "command changed";
        for (const auto& [id, hash] : deps) {
            auto it = locked->deps.find(id);
            if (it == locked->deps.end()) return "new dependency '" + id + "'";
            if (it->second != hash) return "dependency '" + id + "' changed";
        }
        for (const auto& [id, hash] : locked->deps)
            if (!deps.count(id)) return "dependency '" + id + "' removed";
        return "outputs declared differently";
    }
    for (const auto& out : stage.outs) {
        auto now = outs.find(out.id());
        if (now == outs.end()) return "output '" + out.id() + "' is missing";
        auto it = locked->outs.find(out.id());
        if (it == locked->outs.end() || it->second != now->second)
            return "output '" + out.id() + "' was modified";
    }
    return "";
}

struct Decision {
    ValueHashes deps;
    std::string key;
    std::string why; // "" when up to date
};

class Runner {
  public:
    Runner(store::Project& project, const StageGraph& graph, const PipelineOptions& options,
           const PipelineEvents& events)
        : project_(project), graph_(graph), options_(options), events_(events),
          stat_cache_(&project.db()), hasher_(stat_cache_, options.hash_threads),
          inputs_(&project, options.config_file, graph.spec.root, hasher_),
          cache_(project, graph.spec.root), lock_(load_lock(options.lock_file)) {}

    PipelineReport run() {
        selected_ = graph_.select(options_.targets);
        check_resolvable();
        if (options_.dry) {
            plan();
        } else {
            report_.run_id = begin_run(project_.db(), graph_.spec.file.string(), options_.targets,
                                       &report_.killed_runs);
            try {
                execute();
            } catch (...) {
                // A dependency that broke mid-run (a params file an upstream stage deleted):
                // stop what runs and close the run as failed before the error goes up.
                for (const auto& [pid, unused] : running_)
                    terminate_stage_process(pid);
                while (!running_.empty())
                    if (auto exit = wait_for_child(1000)) running_.erase(exit->pid);
                finish_run(project_.db(), report_.run_id, "failed");
                throw;
            }
            if (options_.targets.empty() && !report_.failed && !report_.interrupted) prune_lock();
            finish_run(project_.db(), report_.run_id,
                       report_.interrupted ? "interrupted"
                                           : (report_.failed ? "failed" : "succeeded"));
        }
        stat_cache_.save();
        report_.stat_hits = stat_cache_.hits();
        report_.stat_misses = stat_cache_.misses();
        report_.bytes_read = hasher_.bytes_read();
        return report_;
    }

  private:
    enum class State { Waiting, Running, Ok, Bad };

    const Stage& stage(std::size_t i) const { return graph_.spec.stages[i]; }

    // Bad input is found before anything is recorded: datasets, prompts, providers and params
    // that no stage produces must resolve now.
    void check_resolvable() {
        for (std::size_t s : selected_)
            for (std::size_t d = 0; d < stage(s).deps.size(); ++d) {
                const Dependency& dep = stage(s).deps[d];
                if (dep.kind == DepKind::Path || graph_.producer_of(s, d)) continue;
                try {
                    inputs_.value_of(dep);
                } catch (const Error& e) {
                    throw Error(e.kind(), "stage '" + stage(s).name + "': " + e.message(),
                                e.where().empty() ? dep.where : e.where(), e.hint());
                }
            }
    }

    Decision decide(std::size_t s, bool allow_missing) {
        Decision d;
        d.deps = inputs_.dependencies(stage(s), allow_missing);
        d.key = stage_key(stage(s), d.deps);
        ValueHashes outs = inputs_.outputs(stage(s));
        auto it = lock_.stages.find(stage(s).name);
        d.why = why_run(stage(s), d.key, d.deps, outs,
                        it == lock_.stages.end() ? nullptr : &it->second, options_.force);
        return d;
    }

    std::string upstream_note(std::size_t s) const {
        for (std::size_t up : graph_.upstream[s])
            if (acted_.count(up))
                return "; upstream '" + stage(up).name + "' ran but its outputs did not change";
        return "";
    }

    void plan() {
        std::map<std::size_t, bool> pending; // stage -> would run, restore or may run
        for (std::size_t s : selected_) {
            StageOutcome o;
            o.stage = stage(s).name;
            std::string waiting_on;
            for (std::size_t up : graph_.upstream[s])
                if (pending[up]) waiting_on = stage(up).name;
            Decision d = decide(s, !waiting_on.empty());
            o.key = d.key;
            if (!d.why.empty()) {
                bool restorable = !options_.force && cache_.has(d.key);
                o.status = restorable ? "would-restore" : "would-run";
                o.reason = d.why + (restorable ? " (its outputs are in the run cache)" : "");
                pending[s] = true;
            } else if (!waiting_on.empty()) {
                o.status = "may-run";
                o.reason = "runs if upstream '" + waiting_on + "' changes its outputs";
                pending[s] = true;
            } else {
                o.status = "unchanged";
                o.reason = "key " + d.key.substr(0, 12) + " and outputs match pipeline.lock";
            }
            if (events_.finished) events_.finished(o);
            report_.stages.push_back(std::move(o));
        }
    }

    void finish(std::size_t s, StageOutcome o, bool ok) {
        state_[s] = ok ? State::Ok : State::Bad;
        if (o.status == "ran" || o.status == "restored") acted_.insert(s);
        StageRecord r{o.stage, o.status, o.reason, o.key, o.exit_code, started_at_[s], {}};
        record_stage(project_.db(), report_.run_id, r);
        if (events_.finished) events_.finished(o);
        report_.stages.push_back(std::move(o));
    }

    void update_lock(std::size_t s, const Decision& d, const ValueHashes& outs) {
        lock_.stages[stage(s).name] = LockedStage{d.key, stage(s).display_command(), d.deps, outs};
        save_lock(options_.lock_file, lock_, project_.paths().tmp_dir);
    }

    void prune_lock() {
        bool changed = false;
        for (auto it = lock_.stages.begin(); it != lock_.stages.end();)
            if (!graph_.find(it->first)) {
                it = lock_.stages.erase(it);
                changed = true;
            } else {
                ++it;
            }
        if (changed) save_lock(options_.lock_file, lock_, project_.paths().tmp_dir);
    }

    StageProcessSpec process_spec(const Stage& st) const {
        StageProcessSpec spec;
        spec.cwd = graph_.spec.root;
        if (!st.cmd.empty()) {
            spec.argv = {"/bin/sh", "-c", st.cmd};
        } else {
            spec.argv.push_back(options_.llmops_exe.string());
            spec.argv.insert(spec.argv.end(), st.llmops_args.begin(), st.llmops_args.end());
            spec.env.emplace_back("LLMOPS_DIR", project_.paths().root.string());
        }
        spec.env.emplace_back("LLMOPS_PIPELINE_STAGE", st.name);
        return spec;
    }

    // Starts or settles every stage whose upstream stages are done; returns whether any was.
    bool advance() {
        bool progressed = false;
        for (std::size_t s : selected_) {
            if (state_[s] != State::Waiting) continue;
            std::string failed_up;
            bool ready = true;
            for (std::size_t up : graph_.upstream[s]) {
                if (state_[up] == State::Bad) failed_up = stage(up).name;
                if (state_[up] != State::Ok) ready = false;
            }
            if (!failed_up.empty()) {
                finish(s,
                       {stage(s).name, "blocked", "upstream '" + failed_up + "' failed", "", {}, 0},
                       false);
                progressed = true;
                continue;
            }
            if (!ready || stopping_) continue;
            if (!decisions_.count(s)) decisions_[s] = decide(s, false);
            const Decision& d = decisions_[s];
            if (d.why.empty()) {
                finish(s,
                       {stage(s).name,
                        "unchanged",
                        "key " + d.key.substr(0, 12) + " and outputs match pipeline.lock" +
                            upstream_note(s),
                        d.key,
                        {},
                        0},
                       true);
                progressed = true;
                continue;
            }
            if (!options_.force && cache_.restore(d.key, stage(s))) {
                ValueHashes outs = inputs_.outputs(stage(s));
                update_lock(s, d, outs);
                finish(s,
                       {stage(s).name,
                        "restored",
                        d.why + "; outputs restored from the run cache",
                        d.key,
                        {},
                        0},
                       true);
                progressed = true;
                continue;
            }
            if (running_.size() >= std::max(1u, options_.jobs)) continue;
            started_at_[s] = now_iso8601();
            if (events_.started) events_.started(stage(s), d.why);
            pid_t pid = start_stage_process(process_spec(stage(s)));
            running_[pid] = {s, Clock::now()};
            state_[s] = State::Running;
            progressed = true;
        }
        return progressed;
    }

    void settle(const ProcessExit& exit) {
        auto it = running_.find(exit.pid);
        if (it == running_.end()) return; // not one of ours
        auto [s, start] = it->second;
        running_.erase(it);
        double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const Decision& d = decisions_.at(s);
        StageOutcome o{stage(s).name, "ran", d.why, d.key, exit.exit_code, seconds};
        if (exit.exit_code != 0) {
            o.status = "failed";
            o.reason = interrupted_ ? "interrupted" : "exit code " + std::to_string(exit.exit_code);
            report_.failed = true;
            if (!options_.keep_going) stopping_ = true;
            finish(s, std::move(o), false);
            return;
        }
        ValueHashes outs = inputs_.outputs(stage(s));
        for (const auto& out : stage(s).outs)
            if (!outs.count(out.id())) {
                o.status = "failed";
                o.reason = "did not produce output '" + out.id() + "'";
                report_.failed = true;
                if (!options_.keep_going) stopping_ = true;
                finish(s, std::move(o), false);
                return;
            }
        // Outputs are kept before the stage counts as done: a kill between the two leaves a
        // cache entry the next run restores from, never a lock entry without its outputs.
        cache_.save(d.key, stage(s), outs, inputs_.last_paths());
        finish(s, std::move(o), true);
        update_lock(s, d, outs);
    }

    void execute() {
        for (std::size_t s : selected_)
            state_[s] = State::Waiting;
        while (true) {
            if (options_.stop && options_.stop->load() && !interrupted_) {
                interrupted_ = stopping_ = true;
                report_.interrupted = true;
                for (const auto& [pid, unused] : running_)
                    terminate_stage_process(pid);
            }
            while (advance()) {
            }
            if (running_.empty()) break;
            if (auto exit = wait_for_child(200)) settle(*exit);
        }
        for (std::size_t s : selected_)
            if (state_[s] == State::Waiting) {
                StageOutcome o{stage(s).name,
                               "not-started",
                               interrupted_ ? "interrupted"
                                            : "stopped after a failure (-k keeps going)",
                               "",
                               {},
                               0};
                if (events_.finished) events_.finished(o);
                report_.stages.push_back(std::move(o));
            }
    }

    store::Project& project_;
    const StageGraph& graph_;
    const PipelineOptions& options_;
    const PipelineEvents& events_;
    StatCache stat_cache_;
    FileHasher hasher_;
    StageInputs inputs_;
    RunCache cache_;
    PipelineLock lock_;
    PipelineReport report_;
    std::vector<std::size_t> selected_;
    std::map<std::size_t, State> state_;
    std::map<std::size_t, Decision> decisions_;
    std::map<std::size_t, std::string> started_at_;
    std::map<pid_t, std::pair<std::size_t, Clock::time_point>> running_;
    std::set<std::size_t> acted_;
    bool stopping_ = false;
    bool interrupted_ = false;
};

} // namespace

bool PipelineReport::anything_to_do() const {
    for (const auto& s : stages)
        if (s.status != "unchanged") return true;
    return false;
}

PipelineReport run_pipeline(store::Project& project, const StageGraph& graph,
                            const PipelineOptions& options, const PipelineEvents& events) {
    Runner runner(project, graph, options, events);
    return runner.run();
}

json to_json(const PipelineReport& report) {
    json stages = json::array();
    for (const auto& s : report.stages) {
        json j = {{"stage", s.stage}, {"status", s.status}, {"reason", s.reason}};
        j["key"] = s.key.empty() ? json(nullptr) : json(s.key);
        j["exit_code"] = s.exit_code ? json(*s.exit_code) : json(nullptr);
        j["seconds"] = s.seconds;
        stages.push_back(std::move(j));
    }
    json j = {{"stages", stages},
              {"failed", report.failed},
              {"interrupted", report.interrupted},
              {"stat_cache", {{"hits", report.stat_hits}, {"misses", report.stat_misses}}},
              {"bytes_hashed", report.bytes_read}};
    j["run_id"] = report.run_id ? json(report.run_id) : json(nullptr);
    return j;
}

} // namespace llmops::pipeline
