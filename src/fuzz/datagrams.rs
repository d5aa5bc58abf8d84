//! Plans for datagram sockets, Unix or UDP: 2 to 6 unrelated processes, each with one
//! socket `s`, bind, connect, send and receive among three addresses (for Unix sockets
//! two paths and an abstract name, for UDP three loopback ports), poll, read SO_ERROR,
//! close and exit. As for pipes, every expectation is the reference model's
//! (src/model/datagram.rs), and a move the state does not allow is dropped (a UDP send
//! to a name no socket has bound yet, which has no port).

use proptest::prelude::*;

use super::plan::{payload, PlanParts, Recorder};
use crate::mechanism::Capability;
use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, Address, Handle, Mechanism, MsgFlag, PollEvent, Process, Relation, Scenario, Size,
    SockOpt, SocketCall,
};

/// The addresses plans use: for Unix sockets two paths and a Linux abstract name (the
/// third), for UDP three ports.
const ADDRESSES: [&str; 3] = ["a", "b", "c"];

/// One thing a process tries to do with its socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatagramOp {
    /// Bind to address `i`.
    Bind(usize),
    /// Connect to address `i`.
    Connect(usize),
    /// Send this many bytes to address `i`.
    SendTo(usize, u8),
    /// Send this many bytes to the connected peer.
    Send(u8),
    /// Receive into this many bytes, with MSG_DONTWAIT and MSG_PEEK or not.
    Recv(u8, bool, bool),
    /// Set or clear O_NONBLOCK.
    NonBlocking(bool),
    /// Poll for input (true) or output.
    Poll(bool),
    /// Read and clear the pending error (SO_ERROR).
    TakeError,
    /// Close the socket.
    Close,
    /// Leave.
    Exit,
}

/// A generated plan for datagram sockets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatagramPlan {
    /// How many processes (2 to 6).
    pub processes: usize,
    /// The moves `(process, op)`; one by a process the plan does not have is dropped.
    pub moves: Vec<(usize, DatagramOp)>,
}

impl PlanParts for DatagramPlan {
    type Op = DatagramOp;

    fn process_count(&self) -> usize {
        self.processes
    }

    fn move_count(&self) -> usize {
        self.moves.len()
    }

    fn remove_process(&mut self, _i: usize) {
        self.processes -= 1;
    }

    fn moves_mut(&mut self) -> &mut Vec<(usize, DatagramOp)> {
        &mut self.moves
    }
}

/// Moves among the first `addresses` of [`ADDRESSES`].
fn op(addresses: usize) -> impl Strategy<Value = DatagramOp> {
    let address = 0..addresses;
    prop_oneof![
        3 => address.clone().prop_map(DatagramOp::Bind),
        1 => address.clone().prop_map(DatagramOp::Connect),
        4 => (address, 0u8..=24).prop_map(|(a, n)| DatagramOp::SendTo(a, n)),
        1 => (0u8..=24).prop_map(DatagramOp::Send),
        4 => (0u8..=24, any::<bool>(), any::<bool>())
            .prop_map(|(n, dont_wait, peek)| DatagramOp::Recv(n, dont_wait, peek)),
        1 => any::<bool>().prop_map(DatagramOp::NonBlocking),
        1 => any::<bool>().prop_map(DatagramOp::Poll),
        1 => Just(DatagramOp::TakeError),
        1 => Just(DatagramOp::Close),
        1 => Just(DatagramOp::Exit),
    ]
}

