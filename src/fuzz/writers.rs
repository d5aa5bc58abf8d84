//! Free-running concurrent writers: 2 to 5 processes write tagged records into one pipe
//! at once while a reader reads to the end. No model predicts the interleaving; the
//! property is checked on what arrives (`Expectation::Records`): every record, each
//! writer's in order, records of at most PIPE_BUF bytes unbroken, and in longer records,
//! which may be split, each writer's bytes in order with none lost or repeated. The last writer
//! writes only after the others closed their ends, so end of file that came early
//! loses its records.

use proptest::prelude::*;

use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, End, Expectation, Mechanism, RecordCheck, Scenario, ScenarioBuilder, Size, SizeSymbol,
};

/// A generated run of concurrent writers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WritersPlan {
    /// How many writers (2 to 5).
    pub writers: usize,
    /// The record length: this many bytes, or PIPE_BUF plus `pipe_buf_offset`.
    pub small: Option<u8>,
    /// PIPE_BUF plus this, when `small` is `None` (-1, 0, +1).
    pub pipe_buf_offset: i8,
    /// Records per writer.
    pub count: u32,
}

impl WritersPlan {
    fn len(&self) -> Size {
        match self.small {
            Some(n) => Size::Bytes(u64::from(n)),
            None => Size::plus(SizeSymbol::PipeBuf, i64::from(self.pipe_buf_offset)),
        }
    }
}

/// Plans of 2–5 writers (6 processes with the reader), records of 4–64 bytes or PIPE_BUF±1, 1–24 records each.
pub fn writer_plans() -> impl Strategy<Value = WritersPlan> {
    (2usize..=5, prop::option::of(4u8..=64), -1i8..=1, 1u32..=24).prop_map(
        |(writers, small, pipe_buf_offset, count)| WritersPlan {
            writers,
            small,
            pipe_buf_offset,
            count,
        },
    )
}

/// The scenario of a plan: the reader blocks in `read_to_end`; all writers but the last
/// write their records at once and close; then the last writes and closes; the reader
/// must have every record.
pub fn build_writers(plan: &WritersPlan, profile: &PlatformProfile, id: &str) -> Option<Scenario> {
    let len = plan.len();
    let atomic = profile.resolve(len).ok()? <= profile.pipe_buf;
    let names: Vec<String> = (0..plan.writers).map(|i| format!("w{i}")).collect();
    let records = Action::WriteRecords {
        len,
        count: plan.count,
    };
    let mut builder = ScenarioBuilder::new(id, Mechanism::Pipe)
        .summary("concurrent writers' records all arrive, each writer's in order, unbroken up to PIPE_BUF; end of file waits for the last writer")
        .reference("POSIX XSH write(): writes of at most PIPE_BUF bytes to a pipe are not interleaved with other writers' data; XSH read(): end of file once no process has the pipe open for writing")
        .behaviour("pipe.fuzz-regression")
        .related("reader", &[End::Read]);
    for name in &names {
        builder = builder.related(name, &[End::Write]);
    }
    let (last, first) = names.split_last()?;
    let together = |action: &Action| -> Vec<(&str, Action)> {
        first.iter().map(|n| (n.as_str(), action.clone())).collect()
    };
    builder = builder
        .step(&[("reader", Action::ReadToEnd)], Expectation::Blocks)
        .step(&together(&records), Expectation::Succeeds)
        .step(&together(&Action::Close(End::Write)), Expectation::Succeeds)
        .step(&[(last.as_str(), records.clone())], Expectation::Succeeds)
        .step(
            &[(last.as_str(), Action::Close(End::Write))],
            Expectation::Succeeds,
        )
        .step(
            &[("reader", Action::Await)],
            Expectation::Records(RecordCheck {
                len,
                writers: plan.writers as u32,
                count: plan.count,
                atomic,
            }),
        );
    builder.build().ok()
}
