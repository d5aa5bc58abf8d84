//! Unit tests of the pipe model: each case replays calls on a pipe or a FIFO and checks
//! the outcomes Linux gives (the catalogue and the fuzzer check the same against the
//! kernel).

use super::PipeModel;
use crate::model::outcome::ModelOutcome;
use crate::platform::PlatformProfile;
use crate::scenario::{
    AccessMode, Action, End, Errno, OpenFlag, Payload, Scenario, SignalName, Size,
};

/// A reader (index 0) and a writer (index 1) of one pipe, under the Linux profile.
fn pipe() -> PipeModel {
    let s = crate::scenario::ScenarioBuilder::new("pipe::model", crate::scenario::Mechanism::Pipe)
        .related("reader", &[End::Read])
        .related("writer", &[End::Write])
        .step(
            &[("reader", Action::Close(End::Read))],
            crate::scenario::Expectation::Succeeds,
        )
        .build()
        .expect("a valid scenario");
    model_of(&s)
}

/// The model of `s`'s pipe or FIFO on Linux.
fn model_of(s: &Scenario) -> PipeModel {
    PipeModel::for_processes(
        s.mechanism,
        &s.processes,
        &s.create_flags,
        &PlatformProfile::LINUX,
    )
    .expect("Linux pipes have a capacity")
}

fn apply(m: &mut PipeModel, p: usize, a: Action) -> ModelOutcome {
    m.apply(p, &a, &PlatformProfile::LINUX).expect("modelled")
}

fn write(n: u64) -> Action {
    Action::Write(Payload::Pattern {
        pattern: crate::scenario::Pattern::Seq,
        len: Size::Bytes(n),
    })
}

#[test]
fn a_read_on_an_empty_pipe_blocks_until_a_write() {
    let mut m = pipe();
    assert_eq!(
        apply(&mut m, 0, Action::Read(Size::Bytes(5))),
        ModelOutcome::Blocks
    );
    assert_eq!(
        apply(&mut m, 1, Action::Write(Payload::Text("hi".into()))),
        ModelOutcome::Count(2)
    );
    assert_eq!(
        apply(&mut m, 0, Action::Await),
        ModelOutcome::Bytes(b"hi".to_vec())
    );
}

#[test]
fn end_of_file_only_once_every_write_end_is_closed() {
    let mut m = pipe();
    apply(&mut m, 1, Action::Dup(End::Write));
    apply(&mut m, 1, Action::Close(End::Write));
    assert_eq!(
        apply(&mut m, 0, Action::Read(Size::Bytes(1))),
        ModelOutcome::Blocks
    );
    apply(&mut m, 1, Action::Close(End::Write));
    assert_eq!(
        apply(&mut m, 0, Action::Await),
        ModelOutcome::Bytes(Vec::new())
    );
}

#[test]
fn a_write_with_no_reader_raises_sigpipe() {
    let mut m = pipe();
    apply(&mut m, 0, Action::Close(End::Read));
    assert_eq!(
        apply(&mut m, 1, write(1)),
        ModelOutcome::Killed(SignalName(nix::sys::signal::Signal::SIGPIPE))
    );
}

#[test]
fn room_comes_back_a_page_at_a_time() {
    let mut m = pipe();
    apply(
        &mut m,
        1,
        Action::SetNonBlocking {
            end: End::Write,
            on: true,
        },
    );
    assert_eq!(apply(&mut m, 1, Action::Fill), ModelOutcome::Count(65536));
    // 100 bytes read free no whole page: a PIPE_BUF write cannot go in, nor one byte.
    apply(&mut m, 0, Action::Read(Size::Bytes(100)));
    assert_eq!(
        apply(&mut m, 1, write(1)),
        ModelOutcome::Error(Errno(libc::EAGAIN))
    );
    // The rest of the first page read: a whole page is free again.
    apply(&mut m, 0, Action::Read(Size::Bytes(3996)));
    assert_eq!(apply(&mut m, 1, write(4096)), ModelOutcome::Count(4096));
}

