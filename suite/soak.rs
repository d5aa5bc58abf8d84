//! Soak and load: the whole catalogue, `IPC_SOAK_ROUNDS` times (2 by default; 1,000 for
//! the record), against the OS, while CPU hogs keep every core but one busy
//! (`IPC_SOAK_HOGS` processes, one less than the cores by default). A scenario whose
//! verdict differs in any round from what it must be (a pass, or the skip known before it
//! runs) is flaky, and the test fails on any. It prints one summary line: rounds, runs,
//! flaky verdicts, and the p50/p99/max latency of the blocking verdicts (from the start
//! marker to the kernel's evidence).
//!
//! `IPC_SOAK_FILTER` keeps the scenarios whose id contains it.
//!
//! It forks, so it runs through libtest-mimic on the main thread, and the hogs are
//! processes (this binary again), not threads.

use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};

use ipc_conformance::driver::{run_scenario, skip_reason_for, RunOptions, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::report::render_timeline;
use ipc_conformance::scenario::{self, Scenario};

/// Set in the environment of a hog, to the soak's pid: spin until killed.
const HOG: &str = "IPC_SOAK_HOG";

fn main() {
    if let Ok(soak) = std::env::var(HOG) {
        // Die with the soak, even when it is killed and cannot stop its hogs (and leave
        // at once if it is gone already).
        #[cfg(target_os = "linux")]
        let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
        if nix::unistd::getppid().as_raw().to_string() != soak {
            return;
        }
        loop {
            std::hint::spin_loop();
        }
    }
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let trials = vec![Trial::test("soak::catalogue_under_load", soak)];
    libtest_mimic::run(&args, trials).exit()
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Busy processes, killed and reaped on drop (also when the soak fails).
struct Hogs(Vec<Child>);

impl Hogs {
    fn start(n: usize) -> Result<Hogs, Failed> {
        let exe = std::env::current_exe()?;
        let mut hogs = Hogs(Vec::new());
        for _ in 0..n {
            let me = std::process::id().to_string();
            hogs.0.push(Command::new(&exe).env(HOG, me).spawn()?);
        }
        Ok(hogs)
    }
}

impl Drop for Hogs {
    fn drop(&mut self) {
        for hog in &mut self.0 {
            let _ = hog.kill();
            let _ = hog.wait();
        }
    }
}

/// One verdict that was not what the scenario must come to.
struct Flake {
    round: usize,
    id: String,
    text: String,
}

fn soak() -> Result<(), Failed> {
    let rounds = env_number("IPC_SOAK_ROUNDS").unwrap_or(2);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let hogs = env_number("IPC_SOAK_HOGS").unwrap_or(cores.saturating_sub(1).max(1));
    // IPC_SOAK_FILTER: only the scenarios whose id contains it (to chase a flake).
    let filter = std::env::var("IPC_SOAK_FILTER").unwrap_or_default();
    let scenarios: Vec<Scenario> = scenario::catalogue()?
        .into_iter()
        .filter(|s| s.id.contains(&filter))
        .collect();
    let opts = RunOptions::default();
    // What each scenario must come to: a skip known before it runs, else a pass.
    let must_skip: Vec<bool> = scenarios
        .iter()
        .map(|s| skip_reason_for(s, &Os, &opts).is_some())
        .collect();

    let hogging = Hogs::start(hogs)?;
    let started = Instant::now();
    let mut flakes: Vec<Flake> = Vec::new();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut by_evidence: BTreeMap<String, usize> = BTreeMap::new();
    for round in 0..rounds {
        if rounds >= 20 && round % (rounds / 10) == 0 {
            eprintln!(
                "soak: round {round} of {rounds}, {:.0} s, {} flaky so far",
                started.elapsed().as_secs_f64(),
                flakes.len()
            );
        }
        for (s, &skip) in scenarios.iter().zip(&must_skip) {
            let report = run_scenario(s, &Os, &opts);
            let fine = match &report.verdict {
                Verdict::Pass => !skip,
                Verdict::Skip(_) => skip,
                _ => false,
            };
            if !fine {
                flakes.push(Flake {
                    round,
                    id: s.id.clone(),
                    text: format!("{:?}\n{}", report.verdict, render_timeline(&report)),
                });
            }
            for b in &report.blocking {
                latencies.push(b.latency);
                *by_evidence.entry(format!("{:?}", b.evidence)).or_default() += 1;
            }
        }
    }
    let wall = started.elapsed();
    drop(hogging);

    latencies.sort_unstable();
    let at = |q: f64| -> Duration {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    let mut flaky_ids: Vec<&str> = flakes.iter().map(|f| f.id.as_str()).collect();
    flaky_ids.sort_unstable();
    flaky_ids.dedup();
    eprintln!(
        "soak: {rounds} rounds x {} scenarios = {} runs in {:.1} s beside {hogs} CPU hog(s); \
         flaky verdicts: {} (scenarios: {}); blocking verdicts: {} ({by_evidence:?}), \
         p50 {:?}, p99 {:?}, max {:?}",
        scenarios.len(),
        rounds * scenarios.len(),
        wall.as_secs_f64(),
        flakes.len(),
        flaky_ids.len(),
        latencies.len(),
        at(0.50),
        at(0.99),
        latencies.last().copied().unwrap_or_default(),
    );
    if flakes.is_empty() {
        return Ok(());
    }
    let rounds_of: Vec<String> = flakes
        .iter()
        .map(|f| format!("{}@{}", f.id, f.round))
        .collect();
    eprintln!("flaky: {}", rounds_of.join(" "));
    let shown: Vec<String> = flakes
        .iter()
        .take(5)
        .map(|f| format!("round {}: {}: {}", f.round, f.id, f.text))
        .collect();
    Err(format!(
        "{} flaky verdicts in {} scenarios ({}); the first:\n{}",
        flakes.len(),
        flaky_ids.len(),
        flaky_ids.join(", "),
        shown.join("\n")
    )
    .into())
}
