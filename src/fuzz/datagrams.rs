//! Plans for Unix datagram sockets: 2 to 4 unrelated processes, each with one socket
//! `s`, bind, connect, send and receive among three addresses (two paths and an abstract
//! name), close and exit. As for pipes, every expectation is the reference model's
//! (src/model/datagram.rs), and a move the state does not allow is dropped.

use proptest::prelude::*;

use super::plan::{await_finished, expectation, payload};
use crate::mechanism::Capability;
use crate::model::{PlatformProfile, ReferenceModel};
use crate::scenario::{
    Action, Address, Expectation, Handle, Mechanism, MsgFlag, Process, ProcessName, Relation,
    Scenario, ScenarioBuilder, SigPipe, SignalName, Size, SocketCall,
};

/// The addresses plans use: two paths and a Linux abstract name.
const ADDRESSES: [(&str, bool); 3] = [("a", false), ("b", false), ("c", true)];

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
    /// Close the socket.
    Close,
    /// Leave.
    Exit,
}

/// A generated plan for datagram sockets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatagramPlan {
    /// How many processes (2 to 4).
    pub processes: usize,
    /// The moves `(process, op)`; one by a process the plan does not have is dropped.
    pub moves: Vec<(usize, DatagramOp)>,
}

fn op() -> impl Strategy<Value = DatagramOp> {
    let address = 0..ADDRESSES.len();
    prop_oneof![
        3 => address.clone().prop_map(DatagramOp::Bind),
        1 => address.clone().prop_map(DatagramOp::Connect),
        4 => (address, 0u8..=24).prop_map(|(a, n)| DatagramOp::SendTo(a, n)),
        1 => (0u8..=24).prop_map(DatagramOp::Send),
        4 => (0u8..=24, any::<bool>(), any::<bool>())
            .prop_map(|(n, dont_wait, peek)| DatagramOp::Recv(n, dont_wait, peek)),
        1 => any::<bool>().prop_map(DatagramOp::NonBlocking),
        1 => Just(DatagramOp::Close),
        1 => Just(DatagramOp::Exit),
    ]
}

/// Plans of 2 to `max_processes` processes and up to `max_moves` moves.
pub fn datagram_plans(
    max_processes: usize,
    max_moves: usize,
) -> impl Strategy<Value = DatagramPlan> {
    let most = max_processes.clamp(2, 4);
    (
        2..=most,
        prop::collection::vec((0..most, op()), 1..=max_moves.max(1)),
    )
        .prop_map(|(processes, moves)| DatagramPlan { processes, moves })
}

fn address(i: usize) -> Address {
    let (name, abstract_name) = ADDRESSES[i];
    Address {
        name: name.to_owned(),
        abstract_name,
    }
}

/// The scenario a plan comes to: every process makes its socket first, then the moves
/// the state and the implementation's `capabilities` allow, each with the model's
/// outcome as its expectation; a receive still blocked at the end is killed.
pub fn build_datagrams(
    plan: &DatagramPlan,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let processes: Vec<Process> = (0..plan.processes)
        .map(|i| Process {
            name: ProcessName(format!("p{i}")),
            relation: Relation::Unrelated,
            keeps: Vec::new(),
            host: None,
            keeps_pair: Vec::new(),
            sigpipe: SigPipe::Default,
            handles: Vec::new(),
        })
        .collect();
    let mut model =
        ReferenceModel::for_processes(Mechanism::UnixDgram, &processes, &[], profile).ok()?;
    let socket = Handle("s".to_owned());
    let mut steps: Vec<(usize, Action, Expectation)> = Vec::new();
    let made = (0..plan.processes).map(|p| {
        let call = SocketCall::Socket {
            name: socket.clone(),
            flags: Vec::new(),
        };
        (p, None::<DatagramOp>, Some(Action::Socket(call)))
    });
    let moves = plan
        .moves
        .iter()
        .filter(|(p, _)| *p < plan.processes)
        .map(|&(p, op)| (p, Some(op), None));
    for (p, op, action) in made.chain(moves) {
        let Some(action) = action.or_else(|| op.and_then(|op| datagram_action(op, &socket, p)))
        else {
            continue;
        };
        if !model.idle(p) {
            continue;
        }
        let mut needs = Vec::new();
        crate::mechanism::action_capabilities(&action, &mut needs);
        if needs.iter().any(|c| !capabilities.contains(c)) {
            continue;
        }
        let mut next = model.clone();
        let Ok(outcome) = next.apply(p, &action, profile) else {
            continue;
        };
        model = next;
        steps.push((p, action, expectation(&outcome)));
        await_finished(&mut model, &mut steps, profile);
    }
    for p in 0..plan.processes {
        if model.blocked(p) {
            let kill = Action::Kill(SignalName(nix::sys::signal::Signal::SIGKILL));
            let outcome = model.apply(p, &kill, profile).ok()?;
            steps.push((p, kill, expectation(&outcome)));
            await_finished(&mut model, &mut steps, profile);
        }
    }
    if steps.len() <= plan.processes {
        return None;
    }
    let mut builder = ScenarioBuilder::new(id, Mechanism::UnixDgram)
        .summary("generated by the fuzzer; every expectation is the reference model's")
        .behaviour("unix-dgram.fuzz-regression")
        .step_timeout(std::time::Duration::from_millis(500))
        .reference(
            "POSIX XSH socket(), bind(), connect(), sendto(), recvmsg(), close(): as the \
             reference model (src/model/datagram.rs) states them",
        );
    for process in &processes {
        builder = builder.process(process.clone());
    }
    for (p, action, expect) in steps {
        builder = builder.step(&[(processes[p].name.0.as_str(), action)], expect);
    }
    builder.build().ok()
}

/// The socket call a move stands for.
fn datagram_action(op: DatagramOp, socket: &Handle, p: usize) -> Option<Action> {
    let on = socket.clone();
    let data = |n: u8| payload(p, u64::from(n));
    Some(Action::Socket(match op {
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
        DatagramOp::Close => SocketCall::Close(on),
        DatagramOp::Exit => return Some(Action::Exit),
    }))
}
