//! The reference model of Unix datagram sockets (`AF_UNIX`, `SOCK_DGRAM`): sockets that
//! processes make and name by handle, addresses bound to them (paths, whose file stays
//! after the socket closes, and Linux abstract names, which go with it), connections,
//! and a queue of whole datagrams per socket, each with its sender's address.
//!
//! A receive takes one whole datagram, cut to the buffer with MSG_TRUNC when longer
//! (MSG_PEEK leaves it queued), waits while the queue is empty, or fails with EAGAIN when
//! O_NONBLOCK or MSG_DONTWAIT says not to wait. A send to a path no socket ever bound
//! fails with ENOENT, to one whose socket closed or to an abstract name nothing holds
//! with ECONNREFUSED (Linux); a connected socket
//! whose peer closed fails once with ECONNREFUSED and then with ENOTCONN (Linux). How
//! many datagrams a socket queues depends on the kernel's accounting, so the model stops
//! (says "outside") past [`DATAGRAMS_BOUND`] queued datagrams or [`BYTES_BOUND`] bytes.
//!
//! # References
//! - POSIX XSH `socket()`, `bind()` (EADDRINUSE for a name in use), `connect()` (for a
//!   datagram socket: the default peer, and the only one it receives from), `sendto()`
//!   (a datagram is sent whole), `recvmsg()` (one datagram per call; MSG_TRUNC when it
//!   was longer than the buffer; the sender's address), `close()`.

use std::collections::{BTreeMap, VecDeque};

use super::calls::Caller;
use super::names::UnixNames;
use super::outcome::{ModelOutcome, Unmodelled};
use super::PlatformProfile;
use crate::scenario::{Action, Address, Errno, Handle, MsgFlag, Process, SocketCall};

/// The most datagrams the model lets wait in one socket.
pub const DATAGRAMS_BOUND: usize = 8;
/// The most bytes the model lets wait in one socket.
pub const BYTES_BOUND: usize = 4096;

/// A socket, by its process and the scenario's name for it (unique in the process).
type SockId = (usize, String);

/// One socket.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sock {
    open: bool,
    bound: Option<Address>,
    /// The peer address it is connected to, if any.
    peer: Option<Address>,
    /// Datagrams waiting, each with its sending socket (whose address a receive reports
    /// as it is then: Linux looks it up at receive time).
    queue: VecDeque<(Vec<u8>, SockId)>,
    nonblock: bool,
}

/// A process: a receive it is blocked in is the socket, the buffer size, and whether it
/// peeks; the model keeps nothing else of it (its sockets are keyed by it).
type ProcessState = Caller<(SockId, usize, bool), ()>;

/// The Unix datagram sockets of a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatagramModel {
    /// Keyed, not in the order made: the actions of one step may make them in any order.
    socks: BTreeMap<SockId, Sock>,
    /// The names bound so far.
    names: UnixNames,
    processes: Vec<ProcessState>,
}

impl DatagramModel {
    /// The scenario's processes, with no socket yet.
    pub fn for_processes(processes: &[Process]) -> DatagramModel {
        DatagramModel {
            socks: BTreeMap::new(),
            names: UnixNames::default(),
            processes: processes.iter().map(|p| Caller::new(p, ())).collect(),
        }
    }

    /// How many processes there are.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    /// Whether process `p` is alive and free to start a call.
    pub fn idle(&self, p: usize) -> bool {
        self.processes[p].idle()
    }

    /// Whether process `p` is blocked in a call.
    pub fn blocked(&self, p: usize) -> bool {
        self.processes[p].blocked()
    }

    /// Whether a call process `p` blocked in has come to its result.
    pub fn finished(&self, p: usize) -> bool {
        self.processes[p].finished()
    }

    /// The open socket process `p` holds as `handle`.
    fn sock(&self, p: usize, handle: &Handle) -> Result<SockId, Unmodelled> {
        let id = (p, handle.0.clone());
        match self.socks.get(&id) {
            Some(s) if s.open => Ok(id),
            _ => Err(Unmodelled::Action(format!("a call on `{handle}` not held"))),
        }
    }

    /// The open socket bound to `address`.
    fn bound_to(&self, address: &Address) -> Option<SockId> {
        self.socks
            .iter()
            .find(|(_, s)| s.open && s.bound.as_ref() == Some(address))
            .map(|(id, _)| id.clone())
    }

    /// Where a datagram to `address` goes, or why it cannot: ENOENT for a path no file
    /// is at, ECONNREFUSED for a path whose socket closed or an abstract name nothing
    /// holds (Linux).
    fn resolve(&self, address: &Address) -> Result<SockId, Errno> {
        self.bound_to(address)
            .ok_or_else(|| self.names.unheld(address))
    }

