//! Does an interprocess-communication implementation behave as POSIX says?
//!
//! `ipc-conformance` states the rules of pipes, FIFOs, sockets, shared and mapped memory
//! as **scenarios**: which processes take part, what each one does step by step, and
//! what each call must do: return a count or bytes, fail with an errno, reach end of
//! file, be killed by a signal, or **block** until a later step releases it. The
//! [`driver`] runs a scenario as real forked processes against an **implementation under
//! test**: the operating system ([`mechanism::os::Os`]) or any type that implements
//! [`mechanism::ByteStream`], [`mechanism::Socket`] or [`mechanism::SharedRegion`]; the
//! [`mechanism`] module shows how to write such an adapter for your crate, and
//! [`adapters`] holds the ones for real crates.
//!
//! # Running scenarios
//!
//! ```no_run
//! use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
//! use ipc_conformance::mechanism::os::Os;
//! use ipc_conformance::report::render_timeline;
//! use ipc_conformance::scenario;
//!
//! let s = scenario::load_file("scenarios/pipe/read_empty_blocks.toml".as_ref())?;
//! let report = run_scenario(&s, &Os, &RunOptions::default());
//! if let Verdict::Fail(_) = report.verdict {
//!     eprintln!("{}", render_timeline(&report));
//! }
//! # Ok::<(), ipc_conformance::scenario::LoadError>(())
//! ```
//!
//! Under `cargo test`, [`harness::main`] turns every scenario of the built-in catalogue
//! into a test named `mechanism::file_stem` (see [Testing your crate](#testing-your-crate)).
//!
//! # Scenarios
//!
//! A scenario is a TOML file (the complete guide to the format, every key with an
//! example, is `docs/scenario-format.md`). [`scenario::parse`] reads one from text and
//! checks it before anything runs; a malformed file is a [`scenario::LoadError`] that
//! names `file:line:column`, never a failed check:
//!
//! ```
//! use std::path::Path;
//! use ipc_conformance::scenario::{self, Mechanism};
//!
//! let text = r#"
//! format_version = 1
//! summary = "a read on an empty pipe blocks until a writer writes"
//! reference = "POSIX XSH read(): an empty pipe with a writer suspends the reader"
//! mechanism = "pipe"
//!
//! [processes]
//! reader = { keeps = ["read"] }
//! writer = { keeps = ["write"] }
//!
//! [[step]]
//! reader = { read = 5 }
//! expect = "blocks"
//!
//! [[step]]
//! writer = { write = "hello" }
//! expect = { returns = 5 }
//!
//! [[step]]
//! reader = "completes"
//! expect = { data = "hello" }
//! "#;
//! let s = scenario::parse(Path::new("scenarios/pipe/read_blocks.toml"), text)?;
//! assert_eq!(s.id, "pipe::read_blocks");
//! assert_eq!(s.mechanism, Mechanism::Pipe);
//! assert_eq!(s.steps.len(), 3);
//!
//! // A mistake is reported at the bad value, before anything runs.
//! let bad = text.replace("read = 5", "read = -5");
//! let err = scenario::parse(Path::new("read_blocks.toml"), &bad).unwrap_err();
//! assert!(err.to_string().starts_with("read_blocks.toml:12:"), "{err}");
//! # Ok::<(), ipc_conformance::scenario::LoadError>(())
//! ```
//!
//! The built-in catalogue is embedded in the crate ([`scenario::CATALOGUE`]), so a
//! user's crate needs no checkout of `scenarios/`:
//!
//! ```
//! let catalogue = ipc_conformance::scenario::catalogue()?;
//! assert!(catalogue.iter().any(|s| s.id == "pipe::read_empty_blocks"));
//! # Ok::<(), ipc_conformance::scenario::LoadError>(())
//! ```
//!
//! Scenarios can also be built in Rust with [`scenario::ScenarioBuilder`].
//!
//! # Testing your crate
//!
//! Add the crate under `[dev-dependencies]` as
//! `ipc-conformance = { version = "0.1", default-features = false }`: the default
//! feature, `cli`, builds the `ipc-conformance` command line, which tests do not need.
//! Write an adapter: the trait of your mechanism's family ([`mechanism::ByteStream`],
//! [`mechanism::Socket`], [`mechanism::SharedRegion`]) over your crate's types, and its
//! [`mechanism::Describe`]: its name and mechanisms, the [`mechanism::Capability`]s it
//! has and the [`mechanism::Deviation`]s it chooses. Then
//! a test target with `harness = false`:
//!
//! ```no_run
//! # use ipc_conformance::mechanism::os::Os as MyPipe;
//! // tests/conformance.rs; Cargo.toml: [[test]] name = "conformance", harness = false
//! fn main() {
//!     ipc_conformance::harness::main(MyPipe);
//! }
//! ```
//!
//! What a scenario needs is known before it runs: one that needs a capability the
//! adapter does not declare is skipped with that reason, and never run:
//!
//! ```
//! use ipc_conformance::mechanism::{missing_capability, required_capabilities, Capability};
//!
//! let catalogue = ipc_conformance::scenario::catalogue()?;
//! let s = catalogue.iter().find(|s| s.id == "pipe::read_empty_blocks").unwrap();
//! // The basic blocking read needs nothing beyond making a pipe and moving bytes.
//! assert_eq!(missing_capability("mypipe", &[], &required_capabilities(s)), None);
//!
//! let nonblocking = catalogue.iter().find(|s| s.id == "pipe::read_empty_nonblock_eagain").unwrap();
//! assert!(required_capabilities(nonblocking).contains(&Capability::NonBlocking));
//! # Ok::<(), ipc_conformance::scenario::LoadError>(())
//! ```
//!
//! The guide, with a complete example, is `docs/writing-an-adapter.md`; the
//! [`mechanism`] module's documentation has the same example; the GitHub Actions
//! template for a user's crate (nextest, partitions, JUnit) is
//! `ci/user-crate-workflow.yml`. How the pieces fit, for contributors: `ARCHITECTURE.md`.
//!
//! # How blocking is decided
//!
//! An actor writes a start marker to a shared-memory event log right before its call.
//! On Linux the driver then reads `/proc/PID/task/TID/stat` and `.../syscall`: the call
//! blocks when the thread is asleep (S or D) inside the expected system call on the
//! expected descriptor, on two consecutive looks. `wchan` is shown in the timeline but is
//! never the oracle. Each verdict records its [`driver::Evidence`].
//!
//! # Limitations
//!
//! - The oracle watches one thread per actor. An implementation that waits in a
//!   readiness call (an async runtime's epoll) or in a helper thread is judged from the
//!   calling thread's state only, and the evidence says so ("the call not visible, or a
//!   readiness wait").
//! - On macOS the kernel does not say which call a thread sleeps in: evidence there is
//!   state only. The macOS code compiles on Linux but runs in the macOS CI job only.
//! - Without any view of thread state (another platform), "blocks" falls back to "has
//!   not returned after 100 ms", and the verdict says so.
//! - A call expected not to block is judged blocked only after the kernel shows it
//!   asleep for 200 ms in a row; shorter sleeps (a writer waiting for a concurrent
//!   reader) are allowed.
//! - A blocked call is checked to be still blocked when the next step begins, not at
//!   every later step.
//! - A System V segment is removed after each scenario. One whose run was killed
//!   mid-scenario (SIGKILL) is removed by the next run's sweep on Linux, where a marker
//!   file names the run that made it; on macOS it outlives the run (IPC_PRIVATE segments
//!   carry no name the next run could recognise as ours).
//! - The platform check ([`platform::PlatformCheck`], the trial `platform::profile`)
//!   sees what its probes can: whether a pipe grows is read from `st_blksize` before and
//!   after filling it (XNU reports the buffer's size there), and its probes that fork are
//!   "not compared" in a process known to have several threads.
//! - The leak check reads each actor's descriptor table from the kernel, but can only
//!   count where an implementation hides its descriptors: the descriptors of the
//!   scenario's IPC objects (pipes, FIFOs, sockets, shared memory, files) against one per
//!   handle held. A handle that holds two, or a runtime that makes a pipe of its own after
//!   the actor starts, would then be counted as a leak; a leak by a process that also
//!   holds a handle with no descriptor goes unseen. Where the table cannot be read, only
//!   exposed descriptors are checked, by the process itself; each process's
//!   [`driver::LeakCheck`] says which check was made.

