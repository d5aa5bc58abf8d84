//! What the pipe model keeps: the open file descriptions, which process holds which
//! (and with what FD_CLOEXEC), the calls blocked and the FIFO's name, with the pipe made
//! as the scenario sets it up. The questions the other parts ask of that state (who
//! holds an end, how many readers and writers are left) are answered here, so that the
//! actions in [`super::apply`] and the data path in [`super::io`] read it one way.

use crate::model::calls::{Caller, Callers};
use crate::model::outcome::Unmodelled;
use crate::model::pipe_buffer::PipeBuffer;
use crate::platform::PlatformProfile;
use crate::scenario::{End, Mechanism, OpenFlag, Process, Relation, SigPipe};

/// A call waiting in a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::model) enum Pending {
    /// One read of at most this many bytes.
    Read(usize),
    /// Reads until `want` bytes or end of file; what came so far.
    ReadExactly { want: usize, got: Vec<u8> },
    /// Reads until end of file; what came so far.
    ReadToEnd(Vec<u8>),
    /// A write: the bytes still to go, and how many went already.
    Write { rest: Vec<u8>, written: u64 },
    /// An `open` of the FIFO waiting for its partner: it counts as a reader or a
    /// writer already (Linux), and goes on once the partner side has opened more than
    /// `seen` times; its descriptor will have FD_CLOEXEC when `cloexec`.
    Open { seen: u64, cloexec: bool },
}

impl Pending {
    pub(super) fn writes(&self) -> bool {
        matches!(self, Pending::Write { .. })
    }

    pub(super) fn reads(&self) -> bool {
        matches!(
            self,
            Pending::Read(_) | Pending::ReadExactly { .. } | Pending::ReadToEnd(_)
        )
    }
}

/// An open file description of the pipe: which way it goes, and its O_NONBLOCK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Description {
    pub(super) reads: bool,
    pub(super) writes: bool,
    pub(super) nonblock: bool,
}

/// A descriptor a process holds: the description it refers to, and its FD_CLOEXEC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Descriptor {
    pub(super) description: usize,
    pub(super) cloexec: bool,
}

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::model) struct Holder {
    /// Its descriptors, in the order it got them (a call on an end uses the first that
    /// serves it, as the driver's actor does).
    pub(super) held: Vec<Descriptor>,
    pub(super) sigpipe: SigPipe,
    /// It ran `exec`: another program holds what survived, and it acts no more.
    pub(super) execed: bool,
}

/// A process: a call it is blocked in, with the description the call uses.
pub(super) type ProcessState = Caller<(Pending, usize), Holder>;

/// One pipe or FIFO shared by a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipeModel {
    pub(super) bytes: PipeBuffer,
    pub(super) capacity: u64,
    pub(super) pipe_buf: u64,
    pub(super) descriptions: Vec<Description>,
    pub(super) processes: Vec<ProcessState>,
    /// A FIFO: whether its name exists, and how many times it was opened for reading
    /// and for writing (what a waiting `open` watches).
    pub(super) named: Option<Fifo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fifo {
    pub(super) exists: bool,
    pub(super) read_opens: u64,
    pub(super) write_opens: u64,
}

