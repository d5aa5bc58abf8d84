//! The leak check, made by the driver from the kernel's side. Set-up reads the driver's
//! own descriptor table before and after the object under test is made, and each
//! actor's once it is ready; the finish reads each actor's again while it waits for its
//! last command, and asks it what it holds. A descriptor still open at the end is the
//! scenario's when it refers to the object under test, or when the actor did not hold
//! it at its start (that number, that object): what the actor inherited from the driver
//! (stdio, its control socket, the event log) is not. Of those, a leak is one its
//! handles do not hold, matched descriptor by descriptor when the implementation exposes
//! its descriptors (an event loop's own excepted); when it hides them, the descriptors
//! of IPC objects (pipe, FIFO, socket, shared memory, file) are counted against the
//! handles the actor holds, so such an implementation gets a leak verdict too.
//!
//! Where the kernel's table cannot be read, the actor's own listing of its descriptors
//! (`/dev/fd`) is all there is, and only when its handles expose theirs; each process's
//! [`LeakCheck`] says which check was made.

use std::fmt;
use std::os::fd::RawFd;

use nix::unistd::Pid;

use super::fd_table::{Descriptor, FdTable, ObjectId, ObjectKind, SOURCE};
use crate::scenario::ProcessName;

/// How one process's descriptors were checked for leaks at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakCheck {
    /// The process.
    pub process: ProcessName,
    /// How the check was made, or why it was not.
    pub evidence: LeakEvidence,
}

/// What a leak check could see, from the strongest to none.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeakEvidence {
    /// The driver read the process's descriptor table from the kernel at its start and
    /// its end, and matched every descriptor of the scenario's IPC objects against those
    /// its handles expose.
    KernelTable,
    /// The driver read the table from the kernel, but the implementation's handles
    /// expose no descriptor: those of the scenario's IPC objects were counted against
    /// the handles the process holds.
    KernelTableCounted {
        /// How many handles (ends, sockets, objects, mappings) the process held.
        handles: u32,
    },
    /// The kernel's table could not be read: the process listed its own descriptors
    /// against those its handles expose.
    OwnListing {
        /// Why the kernel's table could not be read.
        why: String,
    },
    /// No leak check was made.
    Unchecked {
        /// Why not.
        why: String,
    },
}

impl LeakEvidence {
    /// Its kind in the machine-readable records: `kernel_table`, `kernel_table_counted`,
    /// `own_listing` or `unchecked`, from the strongest to none.
    pub fn kind(&self) -> &'static str {
        match self {
            LeakEvidence::KernelTable => "kernel_table",
            LeakEvidence::KernelTableCounted { .. } => "kernel_table_counted",
            LeakEvidence::OwnListing { .. } => "own_listing",
            LeakEvidence::Unchecked { .. } => "unchecked",
        }
    }
}

impl fmt::Display for LeakEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeakEvidence::KernelTable => write!(
                f,
                "kernel: the descriptor table ({SOURCE}) matched against the descriptors \
                 the handles expose"
            ),
            LeakEvidence::KernelTableCounted { handles } => write!(
                f,
                "kernel: the descriptor table ({SOURCE}) counted against the {handles} \
                 handle(s) held (the handles expose no descriptor)"
            ),
            LeakEvidence::OwnListing { why } => write!(
                f,
                "weaker: only the descriptors the handles expose, listed by the process \
                 itself ({why})"
            ),
            LeakEvidence::Unchecked { why } => write!(f, "none: {why}"),
        }
    }
}

/// What an actor answers when told to finish: what it holds, for the leak check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    /// How many handles it holds: ends, sockets, objects, mappings.
    pub handles: u32,
    /// The descriptors behind them, when the implementation exposes them.
    pub fds: Option<Vec<RawFd>>,
    /// The descriptors it found open beyond stdio, its control socket, `fds` and an
    /// event loop's own, listing its own (`/dev/fd`); or why it could not.
    pub listed: Result<Vec<String>, String>,
}

