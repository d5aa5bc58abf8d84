//! `cargo test` integration: one trial per scenario, named `mechanism::file_stem`, and
//! one per fuzzer of a mechanism the implementation provides (`fuzz::pipe`, `fuzz::fifo`,
//! `fuzz::socketpair`, `fuzz::unix_dgram`, `fuzz::pipe_writers`, `fuzz::unix_stream`,
//! `fuzz::unix_seqpacket`, `fuzz::tcp`; `PROPTEST_CASES` cases each, from the seed
//! `IPC_CONFORMANCE_SEED`, 0 by default). A fuzzer's failure prints its shrunk scenario
//! as a file to keep among the crate's regressions.
//!
//! The scenarios run in a fork server ([`ForkServer`]) forked first thing, while the test
//! binary has one thread; so trials may run on many threads (`--test-threads=8`), and
//! the user's crate may start threads of its own, without any fork happening in a
//! multi-threaded process.
//!
//! The first trial, `platform::profile`, checks the platform profile the scenarios are
//! judged by against what this system measures (`ipc-conformance platform`, run in the
//! fork server because some probes fork): it fails, naming each wrong value, when the
//! profile is wrong here. The other trials still run: a scenario that does not rely on
//! the wrong value still gives a true verdict, and ignoring them all would hide real
//! failures behind one wrong number. Instead each failure, while the profile is wrong,
//! ends with a note naming the wrong values, so the cause is read first and once.
//!
//! In a test target with `harness = false` (`[[test]] name = "conformance"`,
//! `harness = false` in Cargo.toml), against the built-in catalogue:
//!
//! ```no_run
//! // tests/conformance.rs
//! use ipc_conformance::mechanism::os::Os;
//!
//! fn main() {
//!     ipc_conformance::harness::main(Os);
//! }
//! ```
//!
//! Filters work as with libtest (`cargo test -- pipe::eof fifo::open`, any number of
//! them, `--exact`, `--skip`, `--list`), and so does `cargo nextest run`, which runs
//! each trial in a process of its own. A scenario the implementation cannot express (a mechanism or capability it does
//! not declare) is listed as ignored (`-- --include-ignored` runs it and prints why); a
//! declared deviation is reported as ignored with its reason.

mod fork_server;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

pub use fork_server::{fuzz_options, ForkServer, TrialResult};

use crate::driver::{serve_exec_actor, skip_reason_for, RunOptions};
use crate::fuzz::{declared, Property};
use crate::mechanism::{unknown_declarations, Implementation};
use crate::scenario::{self, LoadError, Scenario};

/// Run the built-in catalogue ([`scenario::CATALOGUE`]) against `iut` as libtest
/// would: parse the command line, run the selected trials, print the report, exit. (In
/// a process started as an actor of `iut` by exec, serve as that actor instead.)
pub fn main<I: Implementation>(iut: I) -> ! {
    serve_exec_actor(&iut);
    run_trials(&iut, scenario::catalogue(), Fuzzers::Included)
}

/// Like [`main`], with the scenario files below `roots` (files or directories) instead
/// of the built-in catalogue: a crate's own scenarios, or a checkout's, and nothing else
/// (the fuzzers, which make scenarios of their own, run under [`main`]). A malformed
/// file stops everything before any trial runs, with a file:line:col error for each
/// malformed file.
pub fn main_with_scenarios<I: Implementation>(iut: I, roots: &[&Path]) -> ! {
    main_with(iut, roots, Fuzzers::Excluded)
}

/// Like [`main_with_scenarios`], with the fuzzers' trials too when `fuzzers` says so:
/// a checkout's own catalogue with everything [`main`] runs.
pub fn main_with<I: Implementation>(iut: I, roots: &[&Path], fuzzers: Fuzzers) -> ! {
    serve_exec_actor(&iut);
    run_trials(&iut, scenario::load_roots(roots), fuzzers)
}

/// Whether a run has the fuzzers' trials (`fuzz::pipe`, …) beside its scenarios'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fuzzers {
    /// One trial per fuzzer of a mechanism the implementation provides.
    Included,
    /// The scenarios' trials only.
    Excluded,
}

fn run_trials<I: Implementation>(
    iut: &I,
    scenarios: Result<Vec<Scenario>, LoadError>,
    fuzzers: Fuzzers,
) -> ! {
    let started = scenarios.map_err(|e| e.to_string()).and_then(|scenarios| {
        let ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
        let unknown = unknown_declarations(iut.name(), &iut.deviations(), &iut.unsupported(), &ids);
        if !unknown.is_empty() {
            return Err(unknown.join("\n"));
        }
        let opts = RunOptions::default();
        let server = ForkServer::start(iut, &scenarios, &opts).map_err(|e| e.with_causes())?;
        let skips = skip_summary(iut, &scenarios, &opts);
        let server = Arc::new(server);
        let mut all = vec![platform_trial(&server)];
        all.extend(trials(&server, iut, &scenarios, &opts));
        if fuzzers == Fuzzers::Included {
            all.extend(Property::ALL.map(|property| fuzz_trial(&server, iut, property)));
        }
        Ok((all, skips))
    });
    match started {
        Ok((mut trials, skips)) => {
            let CommandLine { args, filters } = CommandLine::parse(std::env::args());
            trials.retain(|t| selected(t.name(), &filters, args.exact));
            let listing = args.list;
            let conclusion = libtest_mimic::run(&args, trials);
            // The trials held the last handles on the server: it has been stopped.
            if !listing && !skips.is_empty() {
                println!("skipped here, and why (`-- --include-ignored` runs them):\n{skips}");
            }
            conclusion.exit()
        }
        Err(e) => {
            // Several errors (malformed files, unknown deviations) each on a line of its own.
            for line in e.lines() {
                eprintln!("error: {line}");
            }
            std::process::exit(101);
        }
    }
}

