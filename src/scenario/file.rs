//! The TOML file format: raw serde shapes that keep every span, lowered to the model.
//!
//! Enums are externally tagged (`{ read = 5 }`, `"completes"`), never untagged or
//! flattened, so the toml deserializer can point at the exact key or value that is wrong.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::errno::{Errno, SignalName};
use super::error::{LoadError, Located};
use super::model::*;
use super::validate;

/// The only version of the format so far.
pub const FORMAT_VERSION: u32 = 1;

/// Parse and validate one scenario file's text. `path` names it in errors and gives the
/// test id (`mechanism::file_stem`).
pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    let locate =
        |span: Range<usize>, message: String| LoadError::malformed(path, text, span, message);
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        let span = e.span();
        if let Some(Located { span, message }) = span
            .as_ref()
            .and_then(|at| unknown_step_key(text, at.start))
        {
            return locate(span, message);
        }
        let message = polish(text, span.clone(), e.message());
        locate(span.unwrap_or(0..0), message)
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    lower(raw, stem, Some(path)).map_err(|Located { span, message }| locate(span, message))
}

/// A step key that names no process.
fn unknown_process<'a>(key: &Spanned<String>, processes: impl Iterator<Item = &'a str>) -> Located {
    let names: Vec<String> = processes.map(|p| format!("`{p}`")).collect();
    Located::new(
        key.span(),
        format!(
            "unknown process `{}`; the keys of a step are `expect`, `note` and the processes it runs: {}",
            key.get_ref(),
            names.join(", ")
        ),
    )
}

