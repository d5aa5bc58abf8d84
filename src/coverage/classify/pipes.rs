//! The cells a call on a pipe or a FIFO fills: counts and lengths against PIPE_BUF and
//! the capacity, the ends, the flags of `open`, and the pipe's state.

use super::{access_mode, bytes, fd_flag, flag, poll_event, queue_class, Hit, PROFILE};
use crate::coverage::axes::{ANY, CALLED};
use crate::model::{CallState, Peer};
use crate::platform::{Size, SizeSymbol};
use crate::scenario::{Action, End, OpenFlag};

fn end_name(end: End) -> &'static str {
    match end {
        End::Read => "read end",
        _ => "write end",
    }
}

/// The cells `action` fills, meeting `state`.
pub(super) fn hits(action: &Action, state: Option<&CallState>) -> Vec<Hit> {
    let queue = state.and_then(|s| s.queue);
    let pipe = queue.as_ref().map(|q| ("pipe", queue_class(q)));
    let peer = |axis: &'static str, present: &'static str, gone: &'static str| {
        state.and_then(|s| s.peer).map(|p| {
            (
                axis,
                match p {
                    Peer::Present => present,
                    _ => gone,
                },
            )
        })
    };
    let writers = peer("writers", "a writer open", "no writer");
    let readers = peer("readers", "a reader open", "no reader");
    let nonblock = state
        .and_then(|s| s.nonblock)
        .map(|on| flag("O_NONBLOCK", on));
    let count = |n: Size| {
        bytes(n).map(|n| {
            (
                "count",
                match n {
                    0 => "0",
                    n if n < PROFILE.pipe_buf => "1 to PIPE_BUF-1",
                    n if n == PROFILE.pipe_buf => "PIPE_BUF",
                    _ => "over PIPE_BUF",
                },
            )
        })
    };
    let hits: Vec<Option<Hit>> = match action {
        Action::Read(n) => {
            let vs = queue.filter(|q| !q.empty).zip(bytes(*n)).map(|(q, n)| {
                (
                    "count against the bytes queued",
                    match n.cmp(&q.len) {
                        std::cmp::Ordering::Less => "fewer than queued",
                        std::cmp::Ordering::Equal => "as many as queued",
                        std::cmp::Ordering::Greater => "more than queued",
                    },
                )
            });
            vec![count(*n), vs, pipe, writers, nonblock]
        }
        Action::ReadExactly(n) => vec![count(*n), pipe, writers],
        Action::ReadToEnd => vec![pipe, writers],
        Action::Write(data) => vec![write_length(data.len()), pipe, readers, nonblock],
        Action::WriteRecords { len, .. } => vec![bytes(*len).map(|n| {
            (
                "record length",
                match n {
                    n if n < PROFILE.pipe_buf => "1 to PIPE_BUF-1",
                    n if n == PROFILE.pipe_buf => "PIPE_BUF",
                    _ => "over PIPE_BUF",
                },
            )
        })],
        Action::Fill | Action::FionRead => vec![pipe],
        Action::Close(end) => vec![Some(("end", end_name(*end))), pipe],
        Action::SetNonBlocking { end, .. }
        | Action::PipeBufOf(end)
        | Action::Lseek(end)
        | Action::Pread { end, .. }
        | Action::Pwrite { end, .. }
        | Action::ReadOn { end, .. }
        | Action::WriteOn { end, .. } => vec![Some(("end", end_name(*end)))],
        Action::GetFlag { flag, .. } => vec![Some(("flag", fd_flag(*flag)))],
        Action::SetPipeSize { size, .. } => vec![
            bytes(*size).map(|n| {
                let capacity = PROFILE.pipe_capacity.unwrap_or(u64::MAX);
                (
                    "size",
                    match n.cmp(&capacity) {
                        std::cmp::Ordering::Less => "below the capacity",
                        std::cmp::Ordering::Equal => "the capacity",
                        std::cmp::Ordering::Greater => "above the capacity",
                    },
                )
            }),
            pipe,
        ],
        Action::Poll { event, .. } => vec![
            Some(("event", poll_event(*event))),
            pipe,
            peer("the other end", "open", "gone"),
        ],
        Action::Open { mode, flags } => vec![
            Some(("mode", access_mode(*mode))),
            Some(flag("O_NONBLOCK", flags.contains(&OpenFlag::NonBlock))),
            Some(flag("O_CLOEXEC", flags.contains(&OpenFlag::CloExec))),
            peer("the other side", "present", "absent"),
        ],
        // A call that takes nothing that changes what it does.
        _ => vec![Some((CALLED, ANY))],
    };
    hits.into_iter().flatten().collect()
}

fn write_length(len: Size) -> Option<Hit> {
    if let Size::Symbol {
        times: 1,
        symbol: SizeSymbol::PipeCapacity,
        offset,
    } = len
    {
        // The capacity is the object's, measured at set-up: only its name says which.
        return Some((
            "length",
            match offset {
                0 => "the capacity",
                o if o > 0 => "over the capacity",
                _ => "PIPE_BUF+1 to capacity-1",
            },
        ));
    }
    let capacity = PROFILE.pipe_capacity.unwrap_or(u64::MAX);
    bytes(len).map(|n| {
        (
            "length",
            match n {
                0 => "0",
                n if n < PROFILE.pipe_buf => "1 to PIPE_BUF-1",
                n if n == PROFILE.pipe_buf => "PIPE_BUF",
                n if n < capacity => "PIPE_BUF+1 to capacity-1",
                n if n == capacity => "the capacity",
                _ => "over the capacity",
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::zero(Size::Bytes(0), "0")]
    #[case::small(Size::Bytes(100), "1 to PIPE_BUF-1")]
    #[case::pipe_buf(Size::of(SizeSymbol::PipeBuf), "PIPE_BUF")]
    #[case::pipe_buf_plus_one(Size::plus(SizeSymbol::PipeBuf, 1), "PIPE_BUF+1 to capacity-1")]
    #[case::capacity(Size::of(SizeSymbol::PipeCapacity), "the capacity")]
    #[case::capacity_less_one(Size::plus(SizeSymbol::PipeCapacity, -1), "PIPE_BUF+1 to capacity-1")]
    #[case::over_capacity(Size::plus(SizeSymbol::PipeCapacity, 1), "over the capacity")]
    #[case::linux_capacity_as_a_number(Size::Bytes(65536), "the capacity")]
    fn write_lengths_fall_in_their_class(#[case] len: Size, #[case] class: &str) {
        assert_eq!(write_length(len), Some(("length", class)));
    }
}
