//! Driver benchmarks; medians and ratios against baselines measured in the same run.
//!
//! `cargo bench --bench driver` (add `-- --quick` for fewer rounds). Prints:
//! - a bare fork+exit+waitpid of two children (the floor any forked driver pays);
//! - the 2-process "read blocks until write" scenario, and its ratio to that floor;
//! - the blocking-verdict latency (actor's start marker to the driver's verdict);
//! - the same two for a semop that sleeps until another process gives
//!   (`sysv-sem::semop_blocks_until_post`) and for a process-shared mutex's lock that
//!   sleeps until the owner unlocks (`pshared-mutex::lock_blocks_until_unlock`), each
//!   read from the kernel as for a pipe;
//! - the whole pipe+FIFO catalogue with the kernel oracle and with a 100 ms timeout
//!   oracle (what sleep-based suites do), and their ratio;
//! - the whole catalogue, every mechanism, but the scenarios across hosts;
//! - the scenarios across hosts (two network namespaces each), on their own;
//! - the pipe fuzzer's throughput: generated scenarios per second of 2-3 processes and
//!   of 2-6, built from the model and run as forked processes (one seed per round).

use std::path::Path;
use std::time::{Duration, Instant};

use ipc_conformance::driver::{run_scenario, BlockingOracle, RunOptions, Verdict};
use ipc_conformance::fuzz::{fuzz, FuzzOptions, Property};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::scenario::{self, Scenario};

#[expect(unsafe_code, reason = "the baseline forks")]
fn fork_exit_wait_two() {
    for _ in 0..2 {
        // SAFETY: this benchmark is single-threaded; the child calls _exit at once.
        match unsafe { nix::unistd::fork() }.expect("fork") {
            nix::unistd::ForkResult::Child => unsafe { libc::_exit(0) },
            nix::unistd::ForkResult::Parent { child } => {
                nix::sys::wait::waitpid(child, None).expect("waitpid");
            }
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn time(rounds: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The median time of `rounds` runs of `s`, which must pass, and the median latency of
/// its blocking verdicts.
fn time_blocking(rounds: usize, s: &Scenario, opts: &RunOptions) -> (Duration, Duration) {
    let mut latencies = Vec::new();
    let scenario_time = time(rounds, || {
        let report = run_scenario(s, &Os, opts);
        assert_eq!(report.verdict, Verdict::Pass, "{}", s.id);
        latencies.extend(report.blocking.iter().map(|b| b.latency));
    });
    (scenario_time, median(latencies))
}

fn run_all(scenarios: &[Scenario], opts: &RunOptions) -> Duration {
    let t = Instant::now();
    for s in scenarios {
        let report = run_scenario(s, &Os, opts);
        assert!(
            matches!(report.verdict, Verdict::Pass | Verdict::Skip(_)),
            "{} did not pass: {:?}",
            s.id,
            report.verdict
        );
    }
    t.elapsed()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 50 } else { 500 };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let load = |file: &str| scenario::load_file(&root.join(file)).expect("catalogue file");
    let kernel = RunOptions::default();

    let floor = time(rounds, fork_exit_wait_two);
    // Each scenario whose call blocks until another process acts, the call named.
    let blocking: Vec<(Scenario, &str, Duration, Duration)> = [
        ("pipe/read_empty_blocks.toml", "read"),
        ("sysv-sem/semop_blocks_until_post.toml", "semop"),
        ("pshared-mutex/lock_blocks_until_unlock.toml", "mutex lock"),
    ]
    .into_iter()
    .map(|(file, call)| {
        let s = load(file);
        let (took, latency) = time_blocking(rounds, &s, &kernel);
        (s, call, took, latency)
    })
    .collect();

    let mut catalogue = scenario::load_all(&root.join("pipe")).expect("pipe catalogue");
    catalogue.extend(scenario::load_all(&root.join("fifo")).expect("fifo catalogue"));
    let catalogue_rounds = if quick { 3 } else { 15 };
    let kernel_catalogue = time(catalogue_rounds, || {
        run_all(&catalogue, &kernel);
    });
    // Scenarios across hosts set up two network namespaces each (iproute2), which the
    // goal for the catalogue's time leaves aside: they are timed on their own.
    let (across, everything): (Vec<Scenario>, Vec<Scenario>) = scenario::load_all(&root)
        .expect("the catalogue")
        .into_iter()
        .partition(|s| s.processes.iter().any(|p| p.host.is_some()));
    let everything_time = time(catalogue_rounds, || {
        run_all(&everything, &kernel);
    });
    let across_time = time(catalogue_rounds, || {
        run_all(&across, &kernel);
    });
    let timeout = RunOptions {
        oracle: BlockingOracle::Timeout(Duration::from_millis(100)),
        ..RunOptions::default()
    };
    let timeout_catalogue = time(if quick { 1 } else { 3 }, || {
        run_all(&catalogue, &timeout);
    });

    println!(
        "fork+exit+waitpid x2 (floor)            median {}",
        ms(floor)
    );
    for (s, call, took, latency) in &blocking {
        println!(
            "{:<56}median {}   ratio to floor {:.2}x",
            format!("{} ({} processes)", s.id, s.processes.len()),
            ms(*took),
            took.as_secs_f64() / floor.as_secs_f64()
        );
        println!(
            "{:<56}median {}",
            format!("blocking verdict latency, {call}"),
            ms(*latency)
        );
    }
    println!(
        "catalogue, {} files, kernel oracle     median {}",
        catalogue.len(),
        ms(kernel_catalogue)
    );
    println!(
        "catalogue, {} files, timeout=100ms      median {}   ratio to kernel {:.1}x",
        catalogue.len(),
        ms(timeout_catalogue),
        timeout_catalogue.as_secs_f64() / kernel_catalogue.as_secs_f64()
    );
    println!(
        "whole catalogue but across hosts, {} files   median {}",
        everything.len(),
        ms(everything_time)
    );
    println!(
        "scenarios across hosts, {} files          median {}",
        across.len(),
        ms(across_time)
    );
    // The goal is for 2-3-process cases; the default generates up to 6.
    for max_processes in [3, 6] {
        let mut rates: Vec<f64> = (0..if quick { 1 } else { 5 })
            .map(|seed| {
                let opts = FuzzOptions {
                    cases: 500,
                    seed,
                    max_processes,
                    ..FuzzOptions::default()
                };
                let report = fuzz(&Os, Property::PipeSequences, &opts, &kernel, &|| {});
                if let Some(finding) = report.finding {
                    panic!(
                        "the OS fails a generated scenario (seed {seed}): {}\n{:#?}",
                        finding.failure, finding.scenario
                    );
                }
                f64::from(report.runs) / report.elapsed.as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "pipe fuzzer, 2-{max_processes} processes, scenarios/s  median {:.0}",
            rates[rates.len() / 2]
        );
    }
}
