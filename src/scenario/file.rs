//! The TOML file format: raw serde shapes that keep every span, lowered to the model.
//!
//! Enums are externally tagged (`{ read = 5 }`, `"completes"`), never untagged or
//! flattened, so the toml deserializer can point at the exact key or value that is wrong.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::error::{LoadError, Located};
use super::errno::{Errno, SignalName};
use super::model::*;
use super::validate;

/// The only version of the format so far.
pub const FORMAT_VERSION: u32 = 1;

/// Parse and validate one scenario file's text. `path` names it in errors and gives the
/// test id (`mechanism::file_stem`).
pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    let locate = |span: Range<usize>, message: String| LoadError::malformed(path, text, span, message);
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        locate(e.span().unwrap_or(0..0), e.message().to_owned())
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    lower(raw, stem, Some(path)).map_err(|Located { span, message }| locate(span, message))
}

fn lower(raw: RawScenario, stem: String, path: Option<&Path>) -> Result<Scenario, Located> {
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        return Err(Located::new(
            raw.format_version.span(),
            format!("unsupported format_version {}, expected {FORMAT_VERSION}", raw.format_version.get_ref()),
        ));
    }
    let mechanism = *raw.mechanism.get_ref();
    let mut processes = Vec::new();
    let mut process_spans = Vec::new();
    for (name, spec) in raw.processes.into_inner().0 {
        let spec_span = spec.span();
        let spec = spec.into_inner();
        processes.push(Process {
            name: ProcessName(name.get_ref().clone()),
            relation: spec.relation,
            keeps: spec.keeps,
            sigpipe: spec.sigpipe,
        });
        process_spans.push((name.span(), spec_span));
    }
    let mut steps = Vec::new();
    let mut step_spans = Vec::new();
    for step in raw.step {
        let step_span = step.span();
        let step = step.into_inner();
        let mut actions = Vec::new();
        let mut action_spans = Vec::new();
        for (name, action) in step.actions {
            let index = processes
                .iter()
                .position(|p| p.name.0 == *name.get_ref())
                .ok_or_else(|| {
                    Located::new(
                        name.span(),
                        format!(
                            "unknown process `{}`, expected one of: {}",
                            name.get_ref(),
                            processes.iter().map(|p| p.name.0.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
            action_spans.push(action.span());
            actions.push((ProcessIndex(index), action.into_inner().lower()));
        }
        let expect = step.expect.ok_or_else(|| {
            Located::new(step_span.clone(), "missing key `expect` in this step".to_owned())
        })?;
        step_spans.push(validate::StepSpans {
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
        create_flags: raw.create.map(|c| c.flags).unwrap_or_default(),
        processes,
        steps,
        step_timeout: raw
            .step_timeout_ms
            .map(std::time::Duration::from_millis)
            .unwrap_or(Scenario::DEFAULT_STEP_TIMEOUT),
    };
    validate::check(&scenario, &validate::Spans { processes: process_spans, steps: step_spans })?;
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
    step: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCreate {
    flags: Vec<OpenFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcess {
    #[serde(default)]
    relation: Relation,
    #[serde(default)]
    keeps: Vec<End>,
    #[serde(default)]
    sigpipe: SigPipe,
}

/// A table whose key order matters (processes are listed in the order written).
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
                let mut step = RawStep { actions: Vec::new(), expect: None, note: None };
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    match key.get_ref().as_str() {
                        "expect" => step.expect = Some(map.next_value()?),
                        "note" => step.note = Some(map.next_value()?),
                        _ => step.actions.push((key, map.next_value()?)),
                    }
                }
                if step.actions.is_empty() {
                    return Err(de::Error::custom("a step needs at least one `process = action`"));
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

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawAction {
    Read(Size),
    ReadExactly(Size),
    ReadToEnd,
    Write(Payload),
    WriteRecords(RawRecords),
    Fill,
    Close(End),
    SetNonblocking(End),
    ClearNonblocking(End),
    GetFlag(RawEndFlag),
    FpathconfPipeBuf(End),
    Fionread,
    GetPipeSize(End),
    SetPipeSize(RawSetPipeSize),
    Lseek(End),
    Poll(RawPoll),
    Mkfifo,
    Open(RawOpen),
    Unlink,
    Ftruncate(RawFtruncate),
    Exit,
    Completes,
}

impl RawAction {
    fn lower(self) -> Action {
        match self {
            RawAction::Read(n) => Action::Read(n),
            RawAction::ReadExactly(n) => Action::ReadExactly(n),
            RawAction::ReadToEnd => Action::ReadToEnd,
            RawAction::Write(p) => Action::Write(p),
            RawAction::WriteRecords(r) => Action::WriteRecords { len: r.len, count: r.count },
            RawAction::Fill => Action::Fill,
            RawAction::Close(e) => Action::Close(e),
            RawAction::SetNonblocking(end) => Action::SetNonBlocking { end, on: true },
            RawAction::ClearNonblocking(end) => Action::SetNonBlocking { end, on: false },
            RawAction::GetFlag(r) => Action::GetFlag { end: r.end, flag: r.flag },
            RawAction::FpathconfPipeBuf(e) => Action::PipeBufOf(e),
            RawAction::Fionread => Action::FionRead,
            RawAction::GetPipeSize(e) => Action::GetPipeSize(e),
            RawAction::SetPipeSize(r) => Action::SetPipeSize { end: r.end, size: r.size },
            RawAction::Lseek(e) => Action::Lseek(e),
            RawAction::Poll(r) => Action::Poll { end: r.end, event: r.event },
            RawAction::Mkfifo => Action::Mkfifo,
            RawAction::Open(r) => Action::Open { mode: r.mode, flags: r.flags },
            RawAction::Unlink => Action::Unlink,
            RawAction::Ftruncate(r) => Action::Ftruncate { end: r.end, len: r.len },
            RawAction::Exit => Action::Exit,
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

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawExpect {
    Blocks,
    Succeeds,
    Eof,
    Returns(Size),
    ReturnsBetween((Size, Size)),
    Data(Payload),
    Error(Errno),
    Signal(SignalName),
    Records(RawRecordCheck),
    AnyOf(Vec<RawExpect>),
    Platform(RawPlatform),
}

impl RawExpect {
    fn lower(self) -> Expectation {
        match self {
            RawExpect::Blocks => Expectation::Blocks,
            RawExpect::Succeeds => Expectation::Succeeds,
            RawExpect::Eof => Expectation::Eof,
            RawExpect::Returns(n) => Expectation::Returns(n),
            RawExpect::ReturnsBetween((lo, hi)) => Expectation::ReturnsBetween(lo, hi),
            RawExpect::Data(p) => Expectation::Data(p),
            RawExpect::Error(e) => Expectation::Error(e),
            RawExpect::Signal(s) => Expectation::Signal(s),
            RawExpect::Records(r) => Expectation::Records(RecordCheck {
                len: r.len,
                writers: r.writers,
                count: r.count,
                atomic: r.atomic,
            }),
            RawExpect::AnyOf(v) => Expectation::AnyOf(v.into_iter().map(RawExpect::lower).collect()),
            RawExpect::Platform(p) => Expectation::Platform(PlatformExpectation {
                linux: p.linux.map(|e| Box::new(e.lower())),
                macos: p.macos.map(|e| Box::new(e.lower())),
            }),
        }
    }
}

macro_rules! deserialize_by_name {
    ($ty:ty, $what:literal, $from:expr, $names:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                $from(&name).ok_or_else(|| {
                    de::Error::custom(format!("unknown {} `{name}`, expected one of: {}", $what, $names))
                })
            }
        }
    };
}

deserialize_by_name!(Errno, "errno", Errno::from_name, Errno::known_names().collect::<Vec<_>>().join(", "));
deserialize_by_name!(SignalName, "signal", SignalName::from_name, "a name such as SIGPIPE, SIGKILL, SIGUSR1");

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

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PayloadVisitor;
        impl<'de> Visitor<'de> for PayloadVisitor {
            type Value = Payload;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text, { hex = \"...\" }, or { pattern = \"seq\", len = N }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Payload, E> {
                Ok(Payload::Text(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
                let (mut hex, mut pattern, mut len) = (None::<String>, None::<Pattern>, None::<Size>);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "hex" => hex = Some(map.next_value()?),
                        "pattern" => pattern = Some(map.next_value()?),
                        "len" => len = Some(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, &["hex", "pattern", "len"])),
                    }
                }
                match (hex, pattern, len) {
                    (Some(h), None, None) => decode_hex(&h).map(Payload::Bytes).map_err(de::Error::custom),
                    (None, Some(pattern), Some(len)) => Ok(Payload::Pattern { pattern, len }),
                    (None, Some(_), None) => Err(de::Error::missing_field("len")),
                    _ => Err(de::Error::custom("a payload is either { hex = \"...\" } or { pattern = ..., len = N }")),
                }
            }
        }
        d.deserialize_any(PayloadVisitor)
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err("hex payload has an odd number of digits".to_owned());
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| format!("`{}` is not a hex byte", String::from_utf8_lossy(pair)))
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
