//! The fuzzers end to end: against each deliberately faulty pipe, socket and shared region of
//! fixtures/, a fuzzer finds a failure from a fixed seed, shrinks it (the sequence
//! fuzzers to at most 3 processes and 6 steps), and writes it as a scenario file that
//! fails the faulty implementation and passes the operating system when replayed. Against the operating system neither
//! finds anything. `-- --nocapture` prints, per fault, the cases and the time it took.

#[path = "../fixtures/faulty.rs"]
mod faulty;
#[path = "../fixtures/faulty_regions.rs"]
mod faulty_regions;
#[path = "../fixtures/faulty_sockets.rs"]
mod faulty_sockets;

use std::time::{Duration, Instant};

use faulty::{Fault, Faulty};
use faulty_regions::{FaultyRegion, RegionFault};
use faulty_sockets::{FaultySocket, SocketFault};
use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
use ipc_conformance::fuzz::{fuzz, write_regression, FuzzOptions, Property};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::mechanism::{Implementation, Regions, Sockets, Streams};
use ipc_conformance::scenario;
use libtest_mimic::{Arguments, Failed, Trial};

/// The seed every fault is hunted with, for runs that repeat.
const SEED: u64 = 1;

/// How long finding and shrinking a shared-region fault may take: its scenarios never
/// wait, so a slow hunt means the fuzzer lost its aim.
const REGION_BUDGET: Duration = Duration::from_secs(10);

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Hunt `fault`, injected in `iut`, with `property`.
fn finds_and_shrinks<I: Implementation>(
    fault: &str,
    bug: &str,
    iut: &I,
    property: Property,
) -> Result<(), Failed> {
    let opts = FuzzOptions {
        cases: 2000,
        seed: SEED,
        ..FuzzOptions::default()
    };
    let run = RunOptions::default();
    let started = Instant::now();
    let report = fuzz(iut, property, &opts, &run, &|| {});
    let finding = report
        .finding
        .ok_or_else(|| format!("{fault} ({bug}): not found in {} scenarios", report.runs))?;
    let s = &finding.scenario;
    println!(
        "{fault}: found after {} scenarios in {:.2} s; {} runs and {:.2} s with shrinking, to {} processes and {} steps: {}",
        finding.cases_to_find,
        finding.time_to_find.as_secs_f64(),
        report.runs,
        started.elapsed().as_secs_f64(),
        s.processes.len(),
        s.steps.len(),
        finding.failure
    );
    let sequences = property != Property::ConcurrentWriters;
    if sequences && (s.processes.len() > 3 || s.steps.len() > 6) {
        return Err(format!(
            "{fault}: shrunk only to {} processes and {} steps:\n{}",
            s.processes.len(),
            s.steps.len(),
            scenario::to_file_text(s, &[]).unwrap_or_default()
        )
        .into());
    }
    let dir = std::env::temp_dir().join(format!(
        "ipc-conformance-regressions.{}",
        std::process::id()
    ));
    let path = write_regression(&dir, &finding, SEED, "faulty")?;
    let replayed = scenario::load_file(&path);
    let _ = std::fs::remove_dir_all(&dir);
    let replayed = replayed?;
    if replayed.steps != s.steps || replayed.processes != s.processes {
        return Err(format!("{fault}: the file does not read back as the scenario").into());
    }
    // A sequence fails again every time; writers racing fail when the kernel lets
    // one's bytes in between another's two halves, which takes a few tries at most.
    let tries = if sequences { 1 } else { 200 };
    let fails_again =
        (0..tries).any(|_| matches!(run_scenario(&replayed, iut, &run).verdict, Verdict::Fail(_)));
    if !fails_again {
        return Err(format!("{fault}: the replay passed {tries} times against the fault").into());
    }
    match run_scenario(&replayed, &Os, &run).verdict {
        Verdict::Pass => Ok(()),
        other => Err(format!("{fault}: the replay against the OS gave {other:?}").into()),
    }
}

fn the_os_passes(property: Property) -> Result<(), Failed> {
    let opts = FuzzOptions {
        cases: cases(),
        seed: SEED,
        ..FuzzOptions::default()
    };
    let report = fuzz(&Os, property, &opts, &RunOptions::default(), &|| {});
    match report.finding {
        None => Ok(()),
        Some(f) => Err(format!("the OS fails a generated scenario: {}", f.failure).into()),
    }
}

fn main() {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread.
    args.test_threads = Some(1);
    let mut trials: Vec<Trial> = Vec::new();
    for fault in Fault::ALL {
        trials.extend(fault.fuzzed_by().map(|property| {
            Trial::test(format!("fuzz::finds::{fault:?}"), move || {
                finds_and_shrinks(
                    &format!("{fault:?}"),
                    fault.bug(),
                    &Streams(Faulty(fault)),
                    property,
                )
            })
        }));
    }
    for fault in SocketFault::ALL {
        trials.extend(fault.fuzzed_by().map(|property| {
            Trial::test(format!("fuzz::finds::{fault:?}"), move || {
                finds_and_shrinks(
                    &format!("{fault:?}"),
                    fault.bug(),
                    &Sockets(FaultySocket(fault)),
                    property,
                )
            })
        }));
    }
    for fault in RegionFault::ALL {
        trials.extend(fault.fuzzed_by().map(|property| {
            Trial::test(format!("fuzz::finds::{fault:?}"), move || {
                let started = Instant::now();
                let iut = Regions(FaultyRegion(fault));
                finds_and_shrinks(&format!("{fault:?}"), fault.bug(), &iut, property)?;
                match started.elapsed() {
                    t if t > REGION_BUDGET => Err(format!(
                        "{fault:?}: found and shrunk in {t:?}, over {REGION_BUDGET:?}"
                    )
                    .into()),
                    _ => Ok(()),
                }
            })
        }));
    }
    trials.extend(Property::ALL.map(|property| {
        Trial::test(
            format!("fuzz::the_os_passes::{}", property.name()),
            move || the_os_passes(property),
        )
    }));
    libtest_mimic::run(&args, trials).exit()
}
