//! The conformance matrix of real crates, as tests: one trial per compiled-in adapter
//! (`cargo test --features adapters` for all of them). A trial fails when a scenario
//! fails without an explanation in the adapter's known failures, when a known failure no
//! longer happens, or when the harness could not run a scenario: the table in
//! docs/conformance.md can only say what the adapters' notes explain.

use libtest_mimic::{Arguments, Failed, Trial};

use ipc_conformance::adapters;
use ipc_conformance::driver::RunOptions;
use ipc_conformance::report::CrateRun;
use ipc_conformance::scenario;

fn main() {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread.
    args.test_threads = Some(1);
    let scenarios = scenario::catalogue().expect("the built-in catalogue parses");
    let trials = adapters::compiled_in()
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
    libtest_mimic::run(&args, trials).exit()
}
