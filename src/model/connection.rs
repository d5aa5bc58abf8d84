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
//! (Unix: ECONNRESET for the client).
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
//!   is full), `close()`.

use std::collections::{BTreeMap, VecDeque};

use super::calls::Caller;
use super::names::UnixNames;
use super::outcome::{ModelOutcome, Unmodelled};
use super::stream::{Receive, Stream, Transport};
use super::{ListenRules, PlatformProfile};
use crate::scenario::{
    Action, Address, Errno, FdFlag, Handle, Mechanism, MsgFlag, PollEvent, Process, SigPipe,
    SocketCall, SocketFlag,
};

/// A socket, by its process and the scenario's name for it (unique in the process).
type SockId = (usize, String);

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
    /// A TCP socket whose connect failed: the model follows it no further.
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
enum Pending {
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
    /// Keyed, not in the order made: the actions of one step may make them in any order.
    socks: BTreeMap<SockId, Sock>,
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
        Ok(ConnectionModel {
            transport,
            rules,
            socks: BTreeMap::new(),
            conns: Vec::new(),
            names: UnixNames::default(),
            ports: BTreeMap::new(),
            processes: processes
                .iter()
                .map(|p| Caller::new(p, p.sigpipe))
                .collect(),
        })
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
                self.leave(p)?;
                ModelOutcome::Done
            }
            Action::Kill(signal) => {
                let interrupted = |call| match call {
                    Pending::Recv { receive, .. } => receive.interrupted(),
                    _ => ModelOutcome::Error(Errno(libc::EINTR)),
                };
                if self.processes[p].signal(*signal, interrupted) {
                    self.leave(p)?;
                }
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
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
                let id = (p, name.0.clone());
                if self.socks.get(&id).is_some_and(|s| s.open) {
                    return Err(Unmodelled::Action(format!("a second `{name}`")));
                }
                let (nonblock, cloexec) = socket_flags(flags);
                self.socks
                    .insert(id, Sock::new(nonblock, cloexec, Role::Fresh));
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
                let bytes = crate::driver::payload_bytes(data, profile);
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
            SocketCall::Close(on) => {
                let s = self.sock(p, on)?;
                self.close(&s)?;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
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

    fn bind(&mut self, s: &SockId, to: &Address) -> Result<ModelOutcome, Unmodelled> {
        if self.socks[s].role != Role::Fresh {
            return Err(Unmodelled::Action(
                "bind of a socket that listens, is connected or tried to".to_owned(),
            ));
        }
        let bound = self.socks[s].bound.is_some();
        let held = self.holder(to).is_some();
        let refused = match self.transport {
            Transport::Tcp if bound => Some(Errno(libc::EINVAL)),
            Transport::Tcp if held => Some(Errno(libc::EADDRINUSE)),
            Transport::Tcp if self.ports.get(&to.name) == Some(&true) => {
                return Err(Unmodelled::Action(
                    "a port bound again after it carried connections".to_owned(),
                ))
            }
            Transport::Tcp => None,
            _ => self.names.bind(to, bound, held),
        };
        if let Some(errno) = refused {
            return Ok(ModelOutcome::Error(errno));
        }
        if self.transport == Transport::Tcp {
            self.ports.entry(to.name.clone()).or_insert(false);
        }
        self.at(s).bound = Some(to.clone());
        Ok(ModelOutcome::Done)
    }

    fn listen(&mut self, s: &SockId, backlog: u32) -> Result<ModelOutcome, Unmodelled> {
        if backlog > self.rules.backlog_max {
            return Err(Unmodelled::Action(format!(
                "a backlog above {}",
                self.rules.backlog_max
            )));
        }
        let tcp = self.transport == Transport::Tcp;
        let sock = self.at(s);
        match &mut sock.role {
            // A second listen changes the backlog, and the room it makes wakes connects.
            Role::Listening { backlog: b, .. } => *b = backlog,
            Role::Fresh if sock.bound.is_some() => {
                sock.role = Role::Listening {
                    backlog,
                    queue: VecDeque::new(),
                }
            }
            // TCP would pick a port nobody has a name for.
            Role::Fresh if tcp => {
                return Err(Unmodelled::Action(
                    "listen on an unbound TCP socket".to_owned(),
                ))
            }
            Role::Fresh => return Ok(ModelOutcome::Error(Errno(libc::EINVAL))),
            _ => {
                return Err(Unmodelled::Action(
                    "listen on a connected socket".to_owned(),
                ))
            }
        }
        Ok(ModelOutcome::Done)
    }

    fn connect(&mut self, p: usize, s: &SockId, to: &Address) -> Result<ModelOutcome, Unmodelled> {
        if self.socks[s].role != Role::Fresh {
            return Err(Unmodelled::Action(
                "connect of a socket that listens, is connected or tried to".to_owned(),
            ));
        }
        let tcp = self.transport == Transport::Tcp;
        if tcp && !self.ports.contains_key(&to.name) {
            return Err(Unmodelled::Action(
                "a connect to a TCP name never bound, which has no port".to_owned(),
            ));
        }
        if tcp && self.socks[s].nonblock {
            return Err(Unmodelled::Action(
                "a non-blocking TCP connect (EINPROGRESS or done, the kernel's choice)".to_owned(),
            ));
        }
        let listener = match self.holder(to) {
            Some(l) if matches!(self.socks[&l].role, Role::Listening { .. }) => l,
            found => {
                let refused = match (found, tcp) {
                    (Some(_), _) | (None, true) => Errno(libc::ECONNREFUSED),
                    (None, false) => self.names.unheld(to),
                };
                if tcp {
                    self.at(s).role = Role::Spent;
                }
                return Ok(ModelOutcome::Error(refused));
            }
        };
        if self.has_room(&listener) {
            self.join(s, &listener);
            return Ok(ModelOutcome::Done);
        }
        if tcp {
            return Err(Unmodelled::Schedule(
                "a TCP connect to a full listener (its SYN is dropped and sent again later)"
                    .to_owned(),
            ));
        }
        if self.socks[s].nonblock {
            return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
        }
        if self.processes.iter().any(
            |q| matches!(&q.pending, Some(Pending::Connect { listener: l, .. }) if *l == listener),
        ) {
            return Err(Unmodelled::Schedule(
                "two connects waiting for room at one listener (both are woken)".to_owned(),
            ));
        }
        self.processes[p].pending = Some(Pending::Connect {
            sock: s.clone(),
            listener,
        });
        Ok(ModelOutcome::Blocks)
    }

    /// Whether the listener's queue takes another connection.
    fn has_room(&self, listener: &SockId) -> bool {
        match &self.socks[listener].role {
            Role::Listening { backlog, queue } => {
                queue.len() < (*backlog + self.rules.backlog_slack) as usize
            }
            _ => false,
        }
    }

    /// Socket `s` connects to the listener: a new connection waits on its queue.
    fn join(&mut self, s: &SockId, listener: &SockId) {
        let conn = self.conns.len();
        let mut stream = Stream::new(self.transport);
        let name = |a: &Option<Address>| a.as_ref().map(ToString::to_string).unwrap_or_default();
        stream.name_end(0, name(&self.socks[s].bound));
        stream.name_end(1, name(&self.socks[listener].bound));
        self.conns.push(stream);
        if let Some(port) = &self.socks[listener].bound {
            if let Some(carried) = self.ports.get_mut(&port.name) {
                *carried = true;
            }
        }
        self.at(s).role = Role::Connected { conn, side: 0 };
        if let Role::Listening { queue, .. } = &mut self.at(listener).role {
            queue.push_back(conn);
        }
    }

    fn accept(
        &mut self,
        p: usize,
        listener: &SockId,
        name: &str,
        flags: &[SocketFlag],
    ) -> Result<ModelOutcome, Unmodelled> {
        let id = (p, name.to_owned());
        if self.socks.get(&id).is_some_and(|s| s.open) {
            return Err(Unmodelled::Action(format!("a second `{name}`")));
        }
        let queued = match &self.socks[listener].role {
            Role::Listening { queue, .. } => !queue.is_empty(),
            _ => return Ok(ModelOutcome::Error(Errno(libc::EINVAL))),
        };
        if queued {
            self.take_connection(listener, id, flags);
            return Ok(ModelOutcome::Done);
        }
        if self.socks[listener].nonblock {
            return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
        }
        self.processes[p].pending = Some(Pending::Accept {
            listener: listener.clone(),
            name: name.to_owned(),
            flags: flags.to_vec(),
        });
        Ok(ModelOutcome::Blocks)
    }

    /// The oldest connection on the listener's queue becomes socket `id`.
    fn take_connection(&mut self, listener: &SockId, id: SockId, flags: &[SocketFlag]) {
        let inherited = self.rules.accept_inherits_nonblock && self.socks[listener].nonblock;
        let Role::Listening { queue, .. } = &mut self.at(listener).role else {
            return;
        };
        let Some(conn) = queue.pop_front() else {
            return;
        };
        let (nonblock, cloexec) = socket_flags(flags);
        let role = Role::Connected { conn, side: 1 };
        self.socks
            .insert(id, Sock::new(nonblock || inherited, cloexec, role));
    }

    /// Socket `s` is closed.
    fn close(&mut self, s: &SockId) -> Result<(), Unmodelled> {
        if self
            .processes
            .iter()
            .any(|q| matches!(&q.pending, Some(Pending::Connect { listener, .. }) if listener == s))
        {
            return Err(Unmodelled::Action(
                "a listener closed while a connect waits for it".to_owned(),
            ));
        }
        let sock = self.at(s);
        sock.open = false;
        match std::mem::replace(&mut sock.role, Role::Spent) {
            Role::Connected { conn, side } => self.conns[conn].close(side),
            Role::Listening { queue, .. } if !queue.is_empty() => {
                if self.transport == Transport::Tcp {
                    return Err(Unmodelled::Action(
                        "a TCP listener closed with connections not accepted".to_owned(),
                    ));
                }
                queue
                    .into_iter()
                    .try_for_each(|conn| self.conns[conn].abort(1))
            }
            _ => Ok(()),
        }
    }

    /// The process is gone: its sockets close, a call it was blocked in with them.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        let own: Vec<SockId> = self
            .socks
            .iter()
            .filter(|((owner, _), s)| *owner == p && s.open)
            .map(|(id, _)| id.clone())
            .collect();
        own.iter().try_for_each(|s| self.close(s))
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

#[cfg(test)]
mod tests {
    use nix::sys::signal::Signal;
    use rstest::rstest;

    use super::*;
    use crate::scenario::{Payload, ProcessName, Relation, ShutdownHow, SignalName, Size};

    /// Process 0 serves, processes 1 and 2 are clients; process 2 ignores SIGPIPE and
    /// catches SIGUSR1.
    fn model(mechanism: Mechanism) -> ConnectionModel {
        let process = |i: usize| Process {
            name: ProcessName(format!("p{i}")),
            relation: Relation::Unrelated,
            keeps: Vec::new(),
            host: None,
            keeps_pair: Vec::new(),
            sigpipe: if i == 2 {
                SigPipe::Ignore
            } else {
                SigPipe::Default
            },
            handles: if i == 2 {
                vec![SignalName(Signal::SIGUSR1)]
            } else {
                Vec::new()
            },
        };
        let processes: Vec<Process> = (0..3).map(process).collect();
        ConnectionModel::for_processes(mechanism, &processes, &PlatformProfile::LINUX)
            .expect("Linux states its listen rules")
    }

    fn h(name: &str) -> Handle {
        Handle(name.to_owned())
    }

    fn at(name: &str) -> Address {
        Address {
            name: name.trim_start_matches('@').to_owned(),
            abstract_name: name.starts_with('@'),
        }
    }

    fn socket(name: &str) -> Action {
        Action::Socket(SocketCall::Socket {
            name: h(name),
            flags: Vec::new(),
        })
    }

    fn bind(on: &str, to: &str) -> Action {
        Action::Socket(SocketCall::Bind {
            on: h(on),
            to: at(to),
        })
    }

    fn listen(on: &str, backlog: u32) -> Action {
        Action::Socket(SocketCall::Listen { on: h(on), backlog })
    }

    fn connect(on: &str, to: &str) -> Action {
        Action::Socket(SocketCall::Connect {
            on: h(on),
            to: at(to),
        })
    }

    fn accept(on: &str, name: &str) -> Action {
        Action::Socket(SocketCall::Accept {
            on: h(on),
            name: h(name),
            flags: Vec::new(),
        })
    }

    fn send(on: &str, text: &str) -> Action {
        Action::Socket(SocketCall::Send {
            on: h(on),
            data: Payload::Text(text.to_owned()),
            to: None,
            flags: Vec::new(),
        })
    }

    fn recv(on: &str, len: u64, flags: &[MsgFlag]) -> Action {
        Action::Socket(SocketCall::Recv {
            on: h(on),
            len: Size::Bytes(len),
            flags: flags.to_vec(),
        })
    }

    fn close(on: &str) -> Action {
        Action::Socket(SocketCall::Close(h(on)))
    }

    fn apply(m: &mut ConnectionModel, p: usize, action: Action) -> ModelOutcome {
        m.apply(p, &action, &PlatformProfile::LINUX)
            .unwrap_or_else(|e| panic!("{action:?} is modelled: {e:?}"))
    }

    fn error(errno: i32) -> ModelOutcome {
        ModelOutcome::Error(Errno(errno))
    }

    fn bytes(text: &str) -> ModelOutcome {
        ModelOutcome::Bytes(text.as_bytes().to_vec())
    }

    /// Process 0 listens on `srv` with `backlog`; client 1 connects as `c`, and process 0
    /// accepts it as `a`.
    fn connected(mechanism: Mechanism, backlog: u32) -> ConnectionModel {
        let mut m = model(mechanism);
        for action in [socket("l"), bind("l", "srv"), listen("l", backlog)] {
            assert_eq!(apply(&mut m, 0, action), ModelOutcome::Done);
        }
        assert_eq!(apply(&mut m, 1, socket("c")), ModelOutcome::Done);
        assert_eq!(apply(&mut m, 1, connect("c", "srv")), ModelOutcome::Done);
        assert_eq!(apply(&mut m, 0, accept("l", "a")), ModelOutcome::Done);
        m
    }

    #[rstest]
    #[case::path_never_bound("srv", false, libc::ENOENT)]
    #[case::path_whose_socket_closed("srv", true, libc::ECONNREFUSED)]
    #[case::abstract_name_gone("@srv", true, libc::ECONNREFUSED)]
    fn connect_finds_nobody(#[case] to: &str, #[case] bound: bool, #[case] errno: i32) {
        let mut m = model(Mechanism::UnixStream);
        if bound {
            apply(&mut m, 0, socket("l"));
            apply(&mut m, 0, bind("l", to));
            apply(&mut m, 0, listen("l", 1));
            apply(&mut m, 0, close("l"));
        }
        apply(&mut m, 1, socket("c"));
        assert_eq!(apply(&mut m, 1, connect("c", to)), error(errno));
    }

    #[rstest]
    #[case::unix(Mechanism::UnixStream)]
    #[case::tcp(Mechanism::Tcp)]
    fn a_socket_bound_but_not_listening_refuses(#[case] mechanism: Mechanism) {
        let mut m = model(mechanism);
        apply(&mut m, 0, socket("l"));
        apply(&mut m, 0, bind("l", "srv"));
        apply(&mut m, 1, socket("c"));
        assert_eq!(
            apply(&mut m, 1, connect("c", "srv")),
            error(libc::ECONNREFUSED)
        );
    }

    #[test]
    fn a_full_unix_listener_makes_connect_wait_for_an_accept() {
        let mut m = connected(Mechanism::UnixStream, 0);
        // Backlog 0 holds one connection: the second waits, and an accept lets it in.
        apply(&mut m, 1, socket("c2"));
        assert_eq!(apply(&mut m, 1, connect("c2", "srv")), ModelOutcome::Done);
        apply(&mut m, 2, socket("c3"));
        assert_eq!(apply(&mut m, 2, connect("c3", "srv")), ModelOutcome::Blocks);
        assert_eq!(apply(&mut m, 0, accept("l", "a2")), ModelOutcome::Done);
        assert!(m.finished(2));
        assert_eq!(apply(&mut m, 2, Action::Await), ModelOutcome::Done);
    }

    #[test]
    fn a_full_tcp_listener_is_left_to_the_kernel() {
        let mut m = connected(Mechanism::Tcp, 0);
        apply(&mut m, 1, socket("c2"));
        apply(&mut m, 1, connect("c2", "srv"));
        apply(&mut m, 2, socket("c3"));
        let third = m.apply(2, &connect("c3", "srv"), &PlatformProfile::LINUX);
        assert!(matches!(third, Err(Unmodelled::Schedule(_))), "{third:?}");
    }

    #[test]
    fn accept_takes_the_oldest_connection_and_blocks_on_none() {
        let mut m = connected(Mechanism::UnixStream, 4);
        apply(&mut m, 2, socket("c"));
        apply(&mut m, 2, connect("c", "srv"));
        apply(&mut m, 1, socket("late"));
        apply(&mut m, 1, connect("late", "srv"));
        apply(&mut m, 2, send("c", "from two"));
        assert_eq!(apply(&mut m, 0, accept("l", "b")), ModelOutcome::Done);
        assert_eq!(apply(&mut m, 0, recv("b", 64, &[])), bytes("from two"));
        apply(&mut m, 0, accept("l", "c"));
        assert_eq!(apply(&mut m, 0, accept("l", "d")), ModelOutcome::Blocks);
    }

    #[test]
    fn seqpacket_keeps_records_and_cuts_a_long_one() {
        let mut m = connected(Mechanism::UnixSeqpacket, 1);
        apply(&mut m, 1, send("c", "abcdefgh"));
        apply(&mut m, 1, send("c", "next"));
        let record = |data: &str, truncated| ModelOutcome::Message {
            data: data.as_bytes().to_vec(),
            truncated,
            from: String::new(),
        };
        assert_eq!(
            apply(&mut m, 0, recv("a", 3, &[MsgFlag::Peek])),
            record("abc", true)
        );
        assert_eq!(apply(&mut m, 0, recv("a", 3, &[])), record("abc", true));
        assert_eq!(apply(&mut m, 0, recv("a", 64, &[])), record("next", false));
        // Records from the accepted side carry the listener's address.
        apply(&mut m, 0, send("a", "back"));
        let from_server = ModelOutcome::Message {
            data: b"back".to_vec(),
            truncated: false,
            from: "srv".to_owned(),
        };
        assert_eq!(apply(&mut m, 1, recv("c", 64, &[])), from_server);
    }

    #[rstest]
    #[case::unix(Mechanism::UnixStream)]
    #[case::tcp(Mechanism::Tcp)]
    fn a_close_with_bytes_unread_resets_the_peer(#[case] mechanism: Mechanism) {
        let mut m = connected(mechanism, 1);
        apply(&mut m, 1, send("c", "unread"));
        apply(&mut m, 0, close("a"));
        assert_eq!(
            apply(&mut m, 1, recv("c", 64, &[])),
            error(libc::ECONNRESET)
        );
        assert_eq!(apply(&mut m, 1, recv("c", 64, &[])), bytes(""));
        let killed = ModelOutcome::Killed(SignalName(Signal::SIGPIPE));
        assert_eq!(apply(&mut m, 1, send("c", "z")), killed);
    }

    #[test]
    fn tcp_takes_the_first_send_after_the_peer_closed() {
        let mut m = connected(Mechanism::Tcp, 1);
        apply(&mut m, 1, close("c"));
        assert_eq!(apply(&mut m, 0, recv("a", 16, &[])), bytes(""));
        assert_eq!(apply(&mut m, 0, send("a", "x")), ModelOutcome::Count(1));
        let killed = ModelOutcome::Killed(SignalName(Signal::SIGPIPE));
        assert_eq!(apply(&mut m, 0, send("a", "y")), killed);
    }

    #[rstest]
    #[case::after_a_reset(true)]
    #[case::after_both_shut_down_writing(false)]
    fn tcp_shutdown_of_a_connection_over_fails_with_enotconn(#[case] reset: bool) {
        let mut m = connected(Mechanism::Tcp, 1);
        let shutdown = |on: &str| {
            Action::Socket(SocketCall::Shutdown {
                on: h(on),
                how: ShutdownHow::Write,
            })
        };
        if reset {
            apply(&mut m, 1, close("c"));
            apply(&mut m, 0, send("a", "x"));
        } else {
            assert_eq!(apply(&mut m, 1, shutdown("c")), ModelOutcome::Done);
            assert_eq!(apply(&mut m, 0, shutdown("a")), ModelOutcome::Done);
        }
        assert_eq!(apply(&mut m, 0, shutdown("a")), error(libc::ENOTCONN));
    }

    #[test]
    fn unix_fails_the_first_send_after_the_peer_closed() {
        let mut m = connected(Mechanism::UnixStream, 1);
        apply(&mut m, 0, close("a"));
        let killed = ModelOutcome::Killed(SignalName(Signal::SIGPIPE));
        assert_eq!(apply(&mut m, 1, send("c", "x")), killed);
    }

    #[test]
    fn seqpacket_fails_a_send_to_a_closed_peer_without_sigpipe() {
        let mut m = connected(Mechanism::UnixSeqpacket, 1);
        apply(&mut m, 0, close("a"));
        assert_eq!(apply(&mut m, 1, send("c", "x")), error(libc::EPIPE));
    }

    #[test]
    fn msg_waitall_waits_for_the_count_and_a_signal_returns_what_came() {
        let mut m = model(Mechanism::UnixStream);
        apply(&mut m, 0, socket("l"));
        apply(&mut m, 0, bind("l", "srv"));
        apply(&mut m, 0, listen("l", 1));
        apply(&mut m, 2, socket("c"));
        apply(&mut m, 2, connect("c", "srv"));
        apply(&mut m, 0, accept("l", "a"));
        let wait_all = [MsgFlag::WaitAll];
        assert_eq!(
            apply(&mut m, 2, recv("c", 8, &wait_all)),
            ModelOutcome::Blocks
        );
        apply(&mut m, 0, send("a", "abc"));
        assert!(!m.finished(2));
        apply(&mut m, 2, Action::Kill(SignalName(Signal::SIGUSR1)));
        assert_eq!(apply(&mut m, 2, Action::Await), bytes("abc"));
    }

    #[test]
    fn a_listener_closed_with_connections_waiting_resets_them() {
        let mut m = model(Mechanism::UnixStream);
        apply(&mut m, 0, socket("l"));
        apply(&mut m, 0, bind("l", "srv"));
        apply(&mut m, 0, listen("l", 1));
        apply(&mut m, 1, socket("c"));
        apply(&mut m, 1, connect("c", "srv"));
        apply(&mut m, 0, close("l"));
        assert_eq!(apply(&mut m, 1, recv("c", 8, &[])), error(libc::ECONNRESET));
        assert_eq!(apply(&mut m, 1, recv("c", 8, &[])), bytes(""));
    }

    #[test]
    fn shutdown_write_gives_the_peer_end_of_file_after_the_bytes() {
        let mut m = connected(Mechanism::Tcp, 1);
        apply(&mut m, 1, send("c", "request"));
        let shutdown = Action::Socket(SocketCall::Shutdown {
            on: h("c"),
            how: ShutdownHow::Write,
        });
        apply(&mut m, 1, shutdown);
        assert_eq!(apply(&mut m, 0, recv("a", 64, &[])), bytes("request"));
        assert_eq!(apply(&mut m, 0, recv("a", 64, &[])), bytes(""));
        assert_eq!(apply(&mut m, 0, send("a", "reply")), ModelOutcome::Count(5));
        assert_eq!(apply(&mut m, 1, recv("c", 64, &[])), bytes("reply"));
    }
}