/// When the full parse fails at `error_at`, a step key before it that names no process
/// explains the failure better than what its value was taken for: `expct = "blocks"` is a
/// misspelt `expect`, not an unknown action. Reads only the keys of `[processes]` and of
/// the steps, and gives up on anything else.
fn unknown_step_key(text: &str, error_at: usize) -> Option<Located> {
    #[derive(Deserialize)]
    struct Skeleton {
        processes: OrderedMap<de::IgnoredAny>,
        #[serde(default)]
        step: Vec<OrderedMap<de::IgnoredAny>>,
    }
    let skeleton: Skeleton = toml::from_str(text).ok()?;
    let names: Vec<&str> = skeleton
        .processes
        .0
        .iter()
        .map(|(n, _)| n.get_ref().as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    skeleton
        .step
        .iter()
        .flat_map(|step| &step.0)
        .map(|(key, _)| key)
        .filter(|key| key.span().start <= error_at)
        .find(|key| {
            let key = key.get_ref().as_str();
            key != "expect" && key != "note" && !names.contains(&key)
        })
        .map(|key| unknown_process(key, names.iter().copied()))
}

/// Rewords the toml crate's and serde's messages in the terms of the format: tables and
/// keys rather than maps and fields, and what a number must be rather than its Rust type.
fn polish(text: &str, span: Option<Range<usize>>, message: &str) -> String {
    if message == "duplicate key" {
        if let Some(span) = span {
            return duplicate_key(text, span);
        }
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        // The toml crate gives an error of the document itself an empty span at its start;
        // every table within has a span of some length.
        let top_level = span.as_ref().is_none_or(|s| s.is_empty() && s.start == 0);
        return if top_level {
            format!("missing key {rest} at the top level of the file")
        } else {
            format!("missing key {rest} in this table")
        };
    }
    message
        .replace("unknown field ", "unknown key ")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected u32", "expected a non-negative integer below 2^32")
        .replace("expected a sequence", "expected an array")
        .replace("invalid type: map", "invalid type: table")
        .replace("wanted string or table", "expected a name in quotes")
}

/// Names the key that TOML found twice, and says what that means where it stands.
fn duplicate_key(text: &str, span: Range<usize>) -> String {
    let key = text
        .get(span.clone())
        .unwrap_or_default()
        .trim()
        .trim_matches('"');
    let before = text.get(..span.start).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let starts_line = before[line_start..].trim().is_empty();
    // The table the key is in: the last `[header]` above its line.
    let header = before[..line_start].lines().rev().map(str::trim).find(|l| {
        l.starts_with("[[")
            || l.strip_prefix('[')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
    });
    let line = &text[line_start..];
    let line = line[..line.find('\n').unwrap_or(line.len())].trim();
    if !starts_line && line.starts_with('[') {
        return if key == "step" {
            "`step` is defined twice; head every step `[[step]]` (an array of tables), never `[step]`".to_owned()
        } else {
            format!("table `{line}` is defined twice; a table may appear only once")
        };
    }
    match header {
        Some(h) if starts_line && h.starts_with("[[step]]") && key != "expect" && key != "note" => {
            format!("process `{key}` acts twice in this step; a process does at most one action per step")
        }
        Some(h) if starts_line && h.starts_with("[processes]") => {
            format!("process `{key}` is defined twice; each process needs a name of its own")
        }
        _ => format!("duplicate key `{key}`; a key may appear only once in a table"),
    }
}

fn lower(raw: RawScenario, stem: String, path: Option<&Path>) -> Result<Scenario, Located> {
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        return Err(Located::new(
            raw.format_version.span(),
            format!(
                "unsupported format_version {}, expected {FORMAT_VERSION}",
                raw.format_version.get_ref()
            ),
        ));
    }
    let mechanism = *raw.mechanism.get_ref();
    let mut spans = validate::Spans {
        processes_table: raw.processes.span(),
        ..validate::Spans::default()
    };
    let mut processes = Vec::new();
    for (name, spec) in raw.processes.into_inner().0 {
        let spec_span = spec.span();
        let spec = spec.into_inner();
        let (keeps_span, keeps) = match spec.keeps {
            Some(k) => (k.span(), k.into_inner()),
            None => (spec_span, Vec::new()),
        };
        processes.push(Process {
            name: ProcessName(name.get_ref().clone()),
            relation: spec.relation,
            keeps,
            sigpipe: spec.sigpipe,
            handles: spec.handles,
        });
        spans.processes.push(validate::ProcessSpans {
            name: name.span(),
            keeps: keeps_span,
        });
    }
    let create_flags = match raw.create {
        Some(c) => {
            spans.create_flags = c.flags.span();
            c.flags.into_inner()
        }
        None => Vec::new(),
    };
    // Before the steps, so that a step naming a process is never blamed for a bad
    // `[processes]` table.
    validate::check_setup(mechanism, &processes, &create_flags, &spans)?;
    let mut steps = Vec::new();
    for step in raw.step.0 {
        let step_span = step.span();
        let step = step.into_inner();
        let mut actions = Vec::new();
        let mut action_spans = Vec::new();
        for (name, action) in step.actions {
            let index = processes
                .iter()
                .position(|p| p.name.0 == *name.get_ref())
                .ok_or_else(|| {
                    unknown_process(&name, processes.iter().map(|p| p.name.0.as_str()))
                })?;
            action_spans.push(action.span());
            actions.push((ProcessIndex(index), action.into_inner().lower()));
        }
        let expect = step.expect.ok_or_else(|| {
            Located::new(
                step_span.clone(),
                "missing key `expect` in this step, expected what its actions must do, such as expect = \"succeeds\"".to_owned(),
            )
        })?;
        spans.steps.push(validate::StepSpans {
            actions: action_spans,
            expect: expect.span(),
        });
        steps.push(Step {
            actions,
            expect: expect.into_inner().lower(),
            note: step.note,
        });
    }
    let scenario = Scenario {
        id: format!("{}::{}", mechanism.name(), stem),
        source: path.map(Path::to_path_buf),
        summary: raw.summary,
        reference: raw.reference,
        behaviours: raw.behaviours,
        mechanism,
        requires: raw.requires,
        create_flags,
        processes,
        steps,
        step_timeout: raw
            .step_timeout_ms
            .map(std::time::Duration::from_millis)
            .unwrap_or(Scenario::DEFAULT_STEP_TIMEOUT),
    };
    validate::check(&scenario, &spans)?;
    Ok(scenario)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    format_version: Spanned<u32>,
    summary: String,
    reference: String,
    #[serde(default)]
    behaviours: Vec<String>,
    mechanism: Spanned<Mechanism>,
    #[serde(default)]
    requires: Vec<Feature>,
    #[serde(default)]
    create: Option<RawCreate>,
    #[serde(default)]
    step_timeout_ms: Option<u64>,
    processes: Spanned<OrderedMap<Spanned<RawProcess>>>,
    #[serde(default)]
    step: Steps,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCreate {
    flags: Spanned<Vec<OpenFlag>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcess {
    #[serde(default)]
    relation: Relation,
    #[serde(default)]
    keeps: Option<Spanned<Vec<End>>>,
    #[serde(default)]
    sigpipe: SigPipe,
    #[serde(default)]
    handles: Vec<SignalName>,
}

/// A table whose key order matters (processes are listed in the order written).
///
/// The toml crate keeps the written order only with its `preserve_order` feature; without
/// it every table arrives sorted by key, and so do the processes.
struct OrderedMap<V>(Vec<(Spanned<String>, V)>);

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
struct Steps(Vec<Spanned<RawStep>>);

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
struct RawStep {
    actions: Vec<(Spanned<String>, Spanned<RawAction>)>,
    expect: Option<Spanned<RawExpect>>,
    note: Option<String>,
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
struct RawEndFlag {
    end: End,
    flag: FdFlag,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetPipeSize {
    end: End,
    size: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    end: End,
    event: PollEvent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOpen {
    mode: AccessMode,
    #[serde(default)]
    flags: Vec<OpenFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReadOn {
    end: End,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWriteOn {
    end: End,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFtruncate {
    end: End,
    len: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecords {
    len: Size,
    count: u32,
}

/// An externally tagged enum of the format: a bare name for a variant that takes no value
/// (`"completes"`), a table of one key for a variant that does (`{ read = 5 }`).
///
/// Written out rather than derived so that each mistake (an unknown name, a name without
/// its value, a value for a name that takes none, two names in one table) has its own
/// message at the key or value that is wrong.
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        enum $ty:ident {
            what: $what:literal,
            expecting: $expecting:literal,
            one_only: $one_only:literal,
            $($var:ident $(($vty:ty))? = $name:literal,)*
        }
    ) => {
        $(#[$meta])*
        enum $ty {
            $($var $(($vty))?,)*
        }

        impl $ty {
            /// Every name, and whether it takes a value.
            const VARIANTS: &'static [(&'static str, bool)] =
                &[$(($name, tagged_enum!(@has_value $($vty)?)),)*];
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct TagVisitor;
                impl<'de> Visitor<'de> for TagVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        match v {
                            $($name => tagged_enum!(@bare E, $ty, $var, $what, $name $(, $vty)?),)*
                            _ => Err(E::custom(unknown_tag($what, v, $ty::VARIANTS))),
                        }
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        let seed = TagSeed { what: $what, variants: $ty::VARIANTS };
                        let Some(name) = map.next_key_seed(seed)? else {
                            return Err(de::Error::custom(concat!("empty table, expected ", $expecting)));
                        };
                        let value = match name {
                            $($name => tagged_enum!(@value map, $ty, $var, $what, $name $(, $vty)?),)*
                            _ => return Err(de::Error::custom(unknown_tag($what, name, $ty::VARIANTS))),
                        };
                        map.next_key_seed(ExtraKeySeed { what: $what, first: name, one_only: $one_only })?;
                        Ok(value)
                    }
                }
                d.deserialize_any(TagVisitor)
            }
        }
    };
    (@has_value) => { false };
    (@has_value $vty:ty) => { true };
    (@bare $e:ident, $ty:ident, $var:ident, $what:literal, $name:literal) => { Ok($ty::$var) };
    (@bare $e:ident, $ty:ident, $var:ident, $what:literal, $name:literal, $vty:ty) => {
        Err($e::custom(concat!($what, " `", $name, "` needs a value: write { ", $name, " = ... }")))
    };
    // TagSeed refuses, in a table, a name that takes no value.
    (@value $map:ident, $ty:ident, $var:ident, $what:literal, $name:literal) => {
        return Err(de::Error::custom(concat!($what, " `", $name, "` takes no value")))
    };
    (@value $map:ident, $ty:ident, $var:ident, $what:literal, $name:literal, $vty:ty) => {
        $ty::$var($map.next_value::<$vty>()?)
    };
}

fn unknown_tag(what: &str, name: &str, variants: &[(&str, bool)]) -> String {
    let names: Vec<String> = variants.iter().map(|(n, _)| format!("`{n}`")).collect();
    format!(
        "unknown {what} `{name}`, expected one of {}",
        names.join(", ")
    )
}

/// The key of a tagged table: a known name that takes a value.
struct TagSeed {
    what: &'static str,
    variants: &'static [(&'static str, bool)],
}

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = &'static str;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'static str, D::Error> {
        let key = String::deserialize(d)?;
        match self.variants.iter().find(|(n, _)| *n == key) {
            Some(&(name, true)) => Ok(name),
            Some(&(name, false)) => Err(de::Error::custom(format!(
                "{} `{name}` takes no value: write it as the string \"{name}\", not as a table",
                self.what
            ))),
            None => Err(de::Error::custom(unknown_tag(
                self.what,
                &key,
                self.variants,
            ))),
        }
    }
}

