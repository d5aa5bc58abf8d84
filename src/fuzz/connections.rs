//! Plans for connection-oriented sockets reached by address (Unix stream, Unix
//! seqpacket, TCP on loopback): 2 to 6 processes that serve (socket, bind, listen) on a
//! few addresses, connect to them (SOCK_NONBLOCK and SOCK_CLOEXEC or not), accept, and
//! then send, receive, read descriptor flags, shut down, close and exit on what they
//! hold. As for pipes, every expectation is the reference model's
//! (src/model/connection/), and a move the state does not allow is dropped.
//!
//! A move names no handle: it acts on the process's latest listener, connecting socket
//! or accepted connection (or, when it has none of those, the next best), each made
//! under a name of its own (`l3`, `c5`, `a7`: the number is the move's), so that
//! shrinking a plan never renames what later moves use.

use proptest::prelude::*;

use super::plan::{payload, PlanParts, Recorder};
use crate::mechanism::Capability;
use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, Address, FdFlag, Feature, Handle, Mechanism, MsgFlag, Process, ProcessName, Relation,
    Scenario, ShutdownHow, SigPipe, Size, SocketCall, SocketFlag, Stdin,
};

/// The addresses plans use: two names (paths, or loopback ports) and, where the
/// platform has them, an abstract Unix name.
const ADDRESSES: [(&str, bool); 3] = [("srv", false), ("alt", false), ("abs", true)];

/// Which of a process's sockets a move acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The latest listening socket.
    Listener,
    /// The latest connecting socket.
    Client,
    /// The latest accepted connection.
    Accepted,
}

/// One thing a process tries to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionOp {
    /// A new socket, bound to address `address`, listening with `backlog`.
    Serve {
        /// Which address: `srv`, `alt` or the abstract `@abs` (Unix only).
        address: usize,
        /// The backlog.
        backlog: u32,
    },
    /// A new socket (made with SOCK_NONBLOCK, SOCK_CLOEXEC or neither) connected to
    /// address `address`.
    Connect {
        /// Which address: `srv`, `alt` or the abstract `@abs` (Unix only).
        address: usize,
        /// The new socket's flags.
        flags: NewSocket,
    },
    /// Accept on the latest listener, with `accept4()` and these flags or plain.
    Accept(NewSocket),
    /// Read a descriptor flag (O_NONBLOCK or FD_CLOEXEC) of the socket.
    Flag(Target, FdFlag),
    /// Send this many bytes, with MSG_NOSIGNAL or not.
    Send(Target, u8, bool),
    /// Receive into this many bytes, with MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL or not.
    Recv(Target, u8, [bool; 3]),
    /// Shut down one direction or both.
    Shutdown(Target, ShutdownHow),
    /// Set or clear O_NONBLOCK.
    NonBlocking(Target, bool),
    /// Close the socket.
    Close(Target),
    /// Leave: every socket closes.
    Exit,
}

/// The flags a socket is made with: by `socket()`'s type or by `accept4()`, where the
/// platform has them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NewSocket {
    /// SOCK_NONBLOCK.
    pub nonblock: bool,
    /// SOCK_CLOEXEC.
    pub cloexec: bool,
}

impl NewSocket {
    fn strategy() -> impl Strategy<Value = NewSocket> {
        (any::<bool>(), any::<bool>())
            .prop_map(|(nonblock, cloexec)| NewSocket { nonblock, cloexec })
    }

    /// The flags, none where the platform takes them nowhere (`has_flags` false).
    fn flags(self, has_flags: bool) -> Vec<SocketFlag> {
        [
            (self.nonblock, SocketFlag::NonBlock),
            (self.cloexec, SocketFlag::CloExec),
        ]
        .into_iter()
        .filter(|(set, _)| *set && has_flags)
        .map(|(_, flag)| flag)
        .collect()
    }
}

/// One process of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionProcess {
    /// Related to the driver (forked from it; nothing of these sockets is made before
    /// the fork, so it inherits none) or unrelated.
    pub related: bool,
    /// Ignores SIGPIPE.
    pub ignores_sigpipe: bool,
}

/// A generated plan for connection-oriented sockets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionPlan {
    /// The processes (2 to 6).
    pub processes: Vec<ConnectionProcess>,
    /// The moves `(process, op)`; one by a process the plan does not have is dropped.
    pub moves: Vec<(usize, ConnectionOp)>,
}

impl PlanParts for ConnectionPlan {
    type Op = ConnectionOp;

    fn process_count(&self) -> usize {
        self.processes.len()
    }

    fn move_count(&self) -> usize {
        self.moves.len()
    }

    fn remove_process(&mut self, i: usize) {
        self.processes.remove(i);
    }

    fn moves_mut(&mut self) -> &mut Vec<(usize, ConnectionOp)> {
        &mut self.moves
    }
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        1 => Just(Target::Listener),
        3 => Just(Target::Client),
        3 => Just(Target::Accepted),
    ]
}

