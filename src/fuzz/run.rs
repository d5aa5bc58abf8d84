//! Running generated scenarios as real forked processes against an implementation, and
//! shrinking a failure to a scenario file.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use super::connections::{build_connections, connection_plans};
use super::datagrams::{build_datagrams, datagram_plans};
use super::locks::{build_locks, lock_plans};
use super::pairs::pair_plans;
use super::pipes::build;
use super::plan::{plans, PlanParts};
use super::regions::{build_regions, region_plans};
use super::semaphores::{build_semaphores, semaphore_plans};
use super::writers::{build_writers, writer_plans, WritersPlan};
use crate::driver::Verdict;
use crate::driver::{run_scenario, RunOptions};
use crate::mechanism::{Capability, Implementation};
use crate::platform::PlatformProfile;
use crate::scenario::{to_file_text, Mechanism, Scenario};

/// How to fuzz.
#[derive(Clone, Debug)]
pub struct FuzzOptions {
    /// How many generated cases to run (shrinking a failure runs more).
    pub cases: u32,
    /// The seed: the same seed generates the same cases.
    pub seed: u64,
    /// The most processes a case has (at least 2).
    pub max_processes: usize,
    /// The most moves a case is generated with.
    pub max_moves: usize,
    /// Whether a failure is shrunk; without shrinking the finding is the first failing
    /// case as generated (what a run that only asks "is it found, and how soon" needs).
    pub shrink: bool,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            cases: 256,
            seed: 0,
            max_processes: 6,
            max_moves: 12,
            shrink: true,
        }
    }
}

/// A failure, shrunk.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The smallest failing scenario proptest found.
    pub scenario: Scenario,
    /// What failed in it, in one line.
    pub failure: String,
    /// Cases run until the first failure.
    pub cases_to_find: u32,
    /// Time until the first failure.
    pub time_to_find: Duration,
}

/// What a fuzzing run came to.
#[derive(Clone, Debug)]
pub struct FuzzReport {
    /// Scenarios run, shrinking included.
    pub runs: u32,
    /// Wall time.
    pub elapsed: Duration,
    /// The failure, if one was found.
    pub finding: Option<Finding>,
}

/// What a fuzzing run checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    /// Sequences of calls on one pipe, each outcome the reference model's.
    PipeSequences,
    /// Sequences of opens and calls on one FIFO, each outcome the reference model's.
    FifoSequences,
    /// Sequences of sends, receives and shutdowns on one stream socketpair, each outcome
    /// the reference model's.
    SocketpairSequences,
    /// Sequences of binds, connects, sends and receives on Unix datagram sockets, each
    /// outcome the reference model's.
    DatagramSequences,
    /// The same on UDP sockets on loopback.
    UdpSequences,
    /// Concurrent writers' records on one pipe, checked on what arrives.
    ConcurrentWriters,
    /// Maps, loads, stores and atomics on anonymous shared memory, each outcome the
    /// reference model's.
    AnonSharedSequences,
    /// Attachments, loads, stores, atomics and IPC_RMID on a System V segment, each
    /// outcome the reference model's.
    SysvShmSequences,
    /// Opens, sizes, maps, loads and stores on a POSIX shared memory object, each
    /// outcome the reference model's.
    PosixShmSequences,
    /// Opens, sizes, file I/O, maps, loads and stores on a mapped file, each outcome the
    /// reference model's.
    FileMmapSequences,
    /// Sequences of binds, listens, connects, accepts, sends and receives on Unix stream
    /// sockets, each outcome the reference model's.
    UnixStreamConnections,
    /// The same on Unix seqpacket sockets.
    UnixSeqpacketConnections,
    /// The same on TCP sockets over loopback.
    TcpConnections,
    /// Takes, gives, waits for zero, SETVAL, counts, IPC_RMID and exits on a System V
    /// semaphore set, each outcome the reference model's.
    SysvSemSequences,
    /// Locks, unlocks, condition waits, signals, broadcasts and exits on a
    /// process-shared mutex and condition variable, each outcome the reference model's.
    SharedLockSequences,
}