// The fixtures the faulty adapters include name this crate as their users do.
#[cfg(feature = "faulty")]
extern crate self as ipc_conformance;

// The layers, from the ground floor up: each imports only layers listed before it (the
// table of allowed imports is in ARCHITECTURE.md; suite/architecture.rs holds the code to
// it).

// Ground floor: the platform, scenarios, and the judge of outcomes.
#[cfg(not(loom))]
pub mod platform;

#[cfg(not(loom))]
pub mod scenario;

#[cfg(not(loom))]
mod judge;

// The implementation under test, and the two that use it or stand beside it: the driver
// runs scenarios, the models say what they must do; neither imports the other.
#[cfg(not(loom))]
pub mod mechanism;

#[cfg(not(loom))]
pub mod driver;
#[cfg(not(loom))]
pub mod model;

// What is built on them: fuzzers, reports, the cargo test harness, adapters of real crates.
#[cfg(not(loom))]
pub mod fuzz;

#[cfg(not(loom))]
pub mod report;

// What the catalogue covers, read from the scenarios and the models.
#[cfg(not(loom))]
pub mod coverage;

#[cfg(not(loom))]
pub mod harness;

#[cfg(not(loom))]
pub mod adapters;

// The guides' Rust examples are doctests too, so they keep compiling.
#[cfg(doctest)]
#[doc = include_str!("../docs/writing-an-adapter.md")]
mod writing_an_adapter {}

// Under `--cfg loom` only the event log's protocol is built, and its model tests run:
// `RUSTFLAGS="--cfg loom" cargo test --lib loom` (as .ci/run does).
#[cfg(loom)]
#[path = "driver/event_log.rs"]
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "only the model tests use it under loom")
)]
mod event_log;
#[cfg(loom)]
#[path = "driver/sync.rs"]
mod sync;
