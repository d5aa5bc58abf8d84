//! The socketpair model's tests: calls on one pair from several processes, each
//! answered as the kernel answers it.

use super::*;
use crate::scenario::{Action, Payload, ProcessName, ShutdownHow, Size};

/// Process 0 holds the ends `first` names, process 1 the right end.
fn pair(first: &[usize]) -> SocketPairModel {
    let holder = |name: &str, ends: &[usize]| Process {
        name: ProcessName(name.to_owned()),
        relation: Relation::Related,
        keeps: Vec::new(),
        host: None,
        keeps_pair: ends.iter().map(|&i| Handle::pair(i)).collect(),
        sigpipe: SigPipe::Ignore,
        handles: Vec::new(),
        stdin: crate::scenario::Stdin::DevNull,
    };
    SocketPairModel::for_processes(
        &[holder("a", first), holder("b", &[1])],
        &PlatformProfile::LINUX,
    )
    .expect("modelled")
}

fn call(m: &mut SocketPairModel, p: usize, call: SocketCall) -> Answer {
    m.apply(p, &Action::Socket(call), &PlatformProfile::LINUX)
}

fn pass_left_over_itself(m: &mut SocketPairModel) {
    let pass = SocketCall::SendFd {
        on: Handle::pair(0),
        fd: Handle::pair(0),
    };
    assert_eq!(call(m, 0, pass), Ok(ModelOutcome::Done));
    assert_eq!(
        call(m, 0, SocketCall::Close(Handle::pair(0))),
        Ok(ModelOutcome::Done)
    );
}

/// The Unix stream rules side by side: process 0 holds end 0, process 1 end 1; the
/// calls run in turn and the last one's answer is checked (`None`: outside).
#[rstest::rstest]
#[case::close_unread_linux(LINUX, vec![(1, send(1, "x")), (0, close(0)), (1, recv(1, 8))], Some(error(libc::ECONNRESET)))]
#[case::close_unread_macos(MACOS, vec![(1, send(1, "x")), (0, close(0)), (1, recv(1, 8))], Some(ModelOutcome::Bytes(Vec::new())))]
#[case::shutdown_twice_linux(LINUX, vec![(0, shut(0, ShutdownHow::Write)), (0, shut(0, ShutdownHow::Write))], Some(ModelOutcome::Done))]
#[case::shutdown_twice_macos(MACOS, vec![(0, shut(0, ShutdownHow::Write)), (0, shut(0, ShutdownHow::Write))], Some(error(libc::ENOTCONN)))]
#[case::shutdown_peer_gone_macos(MACOS, vec![(1, close(1)), (0, shut(0, ShutdownHow::Write))], Some(error(libc::ENOTCONN)))]
#[case::shut_rd_linux(LINUX, vec![(0, shut(0, ShutdownHow::Read))], Some(ModelOutcome::Done))]
#[case::shut_rd_macos(MACOS, vec![(0, shut(0, ShutdownHow::Read))], None)]
#[case::empty_receive_linux(LINUX, vec![(0, recv(0, 0))], Some(ModelOutcome::Blocks))]
#[case::empty_receive_macos(MACOS, vec![(0, recv(0, 0))], None)]
fn unix_stream_rules(
    #[case] profile: &PlatformProfile,
    #[case] calls: Vec<(usize, SocketCall)>,
    #[case] expected: Option<ModelOutcome>,
) {
    let process = |name: &str, end: usize| Process {
        name: ProcessName(name.to_owned()),
        relation: Relation::Related,
        keeps: Vec::new(),
        host: None,
        keeps_pair: vec![Handle::pair(end)],
        sigpipe: SigPipe::Ignore,
        handles: Vec::new(),
        stdin: crate::scenario::Stdin::DevNull,
    };
    let mut m = SocketPairModel::for_processes(&[process("a", 0), process("b", 1)], profile)
        .expect("modelled");
    let (last, before) = calls.split_last().expect("a call");
    for (p, c) in before {
        assert!(
            m.apply(*p, &Action::Socket(c.clone()), profile).is_ok(),
            "{c:?}"
        );
    }
    assert_eq!(
        m.apply(last.0, &Action::Socket(last.1.clone()), profile)
            .ok(),
        expected
    );
}

const LINUX: &PlatformProfile = &PlatformProfile::LINUX;
const MACOS: &PlatformProfile = &PlatformProfile::MACOS;

fn send(end: usize, text: &str) -> SocketCall {
    SocketCall::Send {
        on: Handle::pair(end),
        data: Payload::Text(text.to_owned()),
        to: None,
        flags: Vec::new(),
    }
}

fn recv(end: usize, len: u64) -> SocketCall {
    recv_on(Handle::pair(end), len)
}

fn recv_on(on: Handle, len: u64) -> SocketCall {
    SocketCall::Recv {
        on,
        len: Size::Bytes(len),
        flags: Vec::new(),
    }
}

fn close(end: usize) -> SocketCall {
    SocketCall::Close(Handle::pair(end))
}

fn shut(end: usize, how: ShutdownHow) -> SocketCall {
    SocketCall::Shutdown {
        on: Handle::pair(end),
        how,
    }
}

