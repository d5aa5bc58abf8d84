//! The reference model of a stream socketpair (`socketpair(AF_UNIX, SOCK_STREAM)`):
//! two connected ends held by the processes that inherit them. An end is closed for
//! good once no live process holds a descriptor of it; the bytes, end of file, EPIPE and
//! SIGPIPE, shutdowns and resets are the Unix stream data path of [`super::stream`].
//!
//! An end's descriptor can be passed over the pair with SCM_RIGHTS (`send_fd`: one
//! byte carrying it). While it is in flight it keeps its end open, as a descriptor
//! would; `recv_fd` makes it a new descriptor of that end (its O_NONBLOCK shared, as
//! one open file description), and a plain receive of the byte closes it. The model
//! follows one descriptor in flight at a time, alone in its queue; an end kept only by
//! descriptors no process can reach any more is left to the kernel's garbage collector,
//! which the model does not time. A descriptor received is the kernel's, which the
//! driver reads with `read()`, judged on that one call: a read of it blocked for bytes
//! may return with the first piece of a send the implementation makes in pieces, so the
//! model leaves alone a send of several bytes through the pair to such a read (one
//! byte, or a `write()` of a received descriptor, comes whole). A `dup` is one more
//! descriptor of the same end, which keeps it open as any other does.
//!
//! # References
//! - POSIX XSH `socketpair()`, `send()`, `recv()`, `shutdown()`, `dup()`, `close()`;
//!   XBD `<sys/socket.h>` (SCM_RIGHTS: the descriptors received refer to the same open
//!   file descriptions).
//! - Linux `net/unix/af_unix.c` (`unix_stream_read_generic` stops after the data that
//!   carried descriptors; a plain receive discards them) and `net/unix/garbage.c`.

mod meets;

use std::collections::BTreeMap;

use super::calls::{callers_in_processes, Caller, SocketCalls};
use super::outcome::{Answer, ModelOutcome, Unmodelled};
use super::room::Room;
use super::stream::{Receive, Stream, Transport};
use crate::platform::PlatformProfile;
use crate::scenario::{Errno, Handle, MsgFlag, Process, Relation, SigPipe, SocketCall};

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Holder {
    /// How many descriptors of each end it holds, received ones included.
    holds: [u32; 2],
    /// The descriptors it received with SCM_RIGHTS and holds, by the scenario's name:
    /// the end each is (a `dup` of one among them).
    received: BTreeMap<String, usize>,
    /// The copies it made with `dup` of the pair's own ends, by the scenario's name: the
    /// end each is. Like the ends, they are the implementation's sockets.
    copies: BTreeMap<String, usize>,
    /// How many it has received in all (the next one's name is `r` and this number).
    taken: usize,
    sigpipe: SigPipe,
}

/// A receive a process is blocked in: the end, the receive, and for a `recv_fd` the
/// name the descriptor will get.
type Waiting = (usize, Receive, Option<String>);

/// A process and the receive it is blocked in.
type ProcessState = Caller<Waiting, Holder>;

/// A stream socketpair shared by a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketPairModel {
    stream: Stream,
    /// O_NONBLOCK of each end's open file description.
    nonblock: [bool; 2],
    /// The end whose descriptor waits in each end's queue, sent with SCM_RIGHTS.
    in_flight: [Option<usize>; 2],
    processes: Vec<ProcessState>,
}

impl SocketPairModel {
    /// The pair made before the fork, each related process keeping the ends it names;
    /// an end nobody keeps is closed from the start.
    pub fn for_processes(
        processes: &[Process],
        profile: &PlatformProfile,
    ) -> Result<SocketPairModel, Unmodelled> {
        let mut model = SocketPairModel {
            stream: Stream::new(
                Transport::UnixStream,
                profile.unix_stream,
                Room::of(profile),
            ),
            nonblock: [false; 2],
            in_flight: [None; 2],
            processes: processes
                .iter()
                .map(|p| {
                    let keeps = |i: usize| {
                        u32::from(
                            p.relation == Relation::Related
                                && p.keeps_pair.iter().any(|h| *h == Handle::pair(i)),
                        )
                    };
                    let holds = [keeps(0), keeps(1)];
                    Caller::new(
                        p,
                        Holder {
                            holds,
                            received: BTreeMap::new(),
                            copies: BTreeMap::new(),
                            taken: 0,
                            sigpipe: p.sigpipe,
                        },
                    )
                })
                .collect(),
        };
        model.close_unheld()?;
        Ok(model)
    }

