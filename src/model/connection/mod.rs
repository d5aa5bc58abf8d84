//! The reference model of connection-oriented sockets reached by address: Unix stream
//! and seqpacket sockets, and TCP over the loopback interface. Processes make sockets
//! and name them by handle; a socket binds an address, listens, and takes connections
//! with `accept`, oldest first, or connects to a listener; each connection is then the
//! data path of [`super::stream`].
//!
//! `connect` reaches the socket bound to the address: a Unix path no socket ever bound
//! fails with ENOENT, a path whose socket closed or an abstract name nothing holds with
//! ECONNREFUSED (Linux), as does a socket bound but not listening. A connection
//! completes at once while the listener's queue has room, before anyone accepts it; how
//! much room is kernel accounting, which the platform profile states ([`ListenRules`])
//! or the model leaves alone. A Unix connect to a full listener waits for an `accept`
//! (EAGAIN with O_NONBLOCK); a TCP one waits for a retransmission timer, which the model
//! leaves to the kernel, as it does a non-blocking TCP connect (EINPROGRESS or not).
//! `accept` waits for a connection (EAGAIN with O_NONBLOCK) and gives the new socket the
//! flags of `accept4`. A listener closed with connections not yet accepted resets them
//! (Unix: ECONNRESET for the client). A `dup` is one more handle on a socket, which
//! closes (and ends its connection) only with its last handle.
//!
//! A TCP address is a port the kernel picked at the first `bind` of its name; a port
//! that carried connections lingers in the kernel after its sockets close (TIME_WAIT),
//! so binding it again is left to the kernel.
//!
//! # References
//! - POSIX XSH `socket()`, `bind()` (EADDRINUSE; EINVAL for a socket bound already),
//!   `listen()` (EINVAL for an unbound Unix socket), `accept()` (the first connection on
//!   the queue; EAGAIN with O_NONBLOCK; EINVAL when not listening), `connect()`
//!   (ECONNREFUSED; EAGAIN for a Unix socket with O_NONBLOCK when the listener's queue
//!   is full), `dup()` (the same open file description), `close()` (the socket is
//!   released with its last descriptor).

mod listen;
mod meets;

use std::collections::{BTreeMap, VecDeque};

use super::calls::{callers_in_processes, Caller, SockId, SocketCalls};
use super::handles::SocketHandles;
use super::names::UnixNames;
use super::outcome::{Answer, ModelOutcome, Unmodelled};
use super::room::Room;
use super::stream::{Receive, Stream, Transport};
use crate::platform::{Feature, ListenRules, PlatformProfile, UnixStreamRules};
use crate::scenario::{
    Address, Errno, FdFlag, Handle, Mechanism, MsgFlag, PollEvent, Process, SigPipe, SocketCall,
    SocketFlag,
};

/// What a socket is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Role {
    /// Made (and perhaps bound): neither listening nor connected.
    Fresh,
    /// Listening: its backlog, and the connections not yet accepted, oldest first.
    Listening {
        backlog: u32,
        queue: VecDeque<usize>,
    },
    /// End `side` (0 the connecting socket, 1 the accepted one) of a connection.
    Connected { conn: usize, side: usize },
    /// Closed, or a TCP socket whose connect failed: the model follows it no further.
    Spent,
}

/// One socket.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sock {
    open: bool,
    /// The address it bound itself (an accepted socket shares its listener's, but does
    /// not hold it).
    bound: Option<Address>,
    role: Role,
    nonblock: bool,
    cloexec: bool,
}

impl Sock {
    fn new(nonblock: bool, cloexec: bool, role: Role) -> Sock {
        Sock {
            open: true,
            bound: None,
            role,
            nonblock,
            cloexec,
        }
    }
}

/// A call a process is blocked in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Pending {
    /// A receive on end `side` of connection `conn`.
    Recv {
        conn: usize,
        side: usize,
        receive: Receive,
    },
    /// An accept on the listener, whose connection becomes `name` with `flags`.
    Accept {
        listener: SockId,
        name: String,
        flags: Vec<SocketFlag>,
    },
    /// A connect of `sock` waiting for room at the listener.
    Connect { sock: SockId, listener: SockId },
}