impl PipeModel {
    /// A pipe made with `flags` before these processes fork, each related process
    /// keeping the ends it names; or a FIFO made before they fork, which they open.
    pub fn for_processes(
        mechanism: Mechanism,
        processes: &[Process],
        flags: &[OpenFlag],
        profile: &PlatformProfile,
    ) -> Result<Self, Unmodelled> {
        let capacity = profile.pipe_capacity.ok_or_else(|| {
            Unmodelled::Action(format!("{} has no fixed pipe capacity", profile.platform))
        })?;
        let named = match mechanism {
            Mechanism::Pipe => None,
            Mechanism::Fifo => Some(Fifo {
                exists: true,
                read_opens: 0,
                write_opens: 0,
            }),
            other => return Err(Unmodelled::Action(format!("no model of {other}"))),
        };
        let nonblock = flags.contains(&OpenFlag::NonBlock);
        let cloexec = flags.contains(&OpenFlag::CloExec);
        let descriptions = match named {
            Some(_) => Vec::new(),
            None => vec![
                Description {
                    reads: true,
                    writes: false,
                    nonblock,
                },
                Description {
                    reads: false,
                    writes: true,
                    nonblock,
                },
            ],
        };
        Ok(PipeModel {
            bytes: PipeBuffer::new(capacity, profile.pipe_page),
            capacity,
            pipe_buf: profile.pipe_buf,
            descriptions,
            named,
            processes: processes
                .iter()
                .map(|p| {
                    let inherits = named.is_none() && p.relation == Relation::Related;
                    let held = [(End::Read, 0), (End::Write, 1)]
                        .iter()
                        .filter(|(e, _)| inherits && p.keeps.contains(e))
                        .map(|&(_, description)| Descriptor {
                            description,
                            cloexec,
                        })
                        .collect();
                    Caller::new(
                        p,
                        Holder {
                            held,
                            sigpipe: p.sigpipe,
                            execed: false,
                        },
                    )
                })
                .collect(),
        })
    }

    /// Whether process `p` holds an `end`.
    pub fn holds(&self, p: usize, end: End) -> bool {
        self.processes[p].alive && self.handle(p, end).is_some()
    }

    /// Where in process `p`'s descriptors the first that serves `end` is.
    pub(super) fn handle(&self, p: usize, end: End) -> Option<usize> {
        self.processes[p].state.held.iter().position(|held| {
            let d = self.descriptions[held.description];
            match end {
                End::Read => d.reads,
                End::Write => d.writes,
                End::Object => false,
            }
        })
    }

    /// The description process `p` uses for `end`; validation makes sure it holds one.
    pub(super) fn description(&self, p: usize, end: End) -> Result<usize, Unmodelled> {
        self.handle(p, end)
            .map(|h| self.processes[p].state.held[h].description)
            .ok_or_else(|| Unmodelled::Action(format!("a call on a {end} not held")))
    }

    /// The FD_CLOEXEC flag of the descriptor process `p` uses for `end`.
    pub(super) fn cloexec(&mut self, p: usize, end: End) -> Result<&mut bool, Unmodelled> {
        let h = self
            .handle(p, end)
            .ok_or_else(|| Unmodelled::Action(format!("a call on a {end} not held")))?;
        Ok(&mut self.processes[p].state.held[h].cloexec)
    }

    /// Descriptors open for `side` (reading or writing) in live processes, opens still
    /// waiting for their partner counted.
    fn count(&self, side: impl Fn(&Description) -> bool) -> usize {
        self.processes
            .iter()
            .filter(|p| p.alive)
            .map(|p| {
                let held = p
                    .state
                    .held
                    .iter()
                    .filter(|held| side(&self.descriptions[held.description]))
                    .count();
                let opening = match &p.pending {
                    Some((Pending::Open { .. }, d)) => usize::from(side(&self.descriptions[*d])),
                    _ => 0,
                };
                held + opening
            })
            .sum()
    }

    pub(super) fn readers(&self) -> usize {
        self.count(|d| d.reads)
    }

    pub(super) fn writers(&self) -> usize {
        self.count(|d| d.writes)
    }
}

impl Callers for PipeModel {
    type Call = (Pending, usize);
    type State = Holder;

    fn callers(&self) -> &[Caller<(Pending, usize), Holder>] {
        &self.processes
    }

    fn callers_mut(&mut self) -> &mut [Caller<(Pending, usize), Holder>] {
        &mut self.processes
    }

    /// Whether process `p` is alive and free to start a call: not blocked, not holding
    /// the result of one that blocked (a `completes` step must take it first), and not
    /// replaced by another program.
    fn idle(&self, p: usize) -> bool {
        self.processes[p].idle() && !self.processes[p].state.execed
    }
}