/// A second key in a tagged table, which is always an error.
struct ExtraKeySeed {
    what: &'static str,
    first: &'static str,
    one_only: &'static str,
}

impl<'de> DeserializeSeed<'de> for ExtraKeySeed {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let key = String::deserialize(d)?;
        Err(de::Error::custom(format!(
            "two {}s in one table, `{}` and `{key}`: {}",
            self.what, self.first, self.one_only
        )))
    }
}

tagged_enum! {
    enum RawAction {
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
        Pread(End) = "pread",
        Pwrite(End) = "pwrite",
        ReadOn(RawReadOn) = "read_on",
        WriteOn(RawWriteOn) = "write_on",
        Poll(RawPoll) = "poll",
        Mkfifo = "mkfifo",
        Open(RawOpen) = "open",
        Unlink = "unlink",
        Ftruncate(RawFtruncate) = "ftruncate",
        Exit = "exit",
        Kill(SignalName) = "kill",
        Completes = "completes",
    }
}

impl RawAction {
    fn lower(self) -> Action {
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
            RawAction::Pread(e) => Action::Pread(e),
            RawAction::Pwrite(e) => Action::Pwrite(e),
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
            RawAction::Kill(s) => Action::Kill(s),
            RawAction::Completes => Action::Await,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordCheck {
    len: Size,
    writers: u32,
    count: u32,
    atomic: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlatform {
    linux: Option<Box<RawExpect>>,
    macos: Option<Box<RawExpect>>,
}

/// The two inclusive bounds of `returns_between`.
struct Bounds(Size, Size);

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
    enum RawExpect {
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
    fn lower(self) -> Expectation {
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

macro_rules! deserialize_by_name {
    ($ty:ty, $what:literal, $from:expr, $expected:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                $from(&name).ok_or_else(|| {
                    de::Error::custom(format!(
                        "unknown {} `{name}`, expected {}",
                        $what, $expected
                    ))
                })
            }
        }
    };
}

deserialize_by_name!(
    Errno,
    "errno",
    Errno::from_name,
    format_args!(
        "one of {}",
        Errno::known_names().collect::<Vec<_>>().join(", ")
    )
);
deserialize_by_name!(
    SignalName,
    "signal",
    SignalName::from_name,
    "a signal name such as SIGPIPE, SIGKILL or SIGUSR1"
);

/// The enums of the model that a file names by a fixed spelling, each with its own
/// message for an unknown name and for a value that is not a string.
macro_rules! deserialize_names {
    ($ty:ident, $what:literal, $a_what:literal, [$($name:literal => $var:ident),+ $(,)?]) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$($name),+];
                struct NameVisitor;
                impl Visitor<'_> for NameVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "{} in quotes: {}", $a_what, either(NAMES))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        match v {
                            $($name => Ok($ty::$var),)+
                            _ => Err(E::custom(format!("unknown {} `{v}`, expected {}", $what, either(NAMES)))),
                        }
                    }
                }
                d.deserialize_str(NameVisitor)
            }
        }
    };
}