impl Property {
    /// Every property, in the order the command line and the harness run them.
    pub const ALL: [Property; 15] = [
        Property::PipeSequences,
        Property::FifoSequences,
        Property::SocketpairSequences,
        Property::DatagramSequences,
        Property::UdpSequences,
        Property::ConcurrentWriters,
        Property::AnonSharedSequences,
        Property::SysvShmSequences,
        Property::PosixShmSequences,
        Property::FileMmapSequences,
        Property::UnixStreamConnections,
        Property::UnixSeqpacketConnections,
        Property::TcpConnections,
        Property::SysvSemSequences,
        Property::SharedLockSequences,
    ];

    /// Its name in reports and test names.
    pub fn name(self) -> &'static str {
        match self {
            Property::PipeSequences => "pipe",
            Property::FifoSequences => "fifo",
            Property::SocketpairSequences => "socketpair",
            Property::DatagramSequences => "unix_dgram",
            Property::UdpSequences => "udp",
            Property::ConcurrentWriters => "pipe_writers",
            Property::AnonSharedSequences => "anon_shared",
            Property::SysvShmSequences => "sysv_shm",
            Property::PosixShmSequences => "posix_shm",
            Property::FileMmapSequences => "file_mmap",
            Property::UnixStreamConnections => "unix_stream",
            Property::UnixSeqpacketConnections => "unix_seqpacket",
            Property::TcpConnections => "tcp",
            Property::SysvSemSequences => "sysv_sem",
            Property::SharedLockSequences => "pshared_mutex",
        }
    }

    /// The mechanism it exercises.
    pub fn mechanism(self) -> Mechanism {
        match self {
            Property::FifoSequences => Mechanism::Fifo,
            Property::SocketpairSequences => Mechanism::Socketpair,
            Property::DatagramSequences => Mechanism::UnixDgram,
            Property::UdpSequences => Mechanism::Udp,
            Property::PipeSequences | Property::ConcurrentWriters => Mechanism::Pipe,
            Property::AnonSharedSequences => Mechanism::AnonShared,
            Property::SysvShmSequences => Mechanism::SysvShm,
            Property::PosixShmSequences => Mechanism::PosixShm,
            Property::FileMmapSequences => Mechanism::FileMmap,
            Property::UnixStreamConnections => Mechanism::UnixStream,
            Property::UnixSeqpacketConnections => Mechanism::UnixSeqpacket,
            Property::TcpConnections => Mechanism::Tcp,
            Property::SysvSemSequences => Mechanism::SysvSem,
            Property::SharedLockSequences => Mechanism::PsharedMutex,
        }
    }
}

/// Run the fuzzer of `property` against `iut`.
pub fn fuzz<I: Implementation>(
    iut: &I,
    property: Property,
    opts: &FuzzOptions,
    run_opts: &RunOptions,
    on_run: &dyn Fn(),
) -> FuzzReport {
    let run_opts = &run_opts.for_plans(iut, property.mechanism());
    let (max_processes, max_moves) = (opts.max_processes, opts.max_moves);
    let hunt = Hunt {
        iut,
        property,
        opts,
        run_opts,
        on_run,
    };
    match property {
        Property::PipeSequences | Property::FifoSequences => {
            hunt.plans(plans(max_processes, max_moves), build)
        }
        Property::SocketpairSequences => hunt.plans(pair_plans(max_processes, max_moves), build),
        Property::ConcurrentWriters => fuzz_pipe_writers(iut, opts, run_opts, on_run),
        Property::DatagramSequences | Property::UdpSequences => {
            hunt.plans(datagram_plans(max_processes, max_moves), build_datagrams)
        }
        Property::AnonSharedSequences
        | Property::SysvShmSequences
        | Property::PosixShmSequences
        | Property::FileMmapSequences => {
            hunt.plans(region_plans(max_processes, max_moves), build_regions)
        }
        Property::UnixStreamConnections
        | Property::UnixSeqpacketConnections
        | Property::TcpConnections => hunt.plans(
            connection_plans(max_processes, max_moves),
            build_connections,
        ),
        Property::SysvSemSequences => {
            hunt.plans(semaphore_plans(max_processes, max_moves), build_semaphores)
        }
        Property::SharedLockSequences => {
            hunt.plans(lock_plans(max_processes, max_moves), build_locks)
        }
    }
}

