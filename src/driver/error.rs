//! The driver's errors, one type per kind (DESIGN rule 8), none convertible into
//! another: the harness could not run ([`HarnessError`], never counted as
//! non-conformance); the implementation failed a call the driver made for it before the
//! fork ([`FailedBeforeFork`], a verdict on it); the scenario does not apply here
//! ([`SkipReason`], a skip). A malformed scenario is a `scenario::LoadError` and is
//! rejected before the driver sees it; a failed check is a `Verdict::Fail`. `verdict.rs`
//! turns each of these errors into the verdict it makes; this module needs nothing of
//! the driver's.

use std::error::Error;
use std::ffi::NulError;
use std::io;
use std::time::Duration;

use crate::scenario::{Errno, Mechanism, ProcessName};

/// The harness could not run a scenario: the machine, the permissions or the driver
/// itself, never the implementation under test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The process that would fork has other threads (DESIGN rule 7).
    #[error(
        "the driver must fork from a single-threaded process, but this one has {threads} \
         threads (the harness runs scenarios in a fork server started before any thread; an \
         implementation that starts threads in the driver breaks that)"
    )]
    Threads {
        /// How many it has.
        threads: usize,
    },
    /// `fork()` failed.
    #[error("fork failed")]
    Fork(#[source] nix::Error),
    /// The run's private directory could not be made.
    #[error("cannot make the private directory")]
    PrivateDir(#[source] io::Error),
    /// The event log could not be mapped.
    #[error("cannot map the event log")]
    EventLog(#[source] nix::Error),
    /// The page of shared memory for a process-shared object could not be made.
    #[error("cannot map shared memory for a process-shared object: {0}")]
    SharedPage(Errno),
    /// /dev/null, for the actors' standard streams, could not be opened.
    #[error("cannot open /dev/null")]
    DevNull(#[source] io::Error),
    /// A control socketpair could not be made.
    #[error("cannot make a control socketpair")]
    ControlPair(#[source] io::Error),
    /// An unpredictable name could not be drawn.
    #[error("cannot read /dev/urandom")]
    Random(#[source] io::Error),
    /// The running program, to start actors by exec, could not be found.
    #[error("cannot find the running program to exec")]
    CurrentExe(#[source] io::Error),
    /// The running program's path or an argument cannot be passed to `execve`.
    #[error("cannot pass the running program to exec")]
    ProgramArgument(#[source] NulError),
    /// The implementation starts its actors by exec, and the family's object has no
    /// name to reach it by.
    #[error("this object can only be inherited, not reached by an exec'd actor")]
    NotReachableByName,
    /// The parent's listener names an address the run cannot give it.
    #[error("the parent's listener has no address: {0}")]
    NoListenerAddress(String),
    /// An actor did not report itself ready.
    #[error("process {process} did not start: {reply}")]
    DidNotStart {
        /// The process.
        process: ProcessName,
        /// What came instead of its "ready".
        reply: String,
    },
    /// The driver could not send an actor a command.
    #[error("cannot reach process {process}")]
    Unreachable {
        /// The process.
        process: ProcessName,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The OS's `mkfifo()`, for an implementation that only opens FIFOs, failed.
    #[error("the OS's mkfifo() failed with {0}")]
    OsMkfifo(Errno),
    /// A family was handed a scenario of a mechanism it does not run.
    #[error("{mechanism} is no {family}")]
    WrongFamily {
        /// The scenario's mechanism.
        mechanism: Mechanism,
        /// What the family runs.
        family: &'static str,
    },
    /// iproute2's `ip`, for hosts, could not be run.
    #[error("cannot run `ip`")]
    NoIp(#[source] io::Error),
    /// An `ip` command, for hosts, failed.
    #[error("`ip {command}` failed: {stderr}")]
    Ip {
        /// Its arguments.
        command: String,
        /// What it said.
        stderr: String,
    },
    /// A host's network namespace could not be opened.
    #[error("cannot open namespace {netns}")]
    Namespace {
        /// Its name.
        netns: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The link between hosts did not come up in time.
    #[error("the link of host {host} did not come up within {limit:?}: {state}")]
    LinkDown {
        /// The host whose end is down.
        host: String,
        /// How long it was given.
        limit: Duration,
        /// What `ip link show` said last.
        state: String,
    },
    /// The fork server's socket could not be made.
    #[error("cannot make the server's socket")]
    ServerSocket(#[source] io::Error),
}

impl HarnessError {
    /// The error with its causes, on one line: what a report shows.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut cause = self.source();
        while let Some(e) = cause {
            text.push_str(&format!(": {e}"));
            cause = e.source();
        }
        text
    }
}

/// The implementation failed a call the driver makes for it before the fork (making
/// the pipe, the segment, the socketpair): a verdict on the implementation.
#[derive(Debug, thiserror::Error)]
#[error("{implementation}: {call}() failed with {errno}")]
pub(crate) struct FailedBeforeFork {
    /// The implementation's name.
    pub(crate) implementation: String,
    /// The call.
    pub(crate) call: &'static str,
    /// How it failed.
    pub(crate) errno: Errno,
}

/// Why a run could not start: the implementation's failure or the harness's, kept
/// apart.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SetupError {
    /// The implementation failed before the fork.
    #[error(transparent)]
    Implementation(#[from] FailedBeforeFork),
    /// The harness could not set up.
    #[error(transparent)]
    Harness(#[from] HarnessError),
}

/// Why a scenario does not apply to this implementation or platform: a skip, neither a
/// failure nor an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SkipReason(pub(crate) String);