/// "`a` or `b`", "`a`, `b` or `c`".
fn either(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

deserialize_names!(Mechanism, "mechanism", "a mechanism", ["pipe" => Pipe, "fifo" => Fifo]);
deserialize_names!(Relation, "relation", "a relation", ["related" => Related, "unrelated" => Unrelated]);
deserialize_names!(End, "end", "an end", ["read" => Read, "write" => Write]);
deserialize_names!(SigPipe, "sigpipe disposition", "a sigpipe disposition", ["default" => Default, "ignore" => Ignore]);
deserialize_names!(Pattern, "pattern", "a pattern", ["seq" => Seq, "zero" => Zero]);
deserialize_names!(OpenFlag, "flag", "a flag", ["O_NONBLOCK" => NonBlock, "O_CLOEXEC" => CloExec]);
deserialize_names!(AccessMode, "access mode", "an access mode", ["O_RDONLY" => ReadOnly, "O_WRONLY" => WriteOnly, "O_RDWR" => ReadWrite]);
deserialize_names!(FdFlag, "flag", "a flag", ["O_NONBLOCK" => NonBlock, "FD_CLOEXEC" => CloExec]);
deserialize_names!(PollEvent, "poll event", "a poll event", ["POLLIN" => In, "POLLOUT" => Out]);
deserialize_names!(Feature, "feature", "a feature", ["pipe2" => Pipe2, "F_SETPIPE_SZ" => PipeSize]);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte count: a non-negative integer, or PIPE_BUF / PIPE_CAPACITY with an optional +N or -N")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v)
                    .map(Size::Bytes)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size::Bytes(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size_symbol(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(SizeVisitor)
    }
}

fn parse_size_symbol(text: &str) -> Option<Size> {
    let split = text.find(['+', '-']).unwrap_or(text.len());
    let (name, offset) = text.split_at(split);
    let symbol = [SizeSymbol::PipeBuf, SizeSymbol::PipeCapacity]
        .into_iter()
        .find(|s| s.name() == name.trim())?;
    let offset = match offset.trim() {
        "" => 0,
        o => o.replace(' ', "").parse::<i64>().ok()?,
    };
    Some(Size::Symbol(symbol, offset))
}

/// The keys of a payload table.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum PayloadKey {
    Hex,
    Pattern,
    Len,
}