    /// What `action` of process `p` does; the state moves on.
    pub fn apply(
        &mut self,
        p: usize,
        action: &Action,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
        let outcome = match action {
            Action::Socket(call) => self.call(p, call, profile)?,
            Action::Exit => {
                self.leave(p);
                ModelOutcome::Done
            }
            Action::Kill(signal) => {
                let interrupted = |_| ModelOutcome::Error(Errno(libc::EINTR));
                if self.processes[p].signal(*signal, interrupted) {
                    self.leave(p);
                }
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake();
        Ok(self.processes[p].settle(outcome, action))
    }

    fn call(
        &mut self,
        p: usize,
        call: &SocketCall,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
        Ok(match call {
            SocketCall::Socket { name, flags } => {
                if !flags.is_empty() {
                    return Err(Unmodelled::Action("socket() flags".to_owned()));
                }
                self.socks.insert(
                    (p, name.0.clone()),
                    Sock {
                        open: true,
                        bound: None,
                        peer: None,
                        queue: VecDeque::new(),
                        nonblock: false,
                    },
                );
                ModelOutcome::Done
            }
            SocketCall::Bind { on, to } => {
                let s = self.sock(p, on)?;
                let bound = self.socks[&s].bound.is_some();
                let held = self.bound_to(to).is_some();
                if let Some(errno) = self.names.bind(to, bound, held) {
                    return Ok(ModelOutcome::Error(errno));
                }
                self.at(&s).bound = Some(to.clone());
                ModelOutcome::Done
            }
            SocketCall::Connect { on, to } => {
                let s = self.sock(p, on)?;
                match self.resolve(to) {
                    Ok(t) if !self.may_send(&s, &t) => ModelOutcome::Error(Errno(libc::EPERM)),
                    Ok(_) => {
                        self.at(&s).peer = Some(to.clone());
                        ModelOutcome::Done
                    }
                    Err(e) => ModelOutcome::Error(e),
                }
            }
            SocketCall::Send {
                on,
                data,
                to,
                flags,
            } => {
                if !flags.is_empty() {
                    return Err(Unmodelled::Action("send flags".to_owned()));
                }
                let s = self.sock(p, on)?;
                let bytes = crate::driver::payload_bytes(data, profile);
                self.send(&s, to.as_ref(), bytes)?
            }
            SocketCall::Recv { on, len, flags } => {
                let s = self.sock(p, on)?;
                let n = profile.resolve(*len).map_err(Unmodelled::Action)? as usize;
                let mut peek = false;
                let mut dont_wait = false;
                for f in flags {
                    match f {
                        MsgFlag::Peek => peek = true,
                        MsgFlag::DontWait => dont_wait = true,
                        other => return Err(Unmodelled::Action(format!("recv flag {other:?}"))),
                    }
                }
                if self.socks[&s].queue.is_empty() {
                    if dont_wait || self.socks[&s].nonblock {
                        return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
                    }
                    self.processes[p].pending = Some((s, n, peek));
                    return Ok(ModelOutcome::Blocks);
                }
                self.take(&s, n, peek)
            }
            SocketCall::SetNonBlocking { on, enable } => {
                let s = self.sock(p, on)?;
                self.at(&s).nonblock = *enable;
                ModelOutcome::Done
            }
            SocketCall::Close(on) => {
                let s = self.sock(p, on)?;
                self.at(&s).open = false;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
    }

    /// A datagram from socket `s` to `to`, or to its peer.
    fn send(
        &mut self,
        s: &SockId,
        to: Option<&Address>,
        bytes: Vec<u8>,
    ) -> Result<ModelOutcome, Unmodelled> {
        let target = match (to, self.socks[s].peer.clone()) {
            (Some(address), _) => self.resolve(address),
            (None, Some(peer)) => {
                let target = self.resolve(&peer);
                // Linux: the send that finds the peer gone reports it, and the socket
                // is no longer connected.
                if target.is_err() {
                    self.at(s).peer = None;
                    return Ok(ModelOutcome::Error(Errno(libc::ECONNREFUSED)));
                }
                target
            }
            (None, None) => return Ok(ModelOutcome::Error(Errno(libc::ENOTCONN))),
        };
        let t = match target {
            Ok(t) => t,
            Err(e) => return Ok(ModelOutcome::Error(e)),
        };
        if !self.may_send(s, &t) {
            return Ok(ModelOutcome::Error(Errno(libc::EPERM)));
        }
        let queue = &self.socks[&t].queue;
        let queued: usize = queue.iter().map(|(d, _)| d.len()).sum();
        if queue.len() >= DATAGRAMS_BOUND || queued + bytes.len() > BYTES_BOUND {
            return Err(Unmodelled::Action(format!(
                "more than {DATAGRAMS_BOUND} datagrams or {BYTES_BOUND} bytes queued"
            )));
        }
        let len = bytes.len() as u64;
        self.at(&t).queue.push_back((bytes, s.clone()));
        Ok(ModelOutcome::Count(len))
    }

    /// The socket `s`, to change it.
    fn at(&mut self, s: &SockId) -> &mut Sock {
        self.socks.get_mut(s).expect("a socket the model made")
    }

    /// Whether socket `s` may send to `t`: a connected socket takes datagrams from its
    /// peer only (Linux refuses the others with EPERM, for `connect` too).
    fn may_send(&self, s: &SockId, t: &SockId) -> bool {
        let peer = &self.socks[t].peer;
        peer.is_none() || *peer == self.socks[s].bound
    }

    /// One datagram off socket `s`'s queue, cut to `n` bytes; left queued when peeking.
    fn take(&mut self, s: &SockId, n: usize, peek: bool) -> ModelOutcome {
        let queue = &mut self.at(s).queue;
        let (data, sender) = if peek {
            queue.front().cloned()
        } else {
            queue.pop_front()
        }
        .expect("the queue is not empty");
        let from = self.socks[&sender]
            .bound
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        ModelOutcome::Message {
            truncated: data.len() > n,
            data: data[..n.min(data.len())].to_vec(),
            from,
        }
    }

    /// The process is gone: its sockets close, a call it was blocked in with them.
    fn leave(&mut self, p: usize) {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        for (_, sock) in self.socks.iter_mut().filter(|((owner, _), _)| *owner == p) {
            sock.open = false;
        }
    }

    /// Blocked receives take the datagram that came.
    fn wake(&mut self) {
        for q in 0..self.processes.len() {
            let Some((s, n, peek)) = self.processes[q].pending.clone() else {
                continue;
            };
            if self.processes[q].alive && !self.socks[&s].queue.is_empty() {
                self.processes[q].pending = None;
                self.processes[q].completed = Some(self.take(&s, n, peek));
            }
        }
    }
}