/// A process: the model keeps its SIGPIPE disposition besides its calls.
type ProcessState = Caller<Pending, SigPipe>;

/// The connection-oriented sockets of a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionModel {
    transport: Transport,
    rules: ListenRules,
    /// What its Unix connections do where the platforms part.
    stream_rules: UnixStreamRules,
    /// What its sockets surely hold.
    room: Room,
    /// Keyed, not in the order made: the actions of one step may make them in any order.
    socks: BTreeMap<SockId, Sock>,
    /// The handles processes hold on them, copies included.
    handles: SocketHandles,
    /// Every connection made, by number.
    conns: Vec<Stream>,
    /// The Unix names bound so far.
    names: UnixNames,
    /// TCP port names bound so far, each with whether it carried a connection (and so
    /// lingers in the kernel after its sockets).
    ports: BTreeMap<String, bool>,
    processes: Vec<ProcessState>,
}

impl ConnectionModel {
    /// The scenario's processes, with no socket yet, for `mechanism` (unix-stream,
    /// unix-seqpacket or tcp) under `profile`.
    pub fn for_processes(
        mechanism: Mechanism,
        processes: &[Process],
        profile: &PlatformProfile,
    ) -> Result<ConnectionModel, Unmodelled> {
        let transport = match mechanism {
            Mechanism::UnixStream => Transport::UnixStream,
            Mechanism::UnixSeqpacket => Transport::UnixSeqpacket,
            Mechanism::Tcp => Transport::Tcp,
            other => return Err(Unmodelled::Action(format!("{other} connections"))),
        };
        let rules = profile.listen.ok_or_else(|| {
            Unmodelled::Action(format!("listening sockets on {}", profile.platform))
        })?;
        if processes.iter().any(|p| p.host.is_some()) {
            return Err(Unmodelled::Action("processes on other hosts".to_owned()));
        }
        if transport == Transport::UnixSeqpacket && !profile.has(Feature::SeqPacket) {
            return Err(Unmodelled::Action(format!(
                "SOCK_SEQPACKET, which {} has not",
                profile.platform
            )));
        }
        // Handshakes, FINs and RSTs are segments over loopback: where they arrive after
        // the call that sent them returns, which call sees them is the scheduler's.
        if transport == Transport::Tcp && !profile.loopback_at_once {
            return Err(Unmodelled::Schedule(format!(
                "when TCP segments over loopback arrive on {}",
                profile.platform
            )));
        }
        Ok(ConnectionModel {
            transport,
            rules,
            stream_rules: profile.unix_stream,
            room: Room::of(profile),
            socks: BTreeMap::new(),
            handles: SocketHandles::default(),
            conns: Vec::new(),
            names: UnixNames::default(),
            ports: BTreeMap::new(),
            processes: processes
                .iter()
                .map(|p| Caller::new(p, p.sigpipe))
                .collect(),
        })
    }

    /// The open socket process `p` holds as `handle`.
    fn sock(&self, p: usize, handle: &Handle) -> Result<SockId, Unmodelled> {
        match self.handles.socket(p, handle) {
            Some(id) if self.socks[id].open => Ok(id.clone()),
            _ => Err(Unmodelled::Action(format!("a call on `{handle}` not held"))),
        }
    }

    /// Whether a new handle `id` would clash: a handle holds the name, or the socket
    /// first made under it is open still (held by a copy), which a new one would hide.
    fn name_taken(&self, id: &SockId) -> bool {
        self.handles.holds(id) || self.socks.get(id).is_some_and(|s| s.open)
    }

    /// A new socket, held as `id`.
    fn make(&mut self, id: SockId, sock: Sock) {
        self.handles.made(&id);
        self.socks.insert(id, sock);
    }