fn error(errno: i32) -> ModelOutcome {
    ModelOutcome::Error(Errno(errno))
}

#[test]
fn a_received_end_is_the_end_that_was_sent() {
    let mut m = pair(&[0]);
    pass_left_over_itself(&mut m);
    let take = SocketCall::RecvFd {
        on: Handle::pair(1),
        name: m.next_received(1),
    };
    assert_eq!(call(&mut m, 1, take), Ok(ModelOutcome::Done));
    let r0 = m.received(1).expect("b holds what it received");
    let send = SocketCall::Send {
        on: r0.clone(),
        data: Payload::Text("hi".to_owned()),
        to: None,
        flags: Vec::new(),
    };
    assert_eq!(call(&mut m, 1, send), Ok(ModelOutcome::Count(2)));
    let recv = |on: Handle| SocketCall::Recv {
        on,
        len: Size::Bytes(8),
        flags: Vec::new(),
    };
    assert_eq!(
        call(&mut m, 1, recv(Handle::pair(1))),
        Ok(ModelOutcome::Bytes(b"hi".to_vec()))
    );
    assert_eq!(
        call(&mut m, 1, SocketCall::Close(r0)),
        Ok(ModelOutcome::Done)
    );
    assert_eq!(
        call(&mut m, 1, recv(Handle::pair(1))),
        Ok(ModelOutcome::Bytes(Vec::new()))
    );
}

#[test]
fn a_byte_without_a_descriptor_fails_a_blocked_recv_fd() {
    let mut m = pair(&[0]);
    let take = SocketCall::RecvFd {
        on: Handle::pair(1),
        name: m.next_received(1),
    };
    assert_eq!(call(&mut m, 1, take), Ok(ModelOutcome::Blocks));
    let send = SocketCall::Send {
        on: Handle::pair(0),
        data: Payload::Text("xy".to_owned()),
        to: None,
        flags: Vec::new(),
    };
    assert_eq!(call(&mut m, 0, send), Ok(ModelOutcome::Count(2)));
    let completes = m.apply(1, &Action::Await, &PlatformProfile::LINUX);
    assert_eq!(completes, Ok(ModelOutcome::Error(Errno(libc::EBADMSG))));
    assert_eq!(m.received(1), None);
}

/// A blocked read of a received descriptor is judged on its one call, which may
/// return with the first piece of a send made in pieces: a send of several bytes
/// through the pair to it is outside the model; one byte comes whole, and so do
/// several to a receive of the implementation's, which the driver reads on for.
#[test]
fn a_blocked_read_of_a_received_descriptor_takes_no_send_in_pieces() {
    let mut m = pair(&[0, 1]);
    let pass = SocketCall::SendFd {
        on: Handle::pair(0),
        fd: Handle::pair(0),
    };
    assert_eq!(call(&mut m, 0, pass), Ok(ModelOutcome::Done));
    let take = SocketCall::RecvFd {
        on: Handle::pair(1),
        name: m.next_received(1),
    };
    assert_eq!(call(&mut m, 1, take), Ok(ModelOutcome::Done));
    let r0 = m.received(1).expect("b holds the left end it received");
    assert_eq!(call(&mut m, 1, recv_on(r0, 8)), Ok(ModelOutcome::Blocks));
    let several = call(&mut m, 0, send(1, "xy"));
    assert!(matches!(several, Err(Unmodelled::Action(_))), "{several:?}");
    assert_eq!(call(&mut m, 0, send(1, "x")), Ok(ModelOutcome::Count(1)));
    let completes = m.apply(1, &Action::Await, &PlatformProfile::LINUX);
    assert_eq!(completes, Ok(ModelOutcome::Bytes(b"x".to_vec())));
    assert_eq!(call(&mut m, 0, recv(0, 8)), Ok(ModelOutcome::Blocks));
    assert_eq!(call(&mut m, 1, send(1, "xy")), Ok(ModelOutcome::Count(2)));
    let completes = m.apply(0, &Action::Await, &PlatformProfile::LINUX);
    assert_eq!(completes, Ok(ModelOutcome::Bytes(b"xy".to_vec())));
}

#[test]
fn an_end_only_its_own_queue_keeps_is_left_to_the_garbage_collector() {
    let mut m = pair(&[0, 1]);
    // Sent over the left end, the right end's descriptor waits in the right end's
    // own queue.
    let pass = SocketCall::SendFd {
        on: Handle::pair(0),
        fd: Handle::pair(1),
    };
    assert_eq!(call(&mut m, 0, pass), Ok(ModelOutcome::Done));
    // b still holds the right end, so it could receive the descriptor.
    assert_eq!(
        call(&mut m, 0, SocketCall::Close(Handle::pair(1))),
        Ok(ModelOutcome::Done)
    );
    // Once b is gone, only the descriptor in flight keeps the right end, and nobody
    // can receive it.
    let exit = m.apply(1, &Action::Exit, &PlatformProfile::LINUX);
    assert!(matches!(exit, Err(Unmodelled::Schedule(_))), "{exit:?}");
}
