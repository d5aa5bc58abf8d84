//! Fork safety under cargo test: scenarios run from many test threads while other
//! threads allocate and take locks (what a user's async runtime does), and none of it
//! deadlocks, because only the single-threaded fork server ever forks. The number of
//! runs is `IPC_SOAK_RUNS` (default 2,000), on `--test-threads=8` unless given.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Arguments, Failed, Trial};

use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
use ipc_conformance::harness::{ForkServer, TrialResult};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::scenario::{self, Mechanism, Scenario};

fn main() {
    let scenarios: Vec<Scenario> = scenario::catalogue()
        .expect("the built-in catalogue parses")
        .into_iter()
        .filter(|s| matches!(s.mechanism, Mechanism::Pipe | Mechanism::Fifo))
        .collect();
    let opts = RunOptions::default();
    // First thing, while this process has one thread.
    let server = Arc::new(ForkServer::start(&Os, &scenarios, &opts).expect("the server forks"));

    let stop = Arc::new(AtomicBool::new(false));
    let noise: Vec<_> = (0..2).map(|_| start_noise(Arc::clone(&stop))).collect();

    let runs: usize = std::env::var("IPC_SOAK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let mut args = Arguments::from_args();
    args.test_threads.get_or_insert(8);
    let started = Instant::now();
    let mut trials: Vec<Trial> = (0..runs)
        .map(|i| {
            let server = Arc::clone(&server);
            let index = i % scenarios.len();
            let id = scenarios[index].id.clone();
            Trial::test(format!("soak::{i:05}::{id}"), move || {
                match server.run(index) {
                    TrialResult::Passed | TrialResult::Ignored(_) => Ok(()),
                    TrialResult::Failed(text) => Err(Failed::from(text)),
                }
            })
        })
        .collect();
    let one = scenarios[0].clone();
    trials.push(Trial::test(
        "a_direct_fork_among_threads_is_refused",
        move || {
            // Without the server, the driver refuses to fork here: this process has threads.
            match run_scenario(&one, &Os, &RunOptions::default()).verdict {
                Verdict::HarnessError(e) if e.contains("single-threaded") => Ok(()),
                other => Err(Failed::from(format!("expected a refusal, got {other:?}"))),
            }
        },
    ));
    let conclusion = libtest_mimic::run(&args, trials);
    stop.store(true, Ordering::Relaxed);
    for t in noise {
        t.join().expect("a noise thread ends");
    }
    eprintln!(
        "{runs} scenario runs on {} test threads beside 2 allocating threads: {:.1} s",
        args.test_threads.unwrap_or(1),
        started.elapsed().as_secs_f64()
    );
    conclusion.exit()
}

/// A thread that allocates, frees and takes a lock in a loop: were the harness to fork
/// while it holds malloc's or the lock, the child would hang on its first allocation.
fn start_noise(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let lock = Arc::new(Mutex::new(Vec::<String>::new()));
    std::thread::spawn(move || {
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let text = format!("allocation {n}");
            let mut held = lock.lock().expect("the lock is never poisoned");
            held.push(text);
            if held.len() > 64 {
                held.clear();
            }
            drop(held);
            n += 1;
            // Busy, but not a CPU hog: the scenarios' processes need the cores.
            std::thread::yield_now();
        }
    })
}