/// The bytes of `{ hex = "..." }`, decoded where the string stands so that a bad digit is
/// reported there.
struct Hex(Vec<u8>);

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        decode_hex(&text).map(Hex).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PayloadVisitor;
        impl<'de> Visitor<'de> for PayloadVisitor {
            type Value = Payload;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a payload: \"text\", { hex = \"...\" }, or { pattern = \"seq\", len = SIZE }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Payload, E> {
                Ok(Payload::Text(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
                let (mut hex, mut pattern, mut len) = (None::<Hex>, None::<Pattern>, None::<Size>);
                while let Some(key) = map.next_key::<PayloadKey>()? {
                    match key {
                        PayloadKey::Hex => hex = Some(map.next_value()?),
                        PayloadKey::Pattern => pattern = Some(map.next_value()?),
                        PayloadKey::Len => len = Some(map.next_value()?),
                    }
                }
                match (hex, pattern, len) {
                    (Some(Hex(bytes)), None, None) => Ok(Payload::Bytes(bytes)),
                    (None, Some(pattern), Some(len)) => Ok(Payload::Pattern { pattern, len }),
                    (None, Some(_), None) => Err(de::Error::custom(
                        "missing key `len`: a pattern payload is { pattern = \"seq\", len = SIZE }",
                    )),
                    (None, None, Some(_)) => Err(de::Error::custom(
                        "missing key `pattern`: a pattern payload is { pattern = \"seq\", len = SIZE }",
                    )),
                    (None, None, None) => Err(de::Error::custom(
                        "empty payload table, expected { hex = \"...\" } or { pattern = \"seq\", len = SIZE }",
                    )),
                    (Some(_), ..) => Err(de::Error::custom(
                        "`hex` cannot be combined with `pattern` or `len`: a payload is either { hex = \"...\" } or { pattern = \"seq\", len = SIZE }",
                    )),
                }
            }
        }
        d.deserialize_any(PayloadVisitor)
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "hex payload has an odd number of digits ({}), expected two per byte such as \"00 ff 7f\"",
            digits.len()
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "`{}` is not a hex byte, expected pairs of digits 0-9, a-f such as \"00 ff 7f\"",
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("PIPE_BUF", Size::Symbol(SizeSymbol::PipeBuf, 0))]
    #[case("PIPE_BUF+1", Size::Symbol(SizeSymbol::PipeBuf, 1))]
    #[case("PIPE_BUF - 1", Size::Symbol(SizeSymbol::PipeBuf, -1))]
    #[case("PIPE_CAPACITY+100", Size::Symbol(SizeSymbol::PipeCapacity, 100))]
    fn size_symbols_parse(#[case] text: &str, #[case] size: Size) {
        assert_eq!(parse_size_symbol(text), Some(size));
    }

    #[rstest]
    #[case("PIPEBUF")]
    #[case("PIPE_BUF+x")]
    #[case("")]
    fn bad_size_symbols_are_refused(#[case] text: &str) {
        assert_eq!(parse_size_symbol(text), None);
    }

    #[test]
    fn hex_decodes_with_spaces() {
        assert_eq!(decode_hex("00 ff 7f").unwrap(), vec![0, 0xff, 0x7f]);
        assert!(decode_hex("0").is_err());
        assert!(decode_hex("zz").is_err());
    }
}
