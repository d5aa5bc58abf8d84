//! Every faulty implementation of fixtures/ is caught: by the catalogue (a scenario that
//! fails against the fault and passes against the operating system), by the fuzz
//! property the fault names (its fuzzer finds a failing case from a fixed seed within
//! [`FUZZ_BUDGET`] cases, not shrunk), or both. One trial per fault fails when nothing
//! catches it, or when its property does not find it; a last trial checks that
//! docs/faults.md, the table of what caught what, is what this run found. One more
//! holds the catalogue to "one rule, one failing scenario" for one-byte reads.
//!
//! Regenerate the table with `IPC_CONFORMANCE_WRITE_DOCS=1 cargo test --test faults`.

#[path = "../fixtures/faulty.rs"]
mod faulty;
#[path = "../fixtures/faulty_locks.rs"]
mod faulty_locks;
#[path = "../fixtures/faulty_regions.rs"]
mod faulty_regions;
#[path = "../fixtures/faulty_semaphores.rs"]
mod faulty_semaphores;
#[path = "../fixtures/faulty_sockets.rs"]
mod faulty_sockets;
#[path = "../fixtures/os_locks.rs"]
mod os_locks;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use faulty::{Fault, Faulty};
use faulty_locks::LockFault;
use faulty_regions::{FaultyRegion, RegionFault};
use faulty_semaphores::{FaultySemaphores, SemFault};
use faulty_sockets::{FaultySocket, SocketFault};
use libtest_mimic::{Arguments, Failed, Trial};
use os_locks::Twisted;

use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
use ipc_conformance::fuzz::{fuzz, FuzzOptions, Property};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::mechanism::{Implementation, Regions, Sockets, Streams, Synchronizers};
use ipc_conformance::report::{group_causes, render_causes};
use ipc_conformance::scenario::{self, Mechanism, Scenario};

/// The seed every fault is hunted with, so that runs repeat.
const SEED: u64 = 1;

/// The most generated cases a fuzzer may run before it must have found its fault.
const FUZZ_BUDGET: u32 = 1000;

/// The bound on one step of a scenario that keeps the default: a fault that hangs
/// costs it per scenario (most of this suite's time), and the catalogue against the OS
/// stays far within it; a scenario that does not is left out of the hunt, as it fails
/// against the OS too. The fuzzers' generated scenarios keep their own 500 ms.
const STEP_BOUND: Duration = Duration::from_millis(250);

/// How many catching scenarios the table names for each fault.
const NAMED_SCENARIOS: usize = 3;

/// Where the table lives, and the variable that rewrites it.
const DOC: &str = "docs/faults.md";
const WRITE_DOCS: &str = "IPC_CONFORMANCE_WRITE_DOCS";

/// A fault of any family.
#[derive(Clone, Copy, Debug)]
enum AnyFault {
    Stream(Fault),
    Socket(SocketFault),
    Region(RegionFault),
    Semaphore(SemFault),
    Lock(LockFault),
}

impl AnyFault {
    fn all() -> Vec<AnyFault> {
        let streams = Fault::ALL.map(AnyFault::Stream);
        let sockets = SocketFault::ALL.map(AnyFault::Socket);
        let regions = RegionFault::ALL.map(AnyFault::Region);
        let semaphores = SemFault::ALL.map(AnyFault::Semaphore);
        let locks = LockFault::ALL.map(AnyFault::Lock);
        streams
            .into_iter()
            .chain(sockets)
            .chain(regions)
            .chain(semaphores)
            .chain(locks)
            .collect()
    }

    fn name(self) -> String {
        match self {
            AnyFault::Stream(f) => Streams(Faulty(f)).name().to_owned(),
            AnyFault::Socket(f) => Sockets(FaultySocket(f)).name().to_owned(),
            AnyFault::Region(f) => Regions(FaultyRegion(f)).name().to_owned(),
            AnyFault::Semaphore(f) => Synchronizers(FaultySemaphores(f)).name().to_owned(),
            AnyFault::Lock(f) => Synchronizers(Twisted(f)).name().to_owned(),
        }
    }