/// libtest's command line with any number of filters: libtest-mimic takes one, while
/// libtest and nextest users type several (`cargo test -- pipe::eof fifo::open`).
struct CommandLine {
    /// Everything but the filters, as libtest-mimic reads it.
    args: Arguments,
    /// The filters: a trial runs when its name contains one (equals one, `--exact`).
    filters: Vec<String>,
}

impl CommandLine {
    /// The options libtest takes a value after, which is no filter.
    const TAKE_A_VALUE: [&'static str; 6] = [
        "--test-threads",
        "--logfile",
        "--skip",
        "--color",
        "--format",
        "-Z",
    ];

    /// From the program's arguments, its name first.
    fn parse(raw: impl IntoIterator<Item = String>) -> CommandLine {
        let mut raw = raw.into_iter();
        let mut options: Vec<String> = raw.next().into_iter().collect();
        let mut filters = Vec::new();
        while let Some(arg) = raw.next() {
            if Self::TAKE_A_VALUE.contains(&arg.as_str()) {
                options.push(arg);
                options.extend(raw.next());
            } else if arg.starts_with('-') {
                options.push(arg);
            } else {
                filters.push(arg);
            }
        }
        CommandLine {
            args: Arguments::from_iter(options),
            filters,
        }
    }
}

/// Whether a trial named `name` is selected by `filters` (all, when there are none).
fn selected(name: &str, filters: &[String], exact: bool) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| match exact {
            true => name == f,
            false => name.contains(f.as_str()),
        })
}

/// The platform check as one trial, `platform::profile`: failed, naming each wrong
/// value, when the run's platform profile disagrees with what this system measures.
pub fn platform_trial(server: &Arc<ForkServer>) -> Trial {
    let server = Arc::clone(server);
    Trial::test("platform::profile", move || match server.platform_check() {
        TrialResult::Failed(text) => Err(Failed::from(text)),
        _ => Ok(()),
    })
}

/// A fuzzer as one trial (`fuzz::pipe`, `fuzz::tcp`, … one per [`Property`]): ignored
/// when `iut` does not provide its mechanism.
pub fn fuzz_trial<I: Implementation>(
    server: &Arc<ForkServer>,
    iut: &I,
    property: Property,
) -> Trial {
    let server = Arc::clone(server);
    let provided = declared(iut, property.mechanism()).is_some();
    let name = format!("fuzz::{}", property.name());
    Trial::test(name, move || match server.fuzz(property) {
        TrialResult::Failed(text) => Err(Failed::from(text)),
        _ => Ok(()),
    })
    .with_ignored_flag(!provided)
}

/// Why scenarios are skipped against `iut`, one line per reason with how many.
fn skip_summary<I: Implementation>(iut: &I, scenarios: &[Scenario], opts: &RunOptions) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for reason in scenarios
        .iter()
        .filter_map(|s| skip_reason_for(s, iut, opts))
    {
        *counts.entry(reason).or_default() += 1;
    }
    counts
        .iter()
        .map(|(reason, n)| format!("  {n:>4} × {reason}\n"))
        .collect()
}

/// One trial per scenario, run by `server` (started with the same `scenarios`). A
/// scenario known to be skipped against `iut` is listed as ignored.
pub fn trials<I: Implementation>(
    server: &Arc<ForkServer>,
    iut: &I,
    scenarios: &[Scenario],
    opts: &RunOptions,
) -> Vec<Trial> {
    scenarios
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let server = Arc::clone(server);
            Trial::ignorable_test(s.id.clone(), move || match server.run(index) {
                TrialResult::Passed => Ok(Completion::Completed),
                TrialResult::Ignored(reason) => Ok(Completion::ignored_with(reason)),
                TrialResult::Failed(text) => Err(Failed::from(text)),
            })
            // Known before running: listed as ignored, so libtest and nextest both count
            // it as skipped.
            .with_ignored_flag(skip_reason_for(s, iut, opts).is_some())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> CommandLine {
        CommandLine::parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn several_filters_and_options_with_values_are_told_apart() {
        let line = parse("conformance pipe::eof --skip fifo --exact fifo::open --test-threads 1");
        assert_eq!(line.filters, ["pipe::eof", "fifo::open"]);
        assert_eq!(line.args.skip, ["fifo"]);
        assert!(line.args.exact);
        assert_eq!(line.args.test_threads, Some(1));
        assert_eq!(line.args.filter, None);
    }

    #[test]
    fn a_trial_runs_when_any_filter_selects_it() {
        let filters = ["pipe::eof".to_owned(), "fifo::open".to_owned()];
        assert!(selected("pipe::eof_after_drain", &filters, false));
        assert!(selected("fifo::open_eintr", &filters, false));
        assert!(!selected("tcp::accept", &filters, false));
        assert!(!selected("pipe::eof_after_drain", &filters, true));
        assert!(selected("pipe::eof", &filters, true));
        assert!(selected("anything", &[], true));
    }
}
