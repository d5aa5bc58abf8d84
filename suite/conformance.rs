//! The conformance matrix of real crates, as tests: one trial per compiled-in adapter
//! (`cargo test --features adapters` for all of them). A trial fails when a scenario
//! fails without an explanation in the adapter's known failures, when a known failure no
//! longer happens, or when the harness could not run a scenario: the table in
//! docs/conformance.md can only say what the adapters' notes explain.
//!
//! And one trial per scenario of `fixtures/findings/<crate>/`, the files docs/findings.md
//! quotes: each must pass against the operating system and fail against its crate, so a
//! finding stays reproducible, and one the crate has fixed is noticed.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};

use ipc_conformance::adapters;
use ipc_conformance::driver::{RunOptions, Verdict};
use ipc_conformance::report::CrateRun;
use ipc_conformance::scenario;

fn main() {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread.
    args.test_threads = Some(1);
    let scenarios = scenario::catalogue().expect("the built-in catalogue parses");
    let mut trials: Vec<Trial> = adapters::compiled_in()
        .into_iter()
        .map(|adapter| {
            let scenarios = scenarios.clone();
            Trial::test(format!("conformance::{}", adapter.name), move || {
                let opts = RunOptions::default();
                let run = CrateRun {
                    name: adapter.name,
                    version: None,
                    adapts: adapter.adapts,
                    known: adapter.known_failures,
                    declared: adapter.implementation.deviations(),
                    unsupported: adapter.implementation.unsupported(),
                    reports: scenarios
                        .iter()
                        .map(|s| (s.mechanism, adapter.implementation.run(s, &opts)))
                        .collect(),
                };
                let problems = run.unexplained();
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(Failed::from(problems.join("\n")))
                }
            })
        })
        .collect();
    trials.extend(finding_trials());
    libtest_mimic::run(&args, trials).exit()
}

/// A trial per scenario file under `fixtures/findings/<crate>/`, for the crates built in.
fn finding_trials() -> Vec<Trial> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/findings");
    let scenarios = scenario::load_roots(&[root.as_path()]).expect("the findings' files parse");
    scenarios
        .into_iter()
        .filter_map(|s| {
            let source = s.source.clone().expect("loaded from a file");
            let crate_name = source.parent()?.file_name()?.to_str()?.to_owned();
            let adapter = adapters::find(&crate_name).ok()?;
            Some(Trial::test(format!("finding::{}::{}", crate_name, s.id), move || {
                let opts = RunOptions::default();
                let os = adapters::OS.implementation.run(&s, &opts);
                if os.verdict != Verdict::Pass {
                    return Err(format!("the operating system does not pass it: {:?}", os.verdict).into());
                }
                match adapter.implementation.run(&s, &opts).verdict {
                    Verdict::Fail(_) => Ok(()),
                    other => Err(format!(
                        "{crate_name} no longer shows the finding ({other:?}): re-check it and update docs/findings.md"
                    )
                    .into()),
                }
            }))
        })
        .collect()
}