    /// Whether process `p` holds end `i` (0 left, 1 right).
    pub fn holds(&self, p: usize, i: usize) -> bool {
        self.processes[p].alive && self.processes[p].state.holds[i] > 0
    }

    /// The descriptor process `p` received last and still holds.
    pub fn received(&self, p: usize) -> Option<Handle> {
        let holder = &self.processes[p].state;
        (0..holder.taken)
            .rev()
            .map(received_handle)
            .find(|h| holder.received.contains_key(&h.0))
    }

    /// The name the next descriptor process `p` receives gets.
    pub fn next_received(&self, p: usize) -> Handle {
        received_handle(self.processes[p].state.taken)
    }

    /// Close for good every end nothing refers to any more: no live process holds a
    /// descriptor of it, and none is in flight in an open end's queue. An end still
    /// referred to that no process can reach (its descriptor in flight only in queues
    /// nobody can read) waits for the kernel's garbage collector.
    fn close_unheld(&mut self) -> Result<(), Unmodelled> {
        loop {
            let held = [0, 1].map(|i| (0..self.processes.len()).any(|p| self.holds(p, i)));
            let in_flight =
                |i: usize| (0..2).any(|k| self.stream.is_open(k) && self.in_flight[k] == Some(i));
            let referenced = [0, 1].map(|i| held[i] || in_flight(i));
            let mut reachable = held;
            for _ in 0..2 {
                for k in 0..2 {
                    match self.in_flight[k] {
                        Some(j) if reachable[k] && self.stream.is_open(k) => reachable[j] = true,
                        _ => {}
                    }
                }
            }
            let Some(i) = (0..2).find(|&i| self.stream.is_open(i) && !reachable[i]) else {
                return Ok(());
            };
            if referenced[i] {
                return Err(Unmodelled::Schedule(
                    "a socket only descriptors in flight that nobody can receive keep: the \
                     garbage collector decides when it goes"
                        .to_owned(),
                ));
            }
            self.stream.close(i)?;
            self.in_flight[i] = None;
        }
    }

    fn end_of(&self, p: usize, on: &Handle) -> Result<usize, Unmodelled> {
        let holder = &self.processes[p].state;
        let i = (0..2)
            .find(|&i| Handle::pair(i) == *on)
            .or_else(|| holder.received.get(&on.0).copied())
            .or_else(|| holder.copies.get(&on.0).copied())
            .ok_or_else(|| Unmodelled::Action(format!("the handle `{on}`")))?;
        if holder.holds[i] == 0 {
            return Err(Unmodelled::Action(format!("a call on `{on}` not held")));
        }
        Ok(i)
    }

    /// Whether a process is blocked receiving on end `i`.
    fn receiving(&self, i: usize) -> bool {
        self.waiting_on(i, |_| true)
    }

    /// Whether a process is blocked in a receive on end `i` that `matches`.
    fn waiting_on(&self, i: usize, matches: impl Fn(&Receive) -> bool) -> bool {
        self.processes.iter().any(|q| {
            q.alive
                && q.pending
                    .as_ref()
                    .is_some_and(|(e, r, _)| *e == i && matches(r))
        })
    }

