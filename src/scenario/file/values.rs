//! Named values (errnos, signals, the model's fixed spellings) and leaf values (sizes and
//! payloads).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::scenario::errno::{Errno, SignalName};
use crate::scenario::model::*;
use crate::scenario::suggest::nearest;

/// Errnos and signals, by name: an unknown one is told with the nearest known name when
/// one is near, else with what is expected (`$expected`, a list or an example).
macro_rules! deserialize_by_name {
    ($ty:ty, $what:literal, $from:expr, $known:expr, $expected:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                $from(&name).ok_or_else(|| {
                    de::Error::custom(match nearest(&name, $known) {
                        Some(near) => {
                            format!("unknown {} `{name}`; did you mean `{near}`?", $what)
                        }
                        None => format!("unknown {} `{name}`, expected {}", $what, $expected),
                    })
                })
            }
        }
    };
}

deserialize_by_name!(
    Errno,
    "errno",
    Errno::from_name,
    Errno::known_names(),
    format_args!(
        "one of {}",
        Errno::known_names().collect::<Vec<_>>().join(", ")
    )
);
deserialize_by_name!(
    SignalName,
    "signal",
    SignalName::from_name,
    nix::sys::signal::Signal::iterator().map(|s| s.as_str()),
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

deserialize_names!(Mechanism, "mechanism", "a mechanism", ["pipe" => Pipe, "fifo" => Fifo, "anon-shared" => AnonShared, "sysv-shm" => SysvShm, "posix-shm" => PosixShm, "file-mmap" => FileMmap, "unix-stream" => UnixStream, "unix-dgram" => UnixDgram, "unix-seqpacket" => UnixSeqpacket, "socketpair" => Socketpair, "tcp" => Tcp, "udp" => Udp, "sysv-sem" => SysvSem, "posix-sem" => PosixSem, "pshared-mutex" => PsharedMutex]);
deserialize_names!(MadeBy, "maker", "who makes the object", ["processes" => Processes, "parent" => Parent]);
deserialize_names!(SysvKey, "key", "a System V key", ["IPC_PRIVATE" => Private, "random" => Random]);
deserialize_names!(SemFlag, "flag", "a semaphore operation flag", ["IPC_NOWAIT" => NoWait, "SEM_UNDO" => Undo]);
deserialize_names!(IpcFlag, "flag", "a System V flag", ["IPC_CREAT" => Creat, "IPC_EXCL" => Excl]);
deserialize_names!(Sharing, "mapping kind", "a mapping kind", ["MAP_SHARED" => Shared, "MAP_PRIVATE" => Private]);
deserialize_names!(Prot, "protection", "a protection flag", ["PROT_READ" => Read, "PROT_WRITE" => Write]);
deserialize_names!(MutexKind, "mutex type", "a mutex type", ["PTHREAD_MUTEX_DEFAULT" => Default, "PTHREAD_MUTEX_NORMAL" => Normal, "PTHREAD_MUTEX_ERRORCHECK" => ErrorCheck, "PTHREAD_MUTEX_RECURSIVE" => Recursive]);
deserialize_names!(SharedMemory, "memory", "a kind of shared memory", ["anonymous" => Anonymous, "posix-shm" => PosixShm, "file" => File]);
deserialize_names!(Relation, "relation", "a relation", ["related" => Related, "unrelated" => Unrelated]);
deserialize_names!(End, "end", "an end", ["read" => Read, "write" => Write, "object" => Object]);
deserialize_names!(Stdin, "standard input", "a standard input", ["/dev/null" => DevNull, "closed" => Closed]);
deserialize_names!(SigPipe, "sigpipe disposition", "a sigpipe disposition", ["default" => Default, "ignore" => Ignore]);
deserialize_names!(Pattern, "pattern", "a pattern", ["seq" => Seq, "zero" => Zero]);
deserialize_names!(OpenFlag, "flag", "a flag", ["O_NONBLOCK" => NonBlock, "O_CLOEXEC" => CloExec, "O_CREAT" => Creat, "O_EXCL" => Excl]);
deserialize_names!(AccessMode, "access mode", "an access mode", ["O_RDONLY" => ReadOnly, "O_WRONLY" => WriteOnly, "O_RDWR" => ReadWrite]);
deserialize_names!(FdFlag, "flag", "a flag", ["O_NONBLOCK" => NonBlock, "FD_CLOEXEC" => CloExec]);
deserialize_names!(PollEvent, "poll event", "a poll event", ["POLLIN" => In, "POLLOUT" => Out]);
deserialize_names!(Feature, "feature", "a feature", ["pipe2" => Pipe2, "F_SETPIPE_SZ" => PipeSize, "SOCK_SEQPACKET" => SeqPacket, "abstract-sockets" => AbstractSockets, "MSG_NOSIGNAL" => MsgNoSignal, "SO_NOSIGPIPE" => SoNoSigPipe, "SOCK_NONBLOCK" => SocketTypeFlags, "network-namespaces" => NetNamespaces, "accept4" => Accept4, "default-pipe-capacity" => DefaultPipeCapacity, "default-socket-buffers" => DefaultSocketBuffers, "default-dgram-qlen" => DefaultDgramQlen, "semtimedop" => Semtimedop, "sem_timedwait" => SemTimedwait, "sem_getvalue" => SemGetvalue, "sem_init" => SemInit, "robust-mutexes" => RobustMutex, "pshared-cond-any-address" => CondAnyAddress]);
deserialize_names!(SocketFlag, "socket flag", "a socket flag", ["SOCK_NONBLOCK" => NonBlock, "SOCK_CLOEXEC" => CloExec]);
deserialize_names!(MsgFlag, "message flag", "a message flag", ["MSG_DONTWAIT" => DontWait, "MSG_PEEK" => Peek, "MSG_WAITALL" => WaitAll, "MSG_NOSIGNAL" => NoSignal]);
deserialize_names!(SockOpt, "socket option", "a socket option", ["SO_RCVBUF" => RcvBuf, "SO_SNDBUF" => SndBuf, "SO_NOSIGPIPE" => NoSigPipe, "SO_ERROR" => Error, "SO_TYPE" => Type]);
deserialize_names!(ShutdownHow, "shutdown direction", "a shutdown direction", ["SHUT_RD" => Read, "SHUT_WR" => Write, "SHUT_RDWR" => Both]);

/// Whether `name` may name a handle or an address: letters, digits, `_`, `-` and `.`,
/// so that it can never climb out of the run's private directory, and at most `max`
/// bytes.
fn plain_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The longest handle name.
const HANDLE_MAX: usize = 32;
/// The longest address name: a path in the private directory must fit `sun_path`.
const ADDRESS_MAX: usize = 16;

fn plain_rule(max: usize) -> String {
    format!("1 to {max} letters, digits, `_`, `-` or `.`, not starting with `.`")
}

impl<'de> Deserialize<'de> for Handle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if !plain_name(&name, HANDLE_MAX) {
            return Err(de::Error::custom(format!(
                "handle name `{name}` must be {}",
                plain_rule(HANDLE_MAX)
            )));
        }
        Ok(Handle(name))
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (abstract_name, name) = match text.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        if !plain_name(name, ADDRESS_MAX) {
            return Err(de::Error::custom(format!(
                "address `{text}` must be {}, with a leading `@` for a Linux abstract name",
                plain_rule(ADDRESS_MAX)
            )));
        }
        Ok(Address {
            name: name.to_owned(),
            abstract_name,
        })
    }
}