/// How a plan becomes a scenario of a mechanism: each family's builder.
type Build<P> = fn(&P, Mechanism, &PlatformProfile, &[Capability], &str) -> Option<Scenario>;

/// One fuzzing run of a property of sequences against an implementation.
struct Hunt<'a, I> {
    iut: &'a I,
    property: Property,
    opts: &'a FuzzOptions,
    run_opts: &'a RunOptions,
    on_run: &'a dyn Fn(),
}

impl<I: Implementation> Hunt<'_, I> {
    /// Generate plans from `strategy`, build each into a scenario of the property's
    /// mechanism with the model's outcomes as its expectations, and run them until one
    /// fails or `opts.cases` passed; a failure is shrunk (fewer processes, fewer
    /// moves, smaller sizes).
    fn plans<S>(&self, strategy: S, build: Build<S::Value>) -> FuzzReport
    where
        S: Strategy,
        S::Value: PlanParts + 'static,
    {
        let mechanism = self.property.mechanism();
        let id = format!(
            "{mechanism}::{}_fuzz_{:016x}",
            self.property.name(),
            self.opts.seed
        );
        let capabilities = declared(self.iut, mechanism).unwrap_or_default();
        let profile = self.run_opts.profile;
        hunt(
            strategy,
            &|plan: &S::Value| build(plan, mechanism, profile, &capabilities, &id),
            &without_bystanders,
            self.iut,
            self.opts,
            self.run_opts,
            self.on_run,
        )
    }
}

/// What `iut` declares it can do with `mechanism`, or `None` when it does not provide it.
pub fn declared<I: Implementation>(iut: &I, mechanism: Mechanism) -> Option<Vec<Capability>> {
    iut.describe(mechanism.family())
        .filter(|x| x.mechanisms().contains(&mechanism))
        .map(|x| x.capabilities(mechanism).to_vec())
}

/// Generate concurrent writers of tagged records on one pipe and a reader that reads to
/// the end, and check, against `iut`, that no byte is lost, duplicated or reordered
/// within a writer, that records of at most PIPE_BUF bytes arrive whole, and that end of
/// file waits for the last write end (the last writer writes after the others closed).
fn fuzz_pipe_writers<I: Implementation>(
    iut: &I,
    opts: &FuzzOptions,
    run_opts: &RunOptions,
    on_run: &dyn Fn(),
) -> FuzzReport {
    let id = format!("pipe::pipe_writers_{:016x}", opts.seed);
    hunt(
        writer_plans(),
        &|plan: &WritersPlan| build_writers(plan, run_opts.profile, &id),
        &|plan, failure, _| (plan, failure),
        iut,
        opts,
        run_opts,
        on_run,
    )
}

/// A last shrinking pass over a failing value: given it, its failure, and how any value
/// fares, a simpler failing value and its failure.
type Simplify<V> = dyn Fn(V, String, &dyn Fn(&V) -> Option<String>) -> (V, String);

