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
//! use ipc_conformance::driver::{run_scenario, RunOptions};
//! use ipc_conformance::mechanism::os::Os;
//! use ipc_conformance::report::{render_timeline, Verdict};
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
//! into a test named `mechanism::file_stem`. The file format is described in `docs/scenario-format.md`;
//! scenarios can also be built in Rust with [`scenario::ScenarioBuilder`].
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
//! - A System V segment is removed after each scenario, but one whose run was killed
//!   mid-scenario outlives it: IPC_PRIVATE segments carry no name to sweep them by.

#[cfg(not(loom))]
pub mod adapters;
#[cfg(not(loom))]
pub mod driver;
#[cfg(not(loom))]
pub mod fuzz;
#[cfg(not(loom))]
pub mod harness;
#[cfg(not(loom))]
pub mod mechanism;
#[cfg(not(loom))]
pub mod model;
#[cfg(not(loom))]
pub mod report;
#[cfg(not(loom))]
pub mod scenario;

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
