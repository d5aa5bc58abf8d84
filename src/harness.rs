//! `cargo test` integration: one trial per scenario file, named `mechanism::file_stem`,
//! run on the main thread so the driver forks from a single-threaded process.
//!
//! In a test target with `harness = false`:
//!
//! ```no_run
//! // tests/conformance.rs, with `harness = false` for it in Cargo.toml:
//! let scenarios = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
//! ipc_conformance::harness::main(ipc_conformance::mechanism::os::Os, &[scenarios]);
//! ```
//!
//! Filters work as with libtest (`cargo test -- pipe::eof`), and so does nextest, which
//! runs each trial in a process of its own.

use std::path::Path;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::driver::{run_scenario, RunOptions};
use crate::mechanism::Implementation;
use crate::report::{render_timeline, Verdict};
use crate::scenario::{self, Scenario};

/// Load every scenario below `roots`, run the ones the command line selects against
/// `iut`, print libtest's report and exit. A malformed file stops everything before
/// any trial runs, with its file:line:col error.
pub fn main<I: Implementation + Clone + Send + 'static>(iut: I, roots: &[&Path]) -> ! {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread (DESIGN rule 7).
    args.test_threads = Some(1);
    let mut scenarios = Vec::new();
    for root in roots {
        match scenario::load_all(root) {
            Ok(found) => scenarios.extend(found),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(101);
            }
        }
    }
    libtest_mimic::run(&args, trials(iut, scenarios, RunOptions::default())).exit()
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
        })
        .collect()
}