    /// A receive on end `k` came to `outcome`. Bytes taken past a descriptor in flight
    /// there take it: a `recv_fd` (`name`) makes it process `q`'s, and reports success;
    /// a plain receive closes it. A `recv_fd` that takes a byte without a descriptor,
    /// or finds the end of the stream, reports the driver's EBADMSG (no descriptor
    /// came).
    fn received_by(
        &mut self,
        q: usize,
        k: usize,
        name: Option<String>,
        outcome: ModelOutcome,
    ) -> Answer {
        let took = matches!(&outcome, ModelOutcome::Bytes(b) if !b.is_empty());
        let passed = match took {
            true => self.in_flight[k].take(),
            false => None,
        };
        let Some(name) = name else {
            self.close_unheld()?;
            return Ok(outcome);
        };
        Ok(match (passed, outcome) {
            (Some(j), _) => {
                let holder = &mut self.processes[q].state;
                holder.holds[j] += 1;
                holder.received.insert(name, j);
                holder.taken += 1;
                ModelOutcome::Done
            }
            // The byte came without a descriptor, or the stream ended.
            (None, ModelOutcome::Bytes(_)) => ModelOutcome::Error(Errno(libc::EBADMSG)),
            (None, other) => other,
        })
    }

    /// A send of `bytes` by process `p` on end `i` (`no_signal`: MSG_NOSIGNAL); a
    /// SIGPIPE kills the process.
    fn send(&mut self, p: usize, i: usize, bytes: Vec<u8>, no_signal: bool) -> Answer {
        let quiet = no_signal || self.processes[p].state.sigpipe == SigPipe::Ignore;
        let outcome = self.stream.send(i, bytes, quiet)?;
        if matches!(outcome, ModelOutcome::Killed(_)) {
            self.leave(p)?;
        }
        Ok(outcome)
    }

    /// A receive by process `p` on end `i`: its outcome, or the call blocks.
    fn receive(
        &mut self,
        p: usize,
        i: usize,
        mut receive: Receive,
        may_wait: bool,
        name: Option<String>,
    ) -> Answer {
        match self.stream.recv(i, &mut receive, may_wait)? {
            Some(outcome) if receive.peeks() => Ok(outcome),
            Some(outcome) => self.received_by(p, i, name, outcome),
            None => {
                self.processes[p].pending = Some((i, receive, name));
                Ok(ModelOutcome::Blocks)
            }
        }
    }
}

impl SocketPairModel {
    /// Whether `on`, held by process `p`, is one of the pair's own ends or a copy of
    /// one, the implementation's sockets; a descriptor received over the pair is the
    /// kernel's, which the driver reads and writes with `read()` and `write()`.
    fn is_pair_end(&self, p: usize, on: &Handle) -> bool {
        (0..2).any(|i| Handle::pair(i) == *on) || self.processes[p].state.copies.contains_key(&on.0)
    }
}

/// The name of the `k`th descriptor a process receives.
fn received_handle(k: usize) -> Handle {
    Handle(format!("r{k}"))
}

callers_in_processes!(SocketPairModel, Waiting, Holder);