/// Plans of 2 to `max_processes` processes and up to `max_moves` moves after the setup.
/// The setup binds process 0 to the first address, and process 1 to the second or not,
/// so that most plans have a socket to send to (shrinking drops those moves like any
/// other). Each plan uses one to three of the addresses (swarm testing): a plan of one
/// address sends every datagram to the same socket, so queues of several datagrams,
/// which a spread over three addresses seldom builds, come often.
pub fn datagram_plans(
    max_processes: usize,
    max_moves: usize,
) -> impl Strategy<Value = DatagramPlan> {
    let most = max_processes.clamp(2, 6);
    (1..=ADDRESSES.len(), 2..=most).prop_flat_map(move |(addresses, processes)| {
        // A third of the moves are process 0's, the receiver every plan has.
        let mover = prop_oneof![1 => Just(0), 2 => 0..processes];
        (
            any::<bool>(),
            prop::collection::vec((mover, op(addresses)), 1..=max_moves.max(1)),
        )
            .prop_map(move |(second, rest)| {
                let mut moves = vec![(0, DatagramOp::Bind(0))];
                if second && addresses > 1 {
                    moves.push((1, DatagramOp::Bind(1)));
                }
                moves.extend(rest);
                DatagramPlan { processes, moves }
            })
    })
}

/// Address `i` of `mechanism`'s plans.
fn address(mechanism: Mechanism, i: usize) -> Address {
    Address {
        name: ADDRESSES[i].to_owned(),
        abstract_name: mechanism == Mechanism::UnixDgram && i == 2,
    }
}

/// The scenario a plan comes to on `mechanism` (unix-dgram or udp): every process makes
/// its socket first, then the moves the state and the implementation's `capabilities`
/// allow, each with the model's outcome as its expectation; a receive still blocked at
/// the end is killed. A plan whose moves all fell away comes to nothing.
pub fn build_datagrams(
    plan: &DatagramPlan,
    mechanism: Mechanism,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let processes: Vec<Process> = (0..plan.processes)
        .map(|i| Process::plain(&format!("p{i}"), Relation::Unrelated))
        .collect();
    let mut recorder = Recorder::new(mechanism, &processes, profile, capabilities)?;
    let socket = Handle("s".to_owned());
    for p in 0..plan.processes {
        let call = SocketCall::Socket {
            name: socket.clone(),
            flags: Vec::new(),
        };
        recorder.take(p, Action::Socket(call));
    }
    for &(p, op) in plan.moves.iter().filter(|(p, _)| *p < plan.processes) {
        recorder.take(p, datagram_action(op, mechanism, &socket, p));
    }
    recorder.finish(
        id,
        mechanism,
        "POSIX XSH socket(), bind(), connect(), sendto(), recvmsg(), poll(), getsockopt(), \
         close(): as the reference model (src/model/datagram.rs) states them",
        &processes,
        plan.processes + 1,
    )
}

/// The socket call a move stands for.
fn datagram_action(op: DatagramOp, mechanism: Mechanism, socket: &Handle, p: usize) -> Action {
    let on = socket.clone();
    let data = |n: u8| payload(p, u64::from(n));
    let address = |a| address(mechanism, a);
    Action::Socket(match op {
        DatagramOp::Bind(a) => SocketCall::Bind { on, to: address(a) },
        DatagramOp::Connect(a) => SocketCall::Connect { on, to: address(a) },
        DatagramOp::SendTo(a, n) => SocketCall::Send {
            on,
            data: data(n),
            to: Some(address(a)),
            flags: Vec::new(),
        },
        DatagramOp::Send(n) => SocketCall::Send {
            on,
            data: data(n),
            to: None,
            flags: Vec::new(),
        },
        DatagramOp::Recv(n, dont_wait, peek) => SocketCall::Recv {
            on,
            len: Size::Bytes(u64::from(n)),
            flags: [(dont_wait, MsgFlag::DontWait), (peek, MsgFlag::Peek)]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, f)| *f)
                .collect(),
        },
        DatagramOp::NonBlocking(enable) => SocketCall::SetNonBlocking { on, enable },
        DatagramOp::Poll(input) => SocketCall::Poll {
            on,
            event: if input { PollEvent::In } else { PollEvent::Out },
        },
        DatagramOp::TakeError => SocketCall::GetOption {
            on,
            option: SockOpt::Error,
        },
        DatagramOp::Close => SocketCall::Close(on),
        DatagramOp::Exit => return Action::Exit,
    })
}
