//! The raw serde shapes of a scenario file, keeping every span that validation and its
//! messages point at.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::tagged::tagged_enum;
use crate::scenario::errno::{Errno, SignalName};
use crate::scenario::model::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub(super) format_version: Spanned<u32>,
    pub(super) summary: String,
    pub(super) reference: String,
    #[serde(default)]
    pub(super) behaviours: Vec<String>,
    pub(super) mechanism: Spanned<Mechanism>,
    #[serde(default)]
    pub(super) requires: Vec<Feature>,
    #[serde(default)]
    pub(super) create: Option<RawCreate>,
    #[serde(default)]
    pub(super) region: Option<Spanned<RawRegion>>,
    #[serde(default)]
    pub(super) step_timeout_ms: Option<u64>,
    pub(super) processes: Spanned<OrderedMap<Spanned<RawProcess>>>,
    #[serde(default)]
    pub(super) step: Steps,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCreate {
    pub(super) flags: Spanned<Vec<OpenFlag>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegion {
    #[serde(default)]
    pub(super) size: Option<u64>,
    #[serde(default)]
    pub(super) map: Option<Sharing>,
}

impl RawRegion {
    pub(super) fn lower(self) -> RegionSpec {
        let default = RegionSpec::default();
        RegionSpec {
            len: self.size.unwrap_or(default.len),
            sharing: self.map.unwrap_or(default.sharing),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProcess {
    #[serde(default)]
    pub(super) relation: Relation,
    #[serde(default)]
    pub(super) keeps: Option<Spanned<Vec<End>>>,
    #[serde(default)]
    pub(super) sigpipe: SigPipe,
    #[serde(default)]
    pub(super) handles: Vec<SignalName>,
}

/// A table whose key order matters (processes are listed in the order written).
///
/// The toml crate keeps the written order only with its `preserve_order` feature; without
/// it every table arrives sorted by key, and so do the processes.
pub(super) struct OrderedMap<V>(pub(super) Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(OrderedMap(entries))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

/// The steps: an array of `[[step]]` tables.
#[derive(Default)]
pub(super) struct Steps(pub(super) Vec<Spanned<RawStep>>);

impl<'de> Deserialize<'de> for Steps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StepsVisitor;
        impl<'de> Visitor<'de> for StepsVisitor {
            type Value = Steps;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of tables, each step headed `[[step]]`")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Steps, A::Error> {
                let mut steps = Vec::new();
                while let Some(step) = seq.next_element()? {
                    steps.push(step);
                }
                Ok(Steps(steps))
            }
        }
        d.deserialize_seq(StepsVisitor)
    }
}

/// A step: `expect`, `note`, and every other key a process name with its action.
pub(super) struct RawStep {
    pub(super) actions: Vec<(Spanned<String>, Spanned<RawAction>)>,
    pub(super) expect: Option<Spanned<RawExpect>>,
    pub(super) note: Option<String>,
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl<'de> Visitor<'de> for StepVisitor {
            type Value = RawStep;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a step: process = action, and expect")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
                let mut step = RawStep {
                    actions: Vec::new(),
                    expect: None,
                    note: None,
                };
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    match key.get_ref().as_str() {
                        "expect" => step.expect = Some(map.next_value()?),
                        "note" => step.note = Some(map.next_value()?),
                        _ => step.actions.push((key, map.next_value()?)),
                    }
                }
                if step.actions.is_empty() {
                    return Err(de::Error::custom(
                        "a step needs at least one `process = action`; this one has none",
                    ));
                }
                Ok(step)
            }
        }
        d.deserialize_map(StepVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEndFlag {
    end: End,
    flag: FdFlag,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetPipeSize {
    end: End,
    size: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoll {
    end: End,
    event: PollEvent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOpen {
    mode: AccessMode,
    #[serde(default)]
    flags: Vec<OpenFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    at: u64,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLoad {
    at: u64,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStoreU64 {
    at: u64,
    value: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAt {
    at: u64,
}

fn once() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetchAdd {
    at: u64,
    value: u64,
    #[serde(default = "once")]
    times: u32,
}

fn offset_zero() -> u64 {
    0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPread {
    end: End,
    #[serde(default = "offset_zero")]
    at: u64,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPwrite {
    end: End,
    #[serde(default = "offset_zero")]
    at: u64,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReadOn {
    end: End,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWriteOn {
    end: End,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFtruncate {
    end: End,
    len: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecords {
    len: Size,
    count: u32,
}

tagged_enum! {
    pub(super) enum RawAction {
        what: "action",
        expecting: "an action: a name such as \"completes\", or a table such as { read = 5 }",
        one_only: "a process does one action per step",
        Read(Size) = "read",
        ReadExactly(Size) = "read_exactly",
        ReadToEnd = "read_to_end",
        Write(Payload) = "write",
        WriteRecords(RawRecords) = "write_records",
        Fill = "fill",
        Close(End) = "close",
        SetNonblocking(End) = "set_nonblocking",
        ClearNonblocking(End) = "clear_nonblocking",
        GetFlag(RawEndFlag) = "get_flag",
        FpathconfPipeBuf(End) = "fpathconf_pipe_buf",
        Fionread = "fionread",
        GetPipeSize(End) = "get_pipe_size",
        SetPipeSize(RawSetPipeSize) = "set_pipe_size",
        Lseek(End) = "lseek",
        Pread(RawPread) = "pread",
        Pwrite(RawPwrite) = "pwrite",
        ReadOn(RawReadOn) = "read_on",
        WriteOn(RawWriteOn) = "write_on",
        Poll(RawPoll) = "poll",
        Mkfifo = "mkfifo",
        Open(RawOpen) = "open",
        Unlink = "unlink",
        Ftruncate(RawFtruncate) = "ftruncate",
        Exit = "exit",
        Store(RawStore) = "store",
        Load(RawLoad) = "load",
        StoreU64(RawStoreU64) = "store_u64",
        LoadU64(RawAt) = "load_u64",
        FetchAddU64(RawFetchAdd) = "fetch_add_u64",
        Mprotect(Vec<Prot>) = "mprotect",
        Munmap = "munmap",
        Mmap = "mmap",
        Msync = "msync",
        ShmOpen(RawOpen) = "shm_open",
        ShmUnlink = "shm_unlink",
        FstatSize(End) = "fstat_size",
        Shmat = "shmat",
        Shmdt = "shmdt",
        ShmctlRmid = "shmctl_rmid",
        Dup(End) = "dup",
        SetCloexec(End) = "set_cloexec",
        Exec = "exec",
        Kill(SignalName) = "kill",
        Completes = "completes",
    }
}

impl RawAction {
    pub(super) fn lower(self) -> Action {
        match self {
            RawAction::Read(n) => Action::Read(n),
            RawAction::ReadExactly(n) => Action::ReadExactly(n),
            RawAction::ReadToEnd => Action::ReadToEnd,
            RawAction::Write(p) => Action::Write(p),
            RawAction::WriteRecords(r) => Action::WriteRecords {
                len: r.len,
                count: r.count,
            },
            RawAction::Fill => Action::Fill,
            RawAction::Close(e) => Action::Close(e),
            RawAction::SetNonblocking(end) => Action::SetNonBlocking { end, on: true },
            RawAction::ClearNonblocking(end) => Action::SetNonBlocking { end, on: false },
            RawAction::GetFlag(r) => Action::GetFlag {
                end: r.end,
                flag: r.flag,
            },
            RawAction::FpathconfPipeBuf(e) => Action::PipeBufOf(e),
            RawAction::Fionread => Action::FionRead,
            RawAction::GetPipeSize(e) => Action::GetPipeSize(e),
            RawAction::SetPipeSize(r) => Action::SetPipeSize {
                end: r.end,
                size: r.size,
            },
            RawAction::Lseek(e) => Action::Lseek(e),
            RawAction::Pread(r) => Action::Pread {
                end: r.end,
                at: r.at,
                len: r.len,
            },
            RawAction::Pwrite(r) => Action::Pwrite {
                end: r.end,
                at: r.at,
                data: r.data,
            },
            RawAction::ReadOn(r) => Action::ReadOn {
                end: r.end,
                len: r.len,
            },
            RawAction::WriteOn(r) => Action::WriteOn {
                end: r.end,
                data: r.data,
            },
            RawAction::Poll(r) => Action::Poll {
                end: r.end,
                event: r.event,
            },
            RawAction::Mkfifo => Action::Mkfifo,
            RawAction::Open(r) => Action::Open {
                mode: r.mode,
                flags: r.flags,
            },
            RawAction::Unlink => Action::Unlink,
            RawAction::Ftruncate(r) => Action::Ftruncate {
                end: r.end,
                len: r.len,
            },
            RawAction::Exit => Action::Exit,
            RawAction::Store(r) => Action::Store {
                at: r.at,
                data: r.data,
            },
            RawAction::Load(r) => Action::Load {
                at: r.at,
                len: r.len,
            },
            RawAction::StoreU64(r) => Action::StoreU64 {
                at: r.at,
                value: r.value,
            },
            RawAction::LoadU64(r) => Action::LoadU64 { at: r.at },
            RawAction::FetchAddU64(r) => Action::FetchAddU64 {
                at: r.at,
                value: r.value,
                times: r.times,
            },
            RawAction::Mprotect(p) => Action::Mprotect(p),
            RawAction::Munmap => Action::Munmap,
            RawAction::Mmap => Action::Mmap,
            RawAction::Msync => Action::Msync,
            RawAction::ShmOpen(r) => Action::ShmOpen {
                mode: r.mode,
                flags: r.flags,
            },
            RawAction::ShmUnlink => Action::ShmUnlink,
            RawAction::FstatSize(e) => Action::FstatSize(e),
            RawAction::Shmat => Action::Shmat,
            RawAction::Shmdt => Action::Shmdt,
            RawAction::ShmctlRmid => Action::ShmctlRmid,
            RawAction::Dup(e) => Action::Dup(e),
            RawAction::SetCloexec(e) => Action::SetCloExec(e),
            RawAction::Exec => Action::Exec,
            RawAction::Kill(s) => Action::Kill(s),
            RawAction::Completes => Action::Await,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecordCheck {
    len: Size,
    writers: u32,
    count: u32,
    atomic: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlatform {
    linux: Option<Box<RawExpect>>,
    macos: Option<Box<RawExpect>>,
}

/// The two inclusive bounds of `returns_between`.
pub(super) struct Bounds(Size, Size);

impl<'de> Deserialize<'de> for Bounds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct BoundsVisitor;
        impl<'de> Visitor<'de> for BoundsVisitor {
            type Value = Bounds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("two sizes, [LOW, HIGH]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bounds, A::Error> {
                let low = seq.next_element()?;
                let high = seq.next_element()?;
                let more = seq.next_element::<de::IgnoredAny>()?.is_some();
                match (low, high) {
                    (Some(low), Some(high)) if !more => Ok(Bounds(low, high)),
                    (low, high) => {
                        let n = usize::from(low.is_some()) + usize::from(high.is_some());
                        let found = if more {
                            "more than 2".to_owned()
                        } else {
                            n.to_string()
                        };
                        Err(de::Error::custom(format!(
                            "expected two sizes, [LOW, HIGH], found {found}"
                        )))
                    }
                }
            }
        }
        d.deserialize_seq(BoundsVisitor)
    }
}

tagged_enum! {
    pub(super) enum RawExpect {
        what: "expectation",
        expecting: "an expectation: a name such as \"succeeds\", or a table such as { returns = 5 }",
        one_only: "a step has one expectation; for a choice of outcomes write { any_of = [...] }",
        Blocks = "blocks",
        Succeeds = "succeeds",
        Returns(Size) = "returns",
        ReturnsBetween(Bounds) = "returns_between",
        ReturnsAtLeast(Size) = "returns_at_least",
        Data(Payload) = "data",
        Eof = "eof",
        Error(Errno) = "error",
        Signal(SignalName) = "signal",
        Records(RawRecordCheck) = "records",
        AnyOf(Vec<RawExpect>) = "any_of",
        Platform(RawPlatform) = "platform",
    }
}

impl RawExpect {
    pub(super) fn lower(self) -> Expectation {
        match self {
            RawExpect::Blocks => Expectation::Blocks,
            RawExpect::Succeeds => Expectation::Succeeds,
            RawExpect::Eof => Expectation::Eof,
            RawExpect::Returns(n) => Expectation::Returns(n),
            RawExpect::ReturnsBetween(Bounds(lo, hi)) => Expectation::ReturnsBetween(lo, hi),
            RawExpect::ReturnsAtLeast(n) => Expectation::ReturnsAtLeast(n),
            RawExpect::Data(p) => Expectation::Data(p),
            RawExpect::Error(e) => Expectation::Error(e),
            RawExpect::Signal(s) => Expectation::Signal(s),
            RawExpect::Records(r) => Expectation::Records(RecordCheck {
                len: r.len,
                writers: r.writers,
                count: r.count,
                atomic: r.atomic,
            }),
            RawExpect::AnyOf(v) => {
                Expectation::AnyOf(v.into_iter().map(RawExpect::lower).collect())
            }
            RawExpect::Platform(p) => Expectation::Platform(PlatformExpectation {
                linux: p.linux.map(|e| Box::new(e.lower())),
                macos: p.macos.map(|e| Box::new(e.lower())),
            }),
        }
    }
}