/// What a call on a descriptor names: a pipe's or a region's end by its role, or a
/// socket process's descriptor by its handle.
pub(super) enum Target {
    End(End),
    Handle(Handle),
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match name.as_str() {
            "read" => Target::End(End::Read),
            "write" => Target::End(End::Write),
            "object" => Target::End(End::Object),
            _ if plain_name(&name, HANDLE_MAX) => Target::Handle(Handle(name)),
            _ => {
                return Err(de::Error::custom(format!(
                    "unknown end `{name}`, expected `read`, `write`, `object`, or a socket handle name ({})",
                    plain_rule(HANDLE_MAX)
                )))
            }
        })
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte count: a non-negative integer, or PIPE_BUF / PIPE_CAPACITY / SHM_NAME_MAX / SEM_NAME_MAX / PAGE_SIZE with an optional N* before it and +N or -N after it, such as \"2*PAGE_SIZE-1\"")
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

/// `[N*]SYMBOL[+M|-M]`, spaces allowed around the operators: `PIPE_BUF+1`, `2*PAGE_SIZE`,
/// `3 * PAGE_SIZE - 1`. N is at least 1.
fn parse_size_symbol(text: &str) -> Option<Size> {
    let text = text.replace(' ', "");
    let (times, rest) = match text.split_once('*') {
        Some((n, rest)) => (n.parse::<u32>().ok().filter(|n| *n >= 1)?, rest),
        None => (1, text.as_str()),
    };
    let split = rest.find(['+', '-']).unwrap_or(rest.len());
    let (name, offset) = rest.split_at(split);
    let symbol = SizeSymbol::ALL.into_iter().find(|s| s.name() == name)?;
    let offset = match offset {
        "" => 0,
        o => o.parse::<i64>().ok()?,
    };
    Some(Size::Symbol {
        times,
        symbol,
        offset,
    })
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
            // from_str_radix alone would take "+f" as 0x0f.
            std::str::from_utf8(pair)
                .ok()
                .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
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
    #[case("PIPE_BUF", Size::of(SizeSymbol::PipeBuf))]
    #[case("PIPE_BUF+1", Size::plus(SizeSymbol::PipeBuf, 1))]
    #[case("PIPE_BUF - 1", Size::plus(SizeSymbol::PipeBuf, -1))]
    #[case("PIPE_CAPACITY+100", Size::plus(SizeSymbol::PipeCapacity, 100))]
    #[case("PAGE_SIZE", Size::of(SizeSymbol::PageSize))]
    #[case("2*PAGE_SIZE", Size::times(2, SizeSymbol::PageSize))]
    #[case("PAGE_SIZE+100", Size::plus(SizeSymbol::PageSize, 100))]
    #[case("3 * PAGE_SIZE - 1", Size::Symbol { times: 3, symbol: SizeSymbol::PageSize, offset: -1 })]
    fn size_symbols_parse(#[case] text: &str, #[case] size: Size) {
        assert_eq!(parse_size_symbol(text), Some(size));
        assert_eq!(parse_size_symbol(&size.to_string()), Some(size));
    }

    #[rstest]
    #[case("PIPEBUF")]
    #[case("PIPE_BUF+x")]
    #[case("")]
    #[case("PAGE_SIZE*2")]
    #[case("0*PAGE_SIZE")]
    #[case("-2*PAGE_SIZE")]
    #[case("2**PAGE_SIZE")]
    #[case("2*PAGE")]
    #[case("PAGE_SIZE+-1")]
    #[case("PAGE_SIZE+1+1")]
    #[case("x*PAGE_SIZE")]
    fn bad_size_symbols_are_refused(#[case] text: &str) {
        assert_eq!(parse_size_symbol(text), None);
    }

    #[test]
    fn hex_decodes_with_spaces() {
        assert_eq!(decode_hex("00 ff 7f").unwrap(), vec![0, 0xff, 0x7f]);
        assert!(decode_hex("0").is_err());
        assert!(decode_hex("zz").is_err());
        assert!(decode_hex("+f").is_err());
    }
}