/// Run scenarios built from `strategy`'s values until one fails, shrink it with proptest
/// and then `simplify`, and report.
fn hunt<S: Strategy, I: Implementation>(
    strategy: S,
    build: &dyn Fn(&S::Value) -> Option<Scenario>,
    simplify: &Simplify<S::Value>,
    iut: &I,
    opts: &FuzzOptions,
    run_opts: &RunOptions,
    on_run: &dyn Fn(),
) -> FuzzReport {
    let started = Instant::now();
    let config = Config {
        cases: opts.cases,
        failure_persistence: None,
        max_shrink_iters: if opts.shrink { 4096 } else { 0 },
        // A failure that costs a watchdog's bound per run (a call that hangs) would make
        // shrinking slow; five seconds of it find the small case in practice.
        max_shrink_time: 5000,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_mut(8) {
        chunk.copy_from_slice(&opts.seed.to_le_bytes());
    }
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let runs = Cell::new(0u32);
    let first_failure: Cell<Option<(u32, Duration)>> = Cell::new(None);
    // How each scenario fared once shrinking began: many plans build to the same
    // scenario (moves the state does not allow fall away), and one that hangs costs the
    // watchdog's bound every time it runs.
    let shrunk: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
    // How a value fares: the failure, if its scenario fails.
    let fails = |value: &S::Value| -> Option<String> {
        let scenario = build(value)?;
        let shrinking = first_failure.get().is_some();
        let key = format!("{scenario:?}");
        if let Some(known) = shrinking
            .then(|| shrunk.borrow().get(&key).cloned())
            .flatten()
        {
            return known;
        }
        runs.set(runs.get() + 1);
        on_run();
        let failure = match run_scenario(&scenario, iut, run_opts).verdict {
            Verdict::Fail(f) => Some(f.to_string()),
            Verdict::HarnessError(e) => Some(format!("the harness could not run it: {e}")),
            _ => None,
        };
        if shrinking {
            shrunk.borrow_mut().insert(key, failure.clone());
        }
        failure
    };
    let result = runner.run(&strategy, |value| {
        let Some(failure) = fails(&value) else {
            return Ok(());
        };
        if first_failure.get().is_none() {
            first_failure.set(Some((runs.get(), started.elapsed())));
        }
        Err(TestCaseError::fail(failure))
    });
    let finding = match result {
        Err(TestError::Fail(reason, value)) => {
            let failure = reason.message().to_owned();
            let (value, failure) = match opts.shrink {
                true => simplify(value, failure, &fails),
                false => (value, failure),
            };
            let (cases_to_find, time_to_find) = first_failure.get().unwrap_or_default();
            build(&value).map(|scenario| Finding {
                scenario,
                failure,
                cases_to_find,
                time_to_find,
            })
        }
        _ => None,
    };
    FuzzReport {
        runs: runs.get(),
        elapsed: started.elapsed(),
        finding,
    }
}

/// Proptest shrinks moves and sizes well, but dropping a process renumbers the moves of
/// those after it, and a move it cannot drop alone (one a later move leans on) stays;
/// so after it, try each process away (its moves with it), then each move, then each
/// pair of moves (a connect and the accept it feeds go only together: either alone
/// leaves a call blocked or a state the model does not cover), and keep every removal
/// after which the plan still fails, until none is left to make.
fn without_bystanders<P: PlanParts>(
    plan: P,
    failure: String,
    fails: &dyn Fn(&P) -> Option<String>,
) -> (P, String) {
    let mut found = (plan, failure);
    let mut i = found.0.process_count();
    // Down to one process: a bystander that never acts is left only where the failure
    // needs it (an end it holds keeps a reader from end of file).
    while i > 0 && found.0.process_count() > 1 {
        i -= 1;
        let candidate = found.0.without_process(i);
        keep_if_fails(&mut found, candidate, fails);
    }
    let mut dropped = true;
    while dropped {
        dropped = false;
        for i in (0..found.0.move_count()).rev() {
            let candidate = found.0.without_move(i);
            dropped |= keep_if_fails(&mut found, candidate, fails);
        }
        let n = found.0.move_count();
        let mut pairs = (0..n)
            .rev()
            .flat_map(|i| (i + 1..n).rev().map(move |j| (i, j)));
        dropped |= pairs.any(|(i, j)| {
            let candidate = found.0.without_move(j).without_move(i);
            keep_if_fails(&mut found, candidate, fails)
        });
    }
    found
}

/// Make `candidate` the plan `found` if it fails too; whether it did.
fn keep_if_fails<P>(
    found: &mut (P, String),
    candidate: P,
    fails: &dyn Fn(&P) -> Option<String>,
) -> bool {
    match fails(&candidate) {
        Some(failure) => {
            *found = (candidate, failure);
            true
        }
        None => false,
    }
}

/// Write a finding as a scenario file named after its seed in `dir`, with the seed and
/// the failure in a comment on top; returns its path.
pub fn write_regression(
    dir: &Path,
    finding: &Finding,
    seed: u64,
    implementation: &str,
) -> Result<PathBuf, String> {
    let comment = vec![
        format!("Found by the fuzzer, seed {seed}, against `{implementation}`, and shrunk."),
        format!("It failed there with: {}", finding.failure),
        "Its expectations are the reference model's (src/model/), or, for concurrent \
         writers, the records they wrote."
            .to_owned(),
    ];
    let text = to_file_text(&finding.scenario, &comment)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let stem = finding
        .scenario
        .id
        .split_once("::")
        .map_or("fuzz", |(_, s)| s);
    let path = dir.join(format!("{stem}.toml"));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}