/// Sizes clustered on the small, with a few around 64 bytes.
fn len() -> impl Strategy<Value = u8> {
    prop_oneof![4 => 0u8..=12, 1 => 62u8..=66]
}

/// Mostly the first address, so that clients find the servers.
fn address() -> impl Strategy<Value = usize> {
    prop_oneof![4 => Just(0), 1 => 1..ADDRESSES.len()]
}

fn op() -> impl Strategy<Value = ConnectionOp> {
    prop_oneof![
        1 => (address(), 0u32..=2)
            .prop_map(|(address, backlog)| ConnectionOp::Serve { address, backlog }),
        1 => (address(), NewSocket::strategy())
            .prop_map(|(address, flags)| ConnectionOp::Connect { address, flags }),
        1 => NewSocket::strategy().prop_map(ConnectionOp::Accept),
        1 => (target(), prop_oneof![Just(FdFlag::NonBlock), Just(FdFlag::CloExec)])
            .prop_map(|(t, flag)| ConnectionOp::Flag(t, flag)),
        5 => (target(), len(), any::<bool>()).prop_map(|(t, n, q)| ConnectionOp::Send(t, n, q)),
        6 => (target(), len(), any::<[bool; 3]>())
            .prop_map(|(t, n, flags)| ConnectionOp::Recv(t, n, flags)),
        1 => (
            target(),
            prop_oneof![
                Just(ShutdownHow::Read),
                Just(ShutdownHow::Write),
                Just(ShutdownHow::Both)
            ]
        )
            .prop_map(|(t, how)| ConnectionOp::Shutdown(t, how)),
        1 => (target(), any::<bool>()).prop_map(|(t, on)| ConnectionOp::NonBlocking(t, on)),
        2 => target().prop_map(ConnectionOp::Close),
        1 => Just(ConnectionOp::Exit),
    ]
}

/// How a plan starts, so that most plans get connections to carry bytes: process 0
/// serves on the first address, and each client named connects to it, which process 0
/// accepts at once or not. Shrinking drops clients and accepts like any other moves.
fn setup(most: usize) -> impl Strategy<Value = Vec<(usize, ConnectionOp)>> {
    let client = (1..most, NewSocket::strategy(), any::<bool>());
    (0u32..=2, prop::collection::vec(client, 0..=3)).prop_map(|(backlog, clients)| {
        let serve = ConnectionOp::Serve {
            address: 0,
            backlog,
        };
        let mut moves = vec![(0, serve)];
        for (p, flags, accepted) in clients {
            moves.push((p, ConnectionOp::Connect { address: 0, flags }));
            if accepted {
                moves.push((0, ConnectionOp::Accept(NewSocket::default())));
            }
        }
        moves
    })
}

/// Plans of 2 to `max_processes` (at most 6) processes and up to `max_moves` moves
/// after the setup.
pub fn connection_plans(
    max_processes: usize,
    max_moves: usize,
) -> impl Strategy<Value = ConnectionPlan> {
    let most = max_processes.clamp(2, 6);
    let process =
        (any::<bool>(), any::<bool>()).prop_map(|(related, ignores_sigpipe)| ConnectionProcess {
            related,
            ignores_sigpipe,
        });
    (
        prop::collection::vec(process, 2..=most),
        setup(most),
        prop::collection::vec((0..most, op()), 1..=max_moves.max(1)),
    )
        .prop_map(|(processes, mut moves, rest)| {
            moves.extend(rest);
            ConnectionPlan { processes, moves }
        })
}

/// The handles a process made last, by what they are for.
#[derive(Clone, Default)]
struct Latest {
    listener: Option<Handle>,
    client: Option<Handle>,
    accepted: Option<Handle>,
}

impl Latest {
    /// The socket a move on `target` acts on: a connection falls back on the process's
    /// other connection, then on its listener, so that a move keeps acting on something
    /// when shrinking drops the move that made its socket.
    fn of(&self, target: Target) -> Option<Handle> {
        let (first, second) = match target {
            Target::Listener => return self.listener.clone(),
            Target::Client => (&self.client, &self.accepted),
            Target::Accepted => (&self.accepted, &self.client),
        };
        first
            .as_ref()
            .or(second.as_ref())
            .or(self.listener.as_ref())
            .cloned()
    }
}