    fn bug(self) -> &'static str {
        match self {
            AnyFault::Stream(f) => f.bug(),
            AnyFault::Socket(f) => f.bug(),
            AnyFault::Region(f) => f.bug(),
            AnyFault::Semaphore(f) => f.bug(),
            AnyFault::Lock(f) => f.bug(),
        }
    }

    /// What catches it: the catalogue, then its fuzz property.
    fn hunt(self) -> Caught {
        match self {
            AnyFault::Stream(f) => hunt(&Streams(Faulty(f)), f.fuzzed_by()),
            AnyFault::Socket(f) => hunt(&Sockets(FaultySocket(f)), f.fuzzed_by()),
            AnyFault::Region(f) => hunt(&Regions(FaultyRegion(f)), f.fuzzed_by()),
            AnyFault::Semaphore(f) => hunt(&Synchronizers(FaultySemaphores(f)), f.fuzzed_by()),
            AnyFault::Lock(f) => hunt(&Synchronizers(Twisted(f)), f.fuzzed_by()),
        }
    }
}

/// What caught one fault.
#[derive(Clone, Debug)]
struct Caught {
    /// The catalogue scenarios that fail against it and pass against the OS.
    scenarios: Vec<FailedScenario>,
    /// Its fuzz property, and the cases it ran until the first failure (`None` when it
    /// found nothing within the budget).
    fuzzed: Option<(Property, Option<u32>)>,
}

/// A catalogue scenario a fault fails.
#[derive(Clone, Debug)]
struct FailedScenario {
    id: String,
    mechanism: Mechanism,
    /// The root cause its failed check names.
    cause: String,
}

impl Caught {
    fn by_anything(&self) -> bool {
        !self.scenarios.is_empty() || matches!(self.fuzzed, Some((_, Some(_))))
    }
}

/// The catalogue with steps bounded by [`STEP_BOUND`], and the ids of its scenarios
/// that pass against the OS so: only those can tell a fault from the reference.
fn catalogue() -> &'static (Vec<Scenario>, Vec<String>) {
    static CATALOGUE: OnceLock<(Vec<Scenario>, Vec<String>)> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut scenarios = scenario::catalogue().expect("the built-in catalogue parses");
        for s in scenarios
            .iter_mut()
            .filter(|s| s.step_timeout == Scenario::DEFAULT_STEP_TIMEOUT)
        {
            s.step_timeout = STEP_BOUND;
        }
        let opts = RunOptions::default();
        let passing = scenarios
            .iter()
            .filter(|s| matches!(run_scenario(s, &Os, &opts).verdict, Verdict::Pass))
            .map(|s| s.id.clone())
            .collect();
        (scenarios, passing)
    })
}

fn hunt<I: Implementation>(iut: &I, property: Option<Property>) -> Caught {
    let (scenarios, passing) = catalogue();
    let opts = RunOptions::default();
    let scenarios = scenarios
        .iter()
        .filter(|s| passing.contains(&s.id))
        .filter_map(|s| match run_scenario(s, iut, &opts).verdict {
            Verdict::Fail(f) => Some(FailedScenario {
                id: s.id.clone(),
                mechanism: s.mechanism,
                cause: f.cause.rule,
            }),
            _ => None,
        })
        .collect();
    let fuzzed = property.map(|property| {
        let budget = FuzzOptions {
            cases: FUZZ_BUDGET,
            seed: SEED,
            shrink: false,
            ..FuzzOptions::default()
        };
        let report = fuzz(iut, property, &budget, &opts, &|| {});
        (property, report.finding.map(|f| f.cases_to_find))
    });
    Caught { scenarios, fuzzed }
}

/// What caught `fault`, hunted once per run (the table's trial reuses the faults').
fn caught(fault: AnyFault) -> Caught {
    static CAUGHT: Mutex<BTreeMap<String, Caught>> = Mutex::new(BTreeMap::new());
    let name = fault.name();
    if let Some(known) = CAUGHT
        .lock()
        .expect("no trial panics holding it")
        .get(&name)
    {
        return known.clone();
    }
    let found = fault.hunt();
    CAUGHT
        .lock()
        .expect("no trial panics holding it")
        .insert(name, found.clone());
    found
}

fn is_caught(fault: AnyFault) -> Result<(), Failed> {
    let started = Instant::now();
    let found = caught(fault);
    println!(
        "{}: {} catalogue scenarios, fuzz {:?}, in {:.1} s",
        fault.name(),
        found.scenarios.len(),
        found.fuzzed.map(|(p, cases)| (p.name(), cases)),
        started.elapsed().as_secs_f64()
    );
    if !found.by_anything() {
        return Err(format!("{}: caught by nothing", fault.name()).into());
    }
    match found.fuzzed {
        Some((property, None)) => Err(format!(
            "{}: the {} fuzzer did not find it in {FUZZ_BUDGET} cases",
            fault.name(),
            property.name()
        )
        .into()),
        _ => Ok(()),
    }
}

