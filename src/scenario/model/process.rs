//! The actors of a scenario: names and positions, how each relates to the object made
//! before the fork, the ends it keeps and its signal dispositions.

use std::fmt;

use super::Handle;
#[cfg(doc)]
use super::Scenario;
use crate::scenario::errno::SignalName;

/// The name of a process (actor) as the scenario spells it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessName(pub String);

impl fmt::Display for ProcessName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The position of a process in [`Scenario::processes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessIndex(pub usize);

/// The position of a step in [`Scenario::steps`], counted from zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepIndex(pub usize);

impl fmt::Display for StepIndex {
    /// Steps are shown counted from one, as a reader of the file counts them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0 + 1)
    }
}

/// How a process relates to the IPC object made before the fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Relation {
    /// Inherits the object's descriptors across `fork()` and keeps those it names.
    #[default]
    Related,
    /// Inherits nothing of the object; reaches it only by name (a FIFO's path).
    Unrelated,
}

/// A descriptor a process holds, named by its role: an end of a byte stream, or the
/// object descriptor of a shared region's named object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum End {
    /// The end that `read()` is called on.
    Read,
    /// The end that `write()` is called on.
    Write,
    /// The descriptor of the scenario's named object (a POSIX shared memory object or a
    /// file to map).
    Object,
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            End::Read => "read end",
            End::Write => "write end",
            End::Object => "object descriptor",
        })
    }
}

/// What a process does with SIGPIPE.
///
/// Rust's runtime ignores SIGPIPE before `main`, and a forked child inherits that, so
/// the driver always sets the disposition explicitly from the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SigPipe {
    /// The C default: a write with no reader kills the process.
    #[default]
    Default,
    /// `SIG_IGN`: the write fails with EPIPE instead.
    Ignore,
}

/// One actor of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// Its name, unique in the scenario.
    pub name: ProcessName,
    /// Whether it inherits the object made before the fork.
    pub relation: Relation,
    /// The ends of the pipe it keeps after the fork (pipes only); every other end is
    /// closed.
    pub keeps: Vec<End>,
    /// The host it runs on, for scenarios whose processes are on different computers
    /// (tcp and udp): the driver gives each host a network namespace of its own, joined
    /// to the other by a link. `None`: the machine the driver runs on.
    pub host: Option<String>,
    /// The ends of the socketpair it keeps after the fork (socketpair only, named as in
    /// [`Handle::PAIR`]); the other is closed.
    pub keeps_pair: Vec<Handle>,
    /// Its SIGPIPE disposition.
    pub sigpipe: SigPipe,
    /// Signals it catches with a handler that does nothing, installed without
    /// SA_RESTART: a blocked call such a signal interrupts fails with EINTR.
    pub handles: Vec<SignalName>,
    /// What its standard input is.
    pub stdin: Stdin,
}

impl Process {
    /// A process named `name` as most scenarios have them: it keeps nothing of the
    /// object, runs on the driver's machine, takes SIGPIPE's default action, catches no
    /// signal, and has its standard input on /dev/null.
    pub fn plain(name: &str, relation: Relation) -> Process {
        Process {
            name: ProcessName(name.to_owned()),
            relation,
            keeps: Vec::new(),
            host: None,
            keeps_pair: Vec::new(),
            sigpipe: SigPipe::Default,
            handles: Vec::new(),
            stdin: Stdin::DevNull,
        }
    }
}

/// A process's standard input (descriptor 0), as it starts acting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stdin {
    /// Open on /dev/null, as its standard output and error are.
    #[default]
    DevNull,
    /// Closed, as in a daemon or a program started with `0<&-`: the first descriptor
    /// the process opens is 0.
    Closed,
}