impl SocketCalls for SocketPairModel {
    fn call(&mut self, p: usize, call: &SocketCall, profile: &PlatformProfile) -> Answer {
        Ok(match call {
            SocketCall::Send {
                on,
                data,
                to: None,
                flags,
            } => {
                let i = self.end_of(p, on)?;
                if flags.iter().any(|f| *f != MsgFlag::NoSignal) {
                    return Err(Unmodelled::Action("send flags but MSG_NOSIGNAL".to_owned()));
                }
                if self.in_flight[1 - i].is_some() {
                    return Err(Unmodelled::Action(
                        "bytes sent behind a descriptor in flight".to_owned(),
                    ));
                }
                let bytes = crate::judge::payload_bytes(data, profile);
                if bytes.len() > 1
                    && self.is_pair_end(p, on)
                    && self.waiting_on(1 - i, Receive::may_wake_short)
                {
                    return Err(Unmodelled::Action(
                        "a send of several bytes to a read() of a received descriptor blocked \
                         for them: the implementation may send them in pieces, and the read \
                         return with the first"
                            .to_owned(),
                    ));
                }
                self.send(p, i, bytes, !flags.is_empty())?
            }
            SocketCall::SendFd { on, fd } => {
                let i = self.end_of(p, on)?;
                let j = self.end_of(p, fd)?;
                if self.stream.queued(1 - i) > 0 || self.in_flight[1 - i].is_some() {
                    return Err(Unmodelled::Action(
                        "a descriptor sent behind bytes not yet received".to_owned(),
                    ));
                }
                if self.waiting_on(1 - i, |r| !r.stops_after_descriptor()) {
                    return Err(Unmodelled::Action(
                        "a descriptor for a receive of nothing, or with MSG_WAITALL".to_owned(),
                    ));
                }
                match self.send(p, i, vec![b'F'], false)? {
                    ModelOutcome::Count(_) => {
                        self.in_flight[1 - i] = Some(j);
                        ModelOutcome::Done
                    }
                    other => other,
                }
            }
            SocketCall::Recv { on, len, flags } => {
                let i = self.end_of(p, on)?;
                if self.receiving(i) {
                    return Err(Unmodelled::Schedule(
                        "another process is blocked receiving on the same end".to_owned(),
                    ));
                }
                let n = profile.resolve(*len).map_err(Unmodelled::Action)? as usize;
                let (receive, dont_wait) = Receive::new(n, flags)?;
                let receive = match self.is_pair_end(p, on) {
                    true => receive,
                    false => receive.alone(),
                };
                if self.in_flight[i].is_some() && !receive.stops_after_descriptor() {
                    return Err(Unmodelled::Action(
                        "a receive of nothing, or with MSG_WAITALL, of a descriptor".to_owned(),
                    ));
                }
                let may_wait = !dont_wait && !self.nonblock[i];
                self.receive(p, i, receive, may_wait, None)?
            }
            SocketCall::RecvFd { on, name } => {
                let i = self.end_of(p, on)?;
                if self.receiving(i) {
                    return Err(Unmodelled::Schedule(
                        "another process is blocked receiving on the same end".to_owned(),
                    ));
                }
                if self.in_flight[i].is_none() && self.stream.queued(i) > 0 {
                    return Err(Unmodelled::Action(
                        "recv_fd with bytes and no descriptor waiting".to_owned(),
                    ));
                }
                let (receive, _) = Receive::new(1, &[])?;
                let may_wait = !self.nonblock[i];
                self.receive(p, i, receive, may_wait, Some(name.0.clone()))?
            }
            SocketCall::Shutdown { on, how } => {
                let i = self.end_of(p, on)?;
                self.stream.shutdown(i, *how)?
            }
            SocketCall::SetNonBlocking { on, enable } => {
                let i = self.end_of(p, on)?;
                if self.receiving(i) {
                    return Err(Unmodelled::Schedule(
                        "O_NONBLOCK changes under a call blocked on the same end".to_owned(),
                    ));
                }
                self.nonblock[i] = *enable;
                ModelOutcome::Done
            }
            SocketCall::Dup { on, name } => {
                let i = self.end_of(p, on)?;
                let copies_pair_end = self.is_pair_end(p, on);
                let holder = &mut self.processes[p].state;
                holder.holds[i] += 1;
                match copies_pair_end {
                    true => holder.copies.insert(name.0.clone(), i),
                    false => holder.received.insert(name.0.clone(), i),
                };
                ModelOutcome::Done
            }
            SocketCall::Close(on) => {
                let i = self.end_of(p, on)?;
                let holder = &mut self.processes[p].state;
                holder.holds[i] -= 1;
                holder.received.remove(&on.0);
                holder.copies.remove(&on.0);
                self.close_unheld()?;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
    }

    /// The process is gone: every descriptor it held closes.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        self.close_unheld()
    }

    /// Blocked receives take what came (one per end: a second is refused as a race).
    fn wake(&mut self) -> Result<(), Unmodelled> {
        for q in 0..self.processes.len() {
            let caller = &mut self.processes[q];
            let Some((i, receive, _)) = caller.pending.as_mut().filter(|_| caller.alive) else {
                continue;
            };
            let i = *i;
            if let Some(outcome) = self.stream.recv(i, receive, true)? {
                let (_, receive, name) = caller.pending.take().expect("it was waiting");
                let outcome = match receive.peeks() {
                    true => outcome,
                    false => self.received_by(q, i, name, outcome)?,
                };
                self.processes[q].completed = Some(outcome);
            }
        }
        Ok(())
    }

    fn interrupted((_, receive, _): Waiting) -> ModelOutcome {
        receive.interrupted()
    }
}

#[cfg(test)]
mod tests;