/// What the leak check knows from before the actors acted.
pub(super) struct Baseline {
    /// The identities of what making the object opened in the driver, found from its
    /// own tables before and after; or why they could not be read.
    object: Result<Vec<ObjectId>, String>,
    /// Each actor's table once it was ready, in the scenario's order.
    start: Vec<Result<FdTable, String>>,
}

impl Baseline {
    /// From the driver's own tables before and after it made the object.
    pub(super) fn new(before: Result<FdTable, String>, after: Result<FdTable, String>) -> Baseline {
        let object =
            before.and_then(|before| Ok(after?.ids().filter(|&id| !before.holds(id)).collect()));
        Baseline {
            object,
            start: Vec::new(),
        }
    }

    /// Read each actor's table, now that all are ready and wait for a command.
    pub(super) fn started(&mut self, actors: impl Iterator<Item = Pid>) {
        self.start = actors.map(FdTable::read).collect();
    }

    /// The check of actor `index`, whose table at the end is `end`: the leaks found (a
    /// descriptor and what it refers to, each), and how they were looked for.
    pub(super) fn check(
        &self,
        index: usize,
        end: Result<FdTable, String>,
        holding: &Holding,
    ) -> (Vec<String>, LeakEvidence) {
        let tables = match (&self.object, self.start.get(index), end) {
            (Ok(object), Some(Ok(start)), Ok(end)) => Ok((object, start, end)),
            (Err(why), _, _) | (_, Some(Err(why)), _) => Err(why.clone()),
            (_, None, _) => Err("its table was not read at its start".to_owned()),
            (_, _, Err(why)) => Err(why),
        };
        let (object, start, end) = match tables {
            Ok(tables) => tables,
            Err(why) => return own_listing(why, holding),
        };
        let of_scenario = end
            .descriptors()
            .iter()
            .filter(|d| object.contains(&d.id) || !start.holds_as(d));
        match &holding.fds {
            Some(held) => (
                of_scenario
                    .filter(|d| !held.contains(&d.fd) && d.kind != ObjectKind::EventLoop)
                    .map(named)
                    .collect(),
                LeakEvidence::KernelTable,
            ),
            None => {
                let of_scenario: Vec<&Descriptor> =
                    of_scenario.filter(|d| d.kind.is_ipc()).collect();
                let handles = holding.handles;
                let leaks = (of_scenario.len() > handles as usize).then(|| {
                    let named: Vec<String> = of_scenario.iter().copied().map(named).collect();
                    format!(
                        "{} ({} descriptor(s) of the scenario's IPC objects in the kernel's \
                         table, for {handles} handle(s) it holds)",
                        named.join(", "),
                        of_scenario.len()
                    )
                });
                (
                    leaks.into_iter().collect(),
                    LeakEvidence::KernelTableCounted { handles },
                )
            }
        }
    }
}

/// The check without the kernel's table: the process's own listing, when its handles
/// expose their descriptors.
fn own_listing(why: String, holding: &Holding) -> (Vec<String>, LeakEvidence) {
    match &holding.listed {
        Ok(listed) => (listed.clone(), LeakEvidence::OwnListing { why }),
        Err(not) => (
            Vec::new(),
            LeakEvidence::Unchecked {
                why: format!("{why}; {not}"),
            },
        ),
    }
}