    /// Process `p` lets go of these handles: each socket no handle refers to any more
    /// closes.
    fn release(&mut self, released: &[SockId]) -> Result<(), Unmodelled> {
        let mut unheld = self.handles.release(released);
        unheld.retain(|s| self.socks[s].open);
        unheld.iter().try_for_each(|s| self.close(s))
    }

    /// The socket `s`, to change it.
    fn at(&mut self, s: &SockId) -> &mut Sock {
        self.socks.get_mut(s).expect("a socket the model made")
    }

    /// The open socket that bound `address` itself.
    fn holder(&self, address: &Address) -> Option<SockId> {
        self.socks
            .iter()
            .find(|(_, s)| s.open && s.bound.as_ref() == Some(address))
            .map(|(id, _)| id.clone())
    }

    /// The connection end process `p` holds as `on`.
    fn connected(&self, p: usize, on: &Handle) -> Result<(usize, usize), Unmodelled> {
        match self.socks[&self.sock(p, on)?].role {
            Role::Connected { conn, side } => Ok((conn, side)),
            _ => Err(Unmodelled::Action(format!(
                "a data call on `{on}`, which is not connected"
            ))),
        }
    }

    /// Carry on the call process `q` is blocked in: its outcome once it finishes.
    fn carry_on(&mut self, q: usize) -> Result<Option<ModelOutcome>, Unmodelled> {
        let caller = &mut self.processes[q];
        if !caller.alive {
            return Ok(None);
        }
        match caller.pending.as_mut() {
            Some(Pending::Recv {
                conn,
                side,
                receive,
            }) => self.conns[*conn].recv(*side, receive, true),
            Some(Pending::Accept {
                listener,
                name,
                flags,
            }) => {
                let ready = matches!(
                    &self.socks[&*listener].role,
                    Role::Listening { queue, .. } if !queue.is_empty()
                );
                if ready {
                    let (listener, id, flags) =
                        (listener.clone(), (q, name.clone()), flags.clone());
                    self.take_connection(&listener, id, &flags);
                }
                Ok(ready.then_some(ModelOutcome::Done))
            }
            Some(Pending::Connect { sock, listener }) => {
                let (sock, listener) = (sock.clone(), listener.clone());
                let ready = self.has_room(&listener);
                if ready {
                    self.join(&sock, &listener);
                }
                Ok(ready.then_some(ModelOutcome::Done))
            }
            None => Ok(None),
        }
    }
}

/// O_NONBLOCK and FD_CLOEXEC, as `socket()` or `accept4()` flags set them.
fn socket_flags(flags: &[SocketFlag]) -> (bool, bool) {
    (
        flags.contains(&SocketFlag::NonBlock),
        flags.contains(&SocketFlag::CloExec),
    )
}

callers_in_processes!(ConnectionModel, Pending, SigPipe);