/// The behaviours whose rule is how many bytes one read returns, each with why. Every
/// other scenario checks the bytes it moves as bytes (`read_exactly`, `read_to_end`),
/// so a pipe whose reads return one byte at a time while more is queued fails these
/// and nothing else.
const READ_SIZE_BEHAVIOURS: &[(&str, &str)] = &[(
    "pipe.read-partial",
    "a pipe read returns the bytes queued, up to the count: the rule one-byte reads break",
)];

/// Against [`Fault::ReadsOneByteAtATime`] the catalogue fails exactly the scenarios
/// that name a behaviour of [`READ_SIZE_BEHAVIOURS`] (among those passing against the
/// OS): a deviation from one rule fails the scenarios of that rule.
fn one_byte_reads_fail_only_read_size_rules() -> Result<(), Failed> {
    let failed = caught(AnyFault::Stream(Fault::ReadsOneByteAtATime)).scenarios;
    let causes = group_causes(failed.iter().map(|f| (f.id.as_str(), f.cause.as_str())));
    let failing: BTreeSet<String> = failed.into_iter().map(|f| f.id).collect();
    let (scenarios, passing) = catalogue();
    let about_read_sizes: BTreeSet<String> = scenarios
        .iter()
        .filter(|s| passing.contains(&s.id))
        .filter(|s| {
            s.behaviours
                .iter()
                .any(|b| READ_SIZE_BEHAVIOURS.iter().any(|(slug, _)| slug == b))
        })
        .map(|s| s.id.clone())
        .collect();
    for (slug, why) in READ_SIZE_BEHAVIOURS {
        println!("read-size behaviour `{slug}`: {why}");
    }
    print!("one-byte reads: {}", render_causes(&causes));
    if causes.len() != 1 {
        return Err(format!(
            "one-byte reads fail from {} root causes, not one",
            causes.len()
        )
        .into());
    }
    let other_rules: Vec<&String> = failing.difference(&about_read_sizes).collect();
    let not_caught: Vec<&String> = about_read_sizes.difference(&failing).collect();
    match (other_rules.is_empty(), not_caught.is_empty()) {
        (true, true) => Ok(()),
        _ => Err(format!(
            "one-byte reads fail scenarios whose rule is not about read sizes: {other_rules:?}; \
             and pass scenarios whose rule is: {not_caught:?}"
        )
        .into()),
    }
}

/// A FIFO reader that opens O_RDWR fails where its users meet it, at the end of file that
/// never comes, in the scenarios whose ends open together (so neither a waiting open nor
/// O_NONBLOCK catches it first).
fn an_rdwr_reader_fails_at_end_of_file() -> Result<(), Failed> {
    let iut = Streams(Faulty(Fault::ReaderOpensReadWrite));
    let (scenarios, _) = catalogue();
    let id = "fifo::eof_after_writer_closes_ends_opened_together";
    let s = scenarios
        .iter()
        .find(|s| s.id == id)
        .expect("in the catalogue");
    match run_scenario(s, &iut, &RunOptions::default()).verdict {
        Verdict::Fail(f) if f.expected.contains("end of file") => {
            println!("{id}: {f}; cause: {}", f.cause);
            Ok(())
        }
        other => Err(format!("{id}: {other:?}").into()),
    }
}

/// One row of the table.
fn row(fault: AnyFault, found: &Caught) -> String {
    let mut per_mechanism: BTreeMap<&str, usize> = BTreeMap::new();
    for failed in &found.scenarios {
        *per_mechanism.entry(failed.mechanism.name()).or_default() += 1;
    }
    let per_mechanism: Vec<String> = per_mechanism
        .iter()
        .map(|(m, n)| format!("{m} {n}"))
        .collect();
    let named: Vec<String> = found
        .scenarios
        .iter()
        .take(NAMED_SCENARIOS)
        .map(|failed| format!("`{}`", failed.id))
        .collect();
    let more = found.scenarios.len().saturating_sub(NAMED_SCENARIOS);
    let catalogue = match (found.scenarios.len(), more) {
        (0, _) => "none".to_owned(),
        (n, 0) => format!("{n} ({}): {}", per_mechanism.join(", "), named.join(", ")),
        (n, more) => format!(
            "{n} ({}): {} (+{more})",
            per_mechanism.join(", "),
            named.join(", ")
        ),
    };
    let fuzzed = match found.fuzzed {
        None => "none".to_owned(),
        Some((property, Some(cases))) => format!("`{}` ({cases})", property.name()),
        Some((property, None)) => format!("`{}`: not found", property.name()),
    };
    format!(
        "| `{}` | {} | {catalogue} | {fuzzed} |",
        fault.name(),
        fault.bug().replace('|', "\\|")
    )
}

