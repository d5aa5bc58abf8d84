//! The commands that run whole catalogues or generated cases: `fuzz`, `matrix` and
//! `conformance`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ipc_conformance::adapters::{self, Adapter};
use ipc_conformance::driver::{run_scenario, RunOptions};
use ipc_conformance::fuzz::{write_regression, Finding, FuzzOptions, Property};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::report::{self, render_conformance, render_matrix, CrateRun, Verdict};
use ipc_conformance::scenario::Scenario;

use super::args::FuzzArgs;
use super::usage_error;

/// `fuzz`: generate, run and shrink scenarios of one mechanism.
pub(super) fn fuzz(args: FuzzArgs) -> ExitCode {
    let FuzzArgs {
        mechanism,
        cases,
        seed,
        implementation,
        regressions,
        max_processes,
        max_moves,
    } = args;
    let properties: Vec<Property> = Property::ALL
        .into_iter()
        .filter(|p| p.mechanism().name() == mechanism)
        .collect();
    if properties.is_empty() {
        let mut covered: Vec<&str> = Property::ALL.iter().map(|p| p.mechanism().name()).collect();
        covered.sort_unstable();
        covered.dedup();
        return usage_error(format!(
            "`{mechanism}`: the fuzzers cover {}",
            covered.join(", ")
        ));
    }
    let adapter = match adapters::find(&implementation) {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    let seed = seed.unwrap_or_else(random_seed);
    let opts = FuzzOptions {
        cases,
        seed,
        max_processes: usize::from(max_processes),
        max_moves,
        shrink: true,
    };
    run_fuzz(&adapter, &properties, &opts, &regressions)
}

/// `matrix`: what each mechanism's passing scenarios prove.
pub(super) fn matrix(scenarios: &[Scenario]) -> ExitCode {
    let opts = RunOptions::default();
    let verdicts: Vec<Verdict> = scenarios
        .iter()
        .map(|s| run_scenario(s, &Os, &opts).verdict)
        .collect();
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
    let runs: Vec<CrateRun<'_>> = adapters
        .iter()
        .map(|a| {
            let started = Instant::now();
            let reports: Vec<_> = scenarios
                .iter()
                .map(|s| (s.mechanism, (a.run)(s, &opts)))
                .collect();
            eprintln!(
                "{}: {} scenarios in {:.1} s",
                a.name,
                reports.len(),
                started.elapsed().as_secs_f64()
            );
            CrateRun {
                name: a.name,
                version: versions.get(a.name).map(String::as_str),
                adapts: a.adapts,
                known: a.known_failures,
                declared: (a.deviations)(),
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

fn run_fuzz(
    adapter: &Adapter,
    properties: &[Property],
    opts: &FuzzOptions,
    regressions: &Path,
) -> ExitCode {
    let seed = opts.seed;
    let bar = indicatif::ProgressBar::new(u64::from(opts.cases));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} scenarios, {per_sec}")
            .expect("a valid template"),
    );
    let mut failed = false;
    for &property in properties {
        bar.reset();
        let report = (adapter.fuzz)(property, opts, &RunOptions::default(), &|| bar.inc(1));
        bar.finish_and_clear();
        let rate = f64::from(report.runs) / report.elapsed.as_secs_f64();
        println!(
            "{}: {} scenarios against {} in {:.1} s ({rate:.0}/s), seed {seed}",
            property.name(),
            report.runs,
            adapter.name,
            report.elapsed.as_secs_f64()
        );
        match report.finding {
            Some(finding) => {
                failed = true;
                report_finding(&finding, adapter, seed, regressions);
            }
            None => println!("  no failure"),
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn report_finding(finding: &Finding, adapter: &Adapter, seed: u64, regressions: &Path) {
    println!(
        "  FAIL after {} scenarios ({:.1} s), shrunk to {} processes and {} steps: {}",
        finding.cases_to_find,
        finding.time_to_find.as_secs_f64(),
        finding.scenario.processes.len(),
        finding.scenario.steps.len(),
        finding.failure
    );
    match write_regression(regressions, finding, seed, adapter.name) {
        Ok(path) => println!("  written to {}", path.display()),
        Err(e) => eprintln!("error: cannot write the regression: {e}"),
    }
}

/// A seed from the clock, for a run that asks for none.
fn random_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}