impl SocketCalls for ConnectionModel {
    fn call(&mut self, p: usize, call: &SocketCall, profile: &PlatformProfile) -> Answer {
        if let SocketCall::Bind { to, .. } | SocketCall::Connect { to, .. } = call {
            if to.abstract_name && !profile.has(Feature::AbstractSockets) {
                return Err(Unmodelled::Action(format!(
                    "`{to}`: abstract names are Linux's, {} has none",
                    profile.platform
                )));
            }
        }
        Ok(match call {
            SocketCall::Socket { name, flags } => {
                let id = (p, name.0.clone());
                if self.name_taken(&id) {
                    return Err(Unmodelled::Action(format!("a second `{name}`")));
                }
                let (nonblock, cloexec) = socket_flags(flags);
                self.make(id, Sock::new(nonblock, cloexec, Role::Fresh));
                ModelOutcome::Done
            }
            SocketCall::Bind { on, to } => {
                let s = self.sock(p, on)?;
                self.bind(&s, to)?
            }
            SocketCall::Listen { on, backlog } => {
                let s = self.sock(p, on)?;
                self.listen(&s, *backlog)?
            }
            SocketCall::Connect { on, to } => {
                let s = self.sock(p, on)?;
                self.connect(p, &s, to)?
            }
            SocketCall::Accept { on, name, flags } => {
                let s = self.sock(p, on)?;
                self.accept(p, &s, &name.0, flags)?
            }
            SocketCall::Send {
                on,
                data,
                to: None,
                flags,
            } => {
                let (conn, side) = self.connected(p, on)?;
                if flags.iter().any(|f| *f != MsgFlag::NoSignal) {
                    return Err(Unmodelled::Action("send flags but MSG_NOSIGNAL".to_owned()));
                }
                let bytes = crate::judge::payload_bytes(data, profile);
                let quiet = !flags.is_empty() || self.processes[p].state == SigPipe::Ignore;
                let outcome = self.conns[conn].send(side, bytes, quiet)?;
                if matches!(outcome, ModelOutcome::Killed(_)) {
                    self.leave(p)?;
                }
                outcome
            }
            SocketCall::Recv { on, len, flags } => {
                let (conn, side) = self.connected(p, on)?;
                let n = profile.resolve(*len).map_err(Unmodelled::Action)? as usize;
                let (mut receive, dont_wait) = Receive::new(n, flags)?;
                let may_wait = !dont_wait && !self.socks[&self.sock(p, on)?].nonblock;
                match self.conns[conn].recv(side, &mut receive, may_wait)? {
                    Some(outcome) => outcome,
                    None => {
                        self.processes[p].pending = Some(Pending::Recv {
                            conn,
                            side,
                            receive,
                        });
                        ModelOutcome::Blocks
                    }
                }
            }
            SocketCall::Shutdown { on, how } => {
                let (conn, side) = self.connected(p, on)?;
                self.conns[conn].shutdown(side, *how)?
            }
            SocketCall::SetNonBlocking { on, enable } => {
                let s = self.sock(p, on)?;
                self.at(&s).nonblock = *enable;
                ModelOutcome::Done
            }
            SocketCall::GetFlag { on, flag } => {
                let sock = &self.socks[&self.sock(p, on)?];
                ModelOutcome::Count(u64::from(match flag {
                    FdFlag::NonBlock => sock.nonblock,
                    FdFlag::CloExec => sock.cloexec,
                }))
            }
            // A listener is readable while a connection waits to be accepted.
            SocketCall::Poll {
                on,
                event: PollEvent::In,
            } => match &self.socks[&self.sock(p, on)?].role {
                Role::Listening { queue, .. } => ModelOutcome::Count(u64::from(!queue.is_empty())),
                _ => {
                    return Err(Unmodelled::Action(
                        "poll of a socket not listening".to_owned(),
                    ))
                }
            },
            SocketCall::Dup { on, name } => {
                let s = self.sock(p, on)?;
                if self.name_taken(&(p, name.0.clone())) {
                    return Err(Unmodelled::Action(format!("a second `{name}`")));
                }
                self.handles.dup(p, name, s)?;
                ModelOutcome::Done
            }
            SocketCall::Close(on) => {
                self.sock(p, on)?;
                self.release(&[(p, on.0.clone())])?;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
    }

    /// The process is gone: its sockets close, a call it was blocked in with them.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        let held = self.handles.of_process(p);
        self.release(&held)
    }

    /// Blocked calls that can now go on do, until none can.
    fn wake(&mut self) -> Result<(), Unmodelled> {
        let mut woke = true;
        while woke {
            woke = false;
            for q in 0..self.processes.len() {
                if let Some(outcome) = self.carry_on(q)? {
                    self.processes[q].pending = None;
                    self.processes[q].completed = Some(outcome);
                    woke = true;
                }
            }
        }
        Ok(())
    }

    fn interrupted(call: Pending) -> ModelOutcome {
        match call {
            Pending::Recv { receive, .. } => receive.interrupted(),
            _ => ModelOutcome::Error(Errno(libc::EINTR)),
        }
    }
}

#[cfg(test)]
mod tests;
