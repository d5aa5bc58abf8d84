//! `fuzz`: generated cases against one implementation, a progress bar while they run,
//! and each shrunk failure written as a regression file; with `--jobs N`, in N worker
//! processes (this binary again: forking is only safe single-threaded), each with a
//! seed of its own.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use ipc_conformance::adapters::{self, Adapter};
use ipc_conformance::driver::RunOptions;
use ipc_conformance::fuzz::{write_regression, Finding, FuzzOptions, Property};
use ipc_conformance::platform::PlatformProfile;

use super::args::FuzzArgs;
use super::{progress_bar, usage_error};

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
        jobs,
        platform_profile,
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
    if jobs > 1 {
        let worker = |i: u16, cases: u32| {
            let mut cmd = Command::new(std::env::current_exe()?);
            cmd.arg("fuzz")
                .args(["--mechanism", &mechanism])
                .args(["--cases", &cases.to_string()])
                .args(["--seed", &(seed.wrapping_add(u64::from(i))).to_string()])
                .args(["--implementation", &implementation])
                .arg("--regressions")
                .arg(&regressions)
                .args(["--max-processes", &max_processes.to_string()])
                .args(["--max-moves", &max_moves.to_string()])
                .args(
                    platform_profile
                        .iter()
                        .flat_map(|p| ["--platform-profile", p.as_str()]),
                )
                // Piped, so that no worker draws a progress bar over another's.
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        };
        return fuzz_in_workers(worker, jobs, cases);
    }
    let opts = FuzzOptions {
        cases,
        seed,
        max_processes: usize::from(max_processes),
        max_moves,
        shrink: true,
    };
    let profile = match platform_profile.as_deref() {
        Some(name) => match PlatformProfile::by_name(name) {
            Some(p) => p,
            None => return usage_error(format!("`{name}`: no such platform profile")),
        },
        None => PlatformProfile::host(),
    };
    let run_opts = RunOptions {
        profile,
        ..RunOptions::default()
    };
    run_fuzz(&adapter, &properties, &opts, &run_opts, &regressions)
}

fn run_fuzz(
    adapter: &Adapter,
    properties: &[Property],
    opts: &FuzzOptions,
    run_opts: &RunOptions,
    regressions: &Path,
) -> ExitCode {
    let seed = opts.seed;
    let bar = progress_bar(
        u64::from(opts.cases),
        "{bar:40} {pos}/{len} scenarios, {per_sec}",
    );
    let mut failed = false;
    for &property in properties {
        bar.reset();
        let report = adapter
            .implementation
            .fuzz(property, opts, run_opts, &|| bar.inc(1));
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

/// Start `jobs` workers (`worker(i, cases)`: worker `i` with its share of `cases`),
/// wait for all, and print what each printed (standard output and error), in worker
/// order. Fails when one found a failure or could not run.
fn fuzz_in_workers(
    worker: impl Fn(u16, u32) -> std::io::Result<std::process::Child>,
    jobs: u16,
    cases: u32,
) -> ExitCode {
    let started = Instant::now();
    let share =
        |i: u16| cases / u32::from(jobs) + u32::from(u32::from(i) < cases % u32::from(jobs));
    let children: Vec<_> = (0..jobs).map(|i| worker(i, share(i))).collect();
    let mut failed = false;
    for (i, child) in children.into_iter().enumerate() {
        let output = child.and_then(|c| c.wait_with_output());
        match output {
            Ok(out) => {
                print!("worker {i}: {}", String::from_utf8_lossy(&out.stdout));
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
                failed |= !out.status.success();
            }
            Err(e) => {
                eprintln!("error: worker {i} could not run: {e}");
                failed = true;
            }
        }
    }
    println!(
        "{cases} cases in {jobs} workers, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    match failed {
        true => ExitCode::FAILURE,
        false => ExitCode::SUCCESS,
    }
}

/// A seed from the clock, for a run that asks for none.
fn random_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}