/// The whole of docs/faults.md.
fn render(rows: &[(AnyFault, Caught)]) -> String {
    let total = rows.len();
    let caught = rows.iter().filter(|(_, c)| c.by_anything()).count();
    let mut text = String::new();
    let _ = writeln!(text, "# Faulty implementations, and what catches them\n");
    let _ = writeln!(
        text,
        "Generated by `suite/faults.rs` on {}; regenerate with `{WRITE_DOCS}=1 cargo test --test faults`. The test fails while the table differs from what it finds, except in what a run measures (the counts, the scenarios named, the cases to find), which kernel timing and racing writers move a little from run to run.\n",
        std::env::consts::OS
    );
    let _ = writeln!(
        text,
        "Each fault (fixtures/faulty*.rs) is the operating system's implementation with one bug injected. A catalogue scenario catches it when the scenario fails against the fault and passes against the operating system, each step bounded by {} ms (a fault that hangs costs that much per scenario); the table counts them, per mechanism, and names the first {NAMED_SCENARIOS}. A fuzz property catches it when its fuzzer, from seed {SEED}, finds a failing case within {FUZZ_BUDGET} generated cases; the number is the cases it ran until the first failure. Legal variants, which must pass everything, are in fixtures/legal_*.rs and suite/legal.rs.\n",
        STEP_BOUND.as_millis()
    );
    let _ = writeln!(text, "**{caught} of {total} faults caught.**\n");
    let _ = writeln!(
        text,
        "| fault | the bug | catalogue scenarios that catch it (per mechanism) | fuzz property (cases to find) |"
    );
    let _ = writeln!(text, "|---|---|---|---|");
    for (fault, found) in rows {
        let _ = writeln!(text, "{}", row(*fault, found));
    }
    text
}

/// `text` without what a run measures: how many scenarios caught a fault and which,
/// and the cases its fuzzer took. Racing writers and kernel timing move those from run
/// to run, while what the table must keep true does not: which faults there are, what
/// each is, that the catalogue catches it or not, and which property finds it.
fn unmeasured(text: &str) -> String {
    let row = |line: &str| -> String {
        let cells: Vec<&str> = line.split(" | ").collect();
        let [fault, bug, catalogue, fuzzed] = cells[..] else {
            return line.to_owned();
        };
        let catalogue = if catalogue == "none" {
            "none"
        } else {
            "caught"
        };
        let property = fuzzed.split(" (").next().unwrap_or(fuzzed);
        format!("{fault} | {bug} | {catalogue} | {property}")
    };
    text.lines()
        .map(|line| match line.starts_with("| `") {
            true => row(line),
            false => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn the_table_is_up_to_date() -> Result<(), Failed> {
    let rows: Vec<(AnyFault, Caught)> = AnyFault::all()
        .into_iter()
        .map(|f| (f, caught(f)))
        .collect();
    let text = render(&rows);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
    if std::env::var_os(WRITE_DOCS).is_some() {
        std::fs::write(&path, &text).map_err(|e| format!("cannot write {DOC}: {e}"))?;
        return Ok(());
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    match unmeasured(&written) == unmeasured(&text) {
        true => Ok(()),
        false => Err(format!(
            "{DOC} is not what this run found; rewrite it with {WRITE_DOCS}=1. This run:\n{text}"
        )
        .into()),
    }
}

fn main() {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread.
    args.test_threads = Some(1);
    let mut trials: Vec<Trial> = AnyFault::all()
        .into_iter()
        .map(|fault| {
            Trial::test(format!("faults::{}", fault.name()), move || {
                is_caught(fault)
            })
        })
        .collect();
    trials.push(Trial::test(
        "faults::an_rdwr_reader_fails_at_end_of_file",
        an_rdwr_reader_fails_at_end_of_file,
    ));
    trials.push(Trial::test(
        "faults::one_byte_reads_fail_only_read_size_rules",
        one_byte_reads_fail_only_read_size_rules,
    ));
    // The table records what this platform's kernel does; it is written on Linux.
    trials.push(
        Trial::test(
            "faults::docs_faults_md_is_up_to_date",
            the_table_is_up_to_date,
        )
        .with_ignored_flag(!cfg!(target_os = "linux")),
    );
    libtest_mimic::run(&args, trials).exit()
}