/// A descriptor as a finding names it.
fn named(d: &Descriptor) -> String {
    format!("fd {} -> {}", d.fd, d.target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(fd: RawFd, kind: ObjectKind, ino: u64, target: &str) -> Descriptor {
        Descriptor {
            fd,
            kind,
            id: ObjectId(1, ino),
            target: target.to_owned(),
        }
    }

    fn stdio_and_control() -> Vec<Descriptor> {
        vec![
            d(0, ObjectKind::Other, 5, "/dev/null"),
            d(1, ObjectKind::Other, 5, "/dev/null"),
            d(2, ObjectKind::Other, 5, "/dev/null"),
            d(3, ObjectKind::Socket, 7, "socket:[7]"),
        ]
    }

    /// The driver made a pipe (inode 40); the actor kept its read end as fd 4.
    fn baseline() -> Baseline {
        let driver = vec![d(8, ObjectKind::Socket, 6, "socket:[6]")];
        let mut after = driver.clone();
        after.push(d(9, ObjectKind::Pipe, 40, "pipe:[40]"));
        after.push(d(10, ObjectKind::Pipe, 40, "pipe:[40]"));
        let mut baseline = Baseline::new(Ok(FdTable::new(driver)), Ok(FdTable::new(after)));
        let mut start = stdio_and_control();
        start.push(d(4, ObjectKind::Pipe, 40, "pipe:[40]"));
        baseline.start = vec![Ok(FdTable::new(start))];
        baseline
    }

    fn holding(handles: u32, fds: Option<Vec<RawFd>>) -> Holding {
        Holding {
            handles,
            fds,
            listed: Err("unused".to_owned()),
        }
    }

    fn end(extra: Vec<Descriptor>) -> Result<FdTable, String> {
        let mut table = stdio_and_control();
        table.extend(extra);
        Ok(FdTable::new(table))
    }

    #[test]
    fn an_inherited_end_kept_after_its_close_is_a_leak_when_hidden() {
        let table = end(vec![d(4, ObjectKind::Pipe, 40, "pipe:[40]")]);
        let (leaks, evidence) = baseline().check(0, table, &holding(0, None));
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert!(
            leaks[0].starts_with("fd 4 -> pipe:[40] (1 descriptor(s)"),
            "{leaks:?}"
        );
        assert_eq!(evidence, LeakEvidence::KernelTableCounted { handles: 0 });
    }

    #[test]
    fn descriptors_up_to_the_handles_held_are_no_leak_when_hidden() {
        let table = end(vec![
            d(4, ObjectKind::Pipe, 40, "pipe:[40]"),
            d(6, ObjectKind::Socket, 41, "socket:[41]"),
            d(7, ObjectKind::EventLoop, 2, "anon_inode:[eventfd]"),
            d(8, ObjectKind::Other, 5, "/dev/null"),
        ]);
        let (leaks, _) = baseline().check(0, table, &holding(2, None));
        assert!(leaks.is_empty(), "{leaks:?}");
    }

    #[test]
    fn what_the_actor_inherited_from_the_driver_is_never_counted() {
        let (leaks, _) = baseline().check(0, end(Vec::new()), &holding(0, None));
        assert!(leaks.is_empty(), "{leaks:?}");
    }

    #[test]
    fn exposed_descriptors_are_matched_one_by_one() {
        let table = end(vec![
            d(4, ObjectKind::Pipe, 40, "pipe:[40]"),
            d(5, ObjectKind::Pipe, 40, "pipe:[40]"),
            d(6, ObjectKind::Other, 5, "/dev/null"),
            d(7, ObjectKind::EventLoop, 2, "anon_inode:[eventpoll]"),
        ]);
        let (leaks, evidence) = baseline().check(0, table, &holding(1, Some(vec![4])));
        assert_eq!(leaks, ["fd 5 -> pipe:[40]", "fd 6 -> /dev/null"]);
        assert_eq!(evidence, LeakEvidence::KernelTable);
    }

    #[test]
    fn without_the_kernel_table_the_own_listing_is_weaker_evidence() {
        let listed = Holding {
            handles: 1,
            fds: Some(vec![4]),
            listed: Ok(vec!["fd 5 -> pipe:[40]".to_owned()]),
        };
        let (leaks, evidence) = baseline().check(0, Err("no /proc".to_owned()), &listed);
        assert_eq!(leaks, ["fd 5 -> pipe:[40]"]);
        assert!(matches!(evidence, LeakEvidence::OwnListing { .. }));
        let hidden = holding(1, None);
        let (leaks, evidence) = baseline().check(0, Err("no /proc".to_owned()), &hidden);
        assert!(leaks.is_empty());
        assert_eq!(
            evidence,
            LeakEvidence::Unchecked {
                why: "no /proc; unused".to_owned()
            }
        );
    }
}