/// The scenario a plan comes to on `mechanism` (unix-stream, unix-seqpacket or tcp):
/// the moves the state and the implementation's `capabilities` allow, each call with
/// the model's outcome as its expectation; a call still blocked at the end is killed.
/// A plan whose moves all fell away comes to nothing.
pub fn build_connections(
    plan: &ConnectionPlan,
    mechanism: Mechanism,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let processes: Vec<Process> = plan
        .processes
        .iter()
        .enumerate()
        .map(|(i, p)| Process {
            name: ProcessName(format!("p{i}")),
            relation: match p.related {
                true => Relation::Related,
                false => Relation::Unrelated,
            },
            keeps: Vec::new(),
            host: None,
            keeps_pair: Vec::new(),
            sigpipe: match p.ignores_sigpipe {
                true => SigPipe::Ignore,
                false => SigPipe::Default,
            },
            handles: Vec::new(),
            stdin: Stdin::DevNull,
        })
        .collect();
    let abstract_names = mechanism != Mechanism::Tcp && profile.has(Feature::AbstractSockets);
    // SOCK_NONBLOCK and SOCK_CLOEXEC in socket()'s type and accept4() only where the
    // platform has them.
    let type_flags = profile.has(Feature::SocketTypeFlags);
    let accept4 = profile.has(Feature::Accept4);
    let mut recorder = Recorder::new(mechanism, &processes, profile, capabilities)?;
    let mut latest = vec![Latest::default(); processes.len()];
    for (k, &(p, op)) in plan.moves.iter().enumerate() {
        if p >= processes.len() {
            continue;
        }
        let address = |a: usize| {
            let (name, abstract_name) = ADDRESSES[a];
            (abstract_name <= abstract_names).then(|| Address {
                name: name.to_owned(),
                abstract_name,
            })
        };
        let fresh = |prefix: &str| Handle(format!("{prefix}{k}"));
        let on = |target| latest[p].of(target);
        let calls: Vec<SocketCall> = match op {
            ConnectionOp::Serve {
                address: a,
                backlog,
            } => {
                let Some(to) = address(a) else { continue };
                let name = fresh("l");
                vec![
                    SocketCall::Socket {
                        name: name.clone(),
                        flags: Vec::new(),
                    },
                    SocketCall::Bind {
                        on: name.clone(),
                        to,
                    },
                    SocketCall::Listen { on: name, backlog },
                ]
            }
            ConnectionOp::Connect { address: a, flags } => {
                let Some(to) = address(a) else { continue };
                let name = fresh("c");
                vec![
                    SocketCall::Socket {
                        name: name.clone(),
                        flags: flags.flags(type_flags),
                    },
                    SocketCall::Connect { on: name, to },
                ]
            }
            ConnectionOp::Accept(flags) => {
                let Some(listener) = on(Target::Listener) else {
                    continue;
                };
                vec![SocketCall::Accept {
                    on: listener,
                    name: fresh("a"),
                    flags: flags.flags(accept4),
                }]
            }
            ConnectionOp::Flag(t, flag) => {
                let Some(on) = on(t) else { continue };
                vec![SocketCall::GetFlag { on, flag }]
            }
            ConnectionOp::Exit => {
                recorder.take(p, Action::Exit);
                continue;
            }
            ConnectionOp::Send(t, n, quiet) => {
                let Some(on) = on(t) else { continue };
                vec![SocketCall::Send {
                    on,
                    data: payload(p, u64::from(n)),
                    to: None,
                    flags: [(quiet, MsgFlag::NoSignal)]
                        .iter()
                        .filter(|(set, _)| *set)
                        .map(|(_, f)| *f)
                        .collect(),
                }]
            }
            ConnectionOp::Recv(t, n, set) => {
                let Some(on) = on(t) else { continue };
                let all = [MsgFlag::DontWait, MsgFlag::Peek, MsgFlag::WaitAll];
                vec![SocketCall::Recv {
                    on,
                    len: Size::Bytes(u64::from(n)),
                    flags: all
                        .iter()
                        .zip(set)
                        .filter(|(_, set)| *set)
                        .map(|(f, _)| *f)
                        .collect(),
                }]
            }
            ConnectionOp::Shutdown(t, how) => {
                let Some(on) = on(t) else { continue };
                vec![SocketCall::Shutdown { on, how }]
            }
            ConnectionOp::NonBlocking(t, enable) => {
                let Some(on) = on(t) else { continue };
                vec![SocketCall::SetNonBlocking { on, enable }]
            }
            ConnectionOp::Close(t) => {
                let Some(on) = on(t) else { continue };
                vec![SocketCall::Close(on)]
            }
        };
        for call in calls {
            let made = call.makes().first().map(|h| (*h).clone());
            let before = recorder.model().clone();
            recorder.take(p, Action::Socket(call.clone()));
            // A move the model did not take leaves the handles as they were; a call that
            // made a socket (or blocked making one) moves the process's latest on.
            if recorder.model() == &before {
                break;
            }
            if let Some(made) = made {
                let slot = match call {
                    SocketCall::Accept { .. } => &mut latest[p].accepted,
                    _ if made.0.starts_with('l') => &mut latest[p].listener,
                    _ => &mut latest[p].client,
                };
                *slot = Some(made);
            }
        }
    }
    recorder.finish(
        id,
        mechanism,
        "POSIX XSH socket(), bind(), listen(), accept(), connect(), send(), recv(), \
         shutdown(), close(): as the reference model (src/model/connection/) states them",
        &processes,
        2,
    )
}
