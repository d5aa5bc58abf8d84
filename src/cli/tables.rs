//! The commands that run the whole catalogue into one table: `matrix` (what the
//! operating system's passing scenarios prove, per mechanism) and `conformance` (every
//! compiled-in adapter, for docs/conformance.md).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ipc_conformance::adapters;
use ipc_conformance::driver::Verdict;
use ipc_conformance::driver::{run_scenario, RunOptions};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::report::{self, render_conformance, render_matrix, CrateRun};
use ipc_conformance::scenario::Scenario;

use super::progress_bar;

/// `matrix`: what each mechanism's passing scenarios prove.
pub(super) fn matrix(scenarios: &[Scenario]) -> ExitCode {
    let opts = RunOptions::default();
    let bar = progress_bar(
        scenarios.len() as u64,
        "{bar:40} {pos}/{len} scenarios, {elapsed}",
    );
    let verdicts: Vec<Verdict> = scenarios
        .iter()
        .map(|s| {
            bar.inc(1);
            run_scenario(s, &Os, &opts).verdict
        })
        .collect();
    bar.finish_and_clear();
    print!(
        "{}",
        render_matrix(&report::matrix(scenarios.iter().zip(&verdicts)))
    );
    let failed = verdicts
        .iter()
        .filter(|v| matches!(v, Verdict::Fail(_) | Verdict::HarnessError(_)))
        .count();
    if failed > 0 {
        eprintln!("{failed} scenarios failed; the matrix leaves them out");
    }
    ExitCode::SUCCESS
}

/// `conformance`: the catalogue against every compiled-in adapter.
pub(super) fn conformance(scenarios: &[Scenario], write: Option<&Path>) -> ExitCode {
    let opts = RunOptions::default();
    let versions = locked_versions();
    let adapters = adapters::compiled_in();
    let bar = progress_bar(
        (scenarios.len() * adapters.len()) as u64,
        "{bar:40} {pos}/{len} runs, {elapsed} {msg}",
    );
    let runs: Vec<CrateRun<'_>> = adapters
        .iter()
        .map(|a| {
            let started = Instant::now();
            bar.set_message(a.name);
            let reports: Vec<_> = scenarios
                .iter()
                .map(|s| {
                    bar.inc(1);
                    (s.mechanism, a.implementation.run(s, &opts))
                })
                .collect();
            bar.suspend(|| {
                eprintln!(
                    "{}: {} scenarios in {:.1} s",
                    a.name,
                    reports.len(),
                    started.elapsed().as_secs_f64()
                )
            });
            CrateRun {
                name: a.name,
                version: versions.get(a.name).map(String::as_str),
                adapts: a.adapts,
                known: a.known_failures,
                declared: a.implementation.deviations(),
                unsupported: a.implementation.unsupported(),
                reports,
            }
        })
        .collect();
    let text = render_conformance(
        &runs,
        &opts.profile.platform.to_string(),
        "cargo run --release --features adapters -- conformance --write docs/conformance.md",
    );
    match write {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => print!("{text}"),
    }
    let problems: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.unexplained()
                .into_iter()
                .map(move |p| format!("{}: {p}", r.name))
        })
        .collect();
    for p in &problems {
        eprintln!("unexplained: {p}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Package versions from `Cargo.lock` in the current directory, when there is one.
fn locked_versions() -> std::collections::BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    std::fs::read_to_string("Cargo.lock")
        .ok()
        .and_then(|text| toml::from_str::<Lock>(&text).ok())
        .map(|lock| {
            lock.package
                .into_iter()
                .map(|p| (p.name, p.version))
                .collect()
        })
        .unwrap_or_default()
}
