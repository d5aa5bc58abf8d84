//! `cargo test` integration: one trial per scenario, named `mechanism::file_stem`, run
//! on the main thread so the driver forks from a single-threaded process.
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
//! Filters work as with libtest (`cargo test -- pipe::eof`, `--exact`, `--skip`,
//! `--list`), and so does `cargo nextest run`, which runs each trial in a process of its
//! own. A scenario the implementation cannot express (a mechanism or capability it does
//! not declare) is listed as ignored with the reason; a declared deviation likewise.

use std::path::Path;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::driver::{run_scenario, skip_reason_for, RunOptions};
use crate::mechanism::Implementation;
use crate::report::{render_timeline, Verdict};
use crate::scenario::{self, LoadError, Scenario};

/// Run the built-in catalogue ([`scenario::CATALOGUE`]) against `iut` as libtest
/// would: parse the command line, run the selected trials, print the report, exit.
pub fn main<I: Implementation + Clone + Send + 'static>(iut: I) -> ! {
    run_trials(iut, scenario::catalogue())
}

/// Like [`main`], with the scenario files below `roots` (files or directories) instead
/// of the built-in catalogue: a crate's own scenarios, or a checkout's. A malformed file
/// stops everything before any trial runs, with its file:line:col error.
pub fn main_with_scenarios<I: Implementation + Clone + Send + 'static>(
    iut: I,
    roots: &[&Path],
) -> ! {
    let loaded = roots.iter().try_fold(Vec::new(), |mut all, root| {
        all.extend(scenario::load_all(root)?);
        Ok(all)
    });
    run_trials(iut, loaded)
}

fn run_trials<I: Implementation + Clone + Send + 'static>(
    iut: I,
    scenarios: Result<Vec<Scenario>, LoadError>,
) -> ! {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread (DESIGN rule 7).
    args.test_threads = Some(1);
    match scenarios {
        Ok(scenarios) => {
            libtest_mimic::run(&args, trials(iut, scenarios, RunOptions::default())).exit()
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(101);
        }
    }
}

/// One trial per scenario.
pub fn trials<I: Implementation + Clone + Send + 'static>(
    iut: I,
    scenarios: Vec<Scenario>,
    opts: RunOptions,
) -> Vec<Trial> {
    scenarios
        .into_iter()
        .map(|s| {
            let iut = iut.clone();
            let opts = opts.clone();
            // Known before running: listed as ignored, so libtest and nextest both count
            // it as skipped; `-- --include-ignored` runs it and shows the reason.
            let skipped = skip_reason_for(&s, &iut, &opts).is_some();
            Trial::ignorable_test(s.id.clone(), move || {
                let report = run_scenario(&s, &iut, &opts);
                match &report.verdict {
                    Verdict::Pass => Ok(Completion::Completed),
                    Verdict::Skip(reason) => Ok(Completion::ignored_with(reason)),
                    Verdict::Deviation { reason, .. } => Ok(Completion::ignored_with(format!(
                        "declared deviation: {reason}"
                    ))),
                    Verdict::Fail(_) => Err(Failed::from(format!(
                        "{}\n{}{}",
                        s.summary,
                        render_timeline(&report),
                        s.source
                            .as_ref()
                            .map(|p| format!("  scenario: {}\n", p.display()))
                            .unwrap_or_default()
                    ))),
                    Verdict::HarnessError(e) => {
                        Err(Failed::from(format!("harness could not run: {e}")))
                    }
                }
            })
            .with_ignored_flag(skipped)
        })
        .collect()
}