#[test]
fn a_blocking_write_over_capacity_completes_as_the_reader_drains() {
    let mut m = pipe();
    assert_eq!(apply(&mut m, 1, write(65537)), ModelOutcome::Blocks);
    assert_eq!(
        apply(&mut m, 0, Action::ReadExactly(Size::Bytes(65537))).clone(),
        ModelOutcome::Bytes(crate::judge::payload_bytes(
            &Payload::Pattern {
                pattern: crate::scenario::Pattern::Seq,
                len: Size::Bytes(65537)
            },
            &PlatformProfile::LINUX
        ))
    );
    assert_eq!(apply(&mut m, 1, Action::Await), ModelOutcome::Count(65537));
}

/// Where a write of more than PIPE_BUF may go in parts (POSIX lets it interleave and,
/// without waiting, stop early), the model states no count the parts could change.
#[test]
fn counts_a_write_above_pipe_buf_may_change_in_parts_are_not_stated() {
    let declined =
        |m: &mut PipeModel, p: usize, a: Action| m.apply(p, &a, &PlatformProfile::LINUX).is_err();
    // A reader blocked in one read may wake between the parts and return the first.
    let mut m = pipe();
    apply(&mut m, 0, Action::Read(Size::Bytes(8192)));
    assert!(declined(&mut m, 1, write(4097)));
    // Written whole, the odd byte would share the first buffer; in parts it takes a
    // buffer of its own.
    let mut m = pipe();
    apply(&mut m, 1, write(5));
    assert!(declined(&mut m, 1, write(4097)));
    assert_eq!(apply(&mut m, 1, write(4096)), ModelOutcome::Count(4096));
    // Non-blocking: any count from 1 where something fits, EAGAIN where nothing does.
    apply(
        &mut m,
        1,
        Action::SetNonBlocking {
            end: End::Write,
            on: true,
        },
    );
    assert!(declined(&mut m, 1, write(65537)));
    assert_eq!(apply(&mut m, 1, Action::Fill), ModelOutcome::Count(57344));
    assert_eq!(
        apply(&mut m, 1, write(4097)),
        ModelOutcome::Error(Errno(libc::EAGAIN))
    );
}

/// Two unrelated processes of a FIFO, under the Linux profile.
fn fifo() -> PipeModel {
    let s = crate::scenario::ScenarioBuilder::new("fifo::model", crate::scenario::Mechanism::Fifo)
        .unrelated("reader")
        .unrelated("writer")
        .step(
            &[("reader", Action::Mkfifo)],
            crate::scenario::Expectation::Error(Errno(libc::EEXIST)),
        )
        .build()
        .expect("a valid scenario");
    model_of(&s)
}

fn open(mode: AccessMode, nonblock: bool) -> Action {
    Action::Open {
        mode,
        flags: if nonblock {
            vec![OpenFlag::NonBlock]
        } else {
            Vec::new()
        },
    }
}

#[test]
fn opening_a_fifo_waits_for_the_other_side() {
    let mut m = fifo();
    assert_eq!(
        apply(&mut m, 0, open(AccessMode::ReadOnly, false)),
        ModelOutcome::Blocks
    );
    assert_eq!(
        apply(&mut m, 1, open(AccessMode::WriteOnly, false)),
        ModelOutcome::Done
    );
    assert_eq!(apply(&mut m, 0, Action::Await), ModelOutcome::Done);
}

#[test]
fn a_non_blocking_write_open_without_a_reader_fails_with_enxio() {
    let mut m = fifo();
    assert_eq!(
        apply(&mut m, 1, open(AccessMode::WriteOnly, true)),
        ModelOutcome::Error(Errno(libc::ENXIO))
    );
    assert_eq!(
        apply(&mut m, 0, open(AccessMode::ReadOnly, true)),
        ModelOutcome::Done
    );
    assert_eq!(
        apply(&mut m, 1, open(AccessMode::WriteOnly, true)),
        ModelOutcome::Done
    );
}

#[test]
fn a_fifo_forgets_its_bytes_once_every_end_is_closed() {
    let mut m = fifo();
    apply(&mut m, 0, open(AccessMode::ReadWrite, false));
    apply(&mut m, 0, Action::Write(Payload::Text("lost".into())));
    apply(&mut m, 0, Action::Close(End::Read));
    apply(&mut m, 0, open(AccessMode::ReadOnly, true));
    assert_eq!(
        apply(&mut m, 0, Action::Read(Size::Bytes(4))),
        ModelOutcome::Bytes(Vec::new())
    );
}
