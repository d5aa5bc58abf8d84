//! Byte counts a scenario may write as numbers or as the platform's constants.

use std::fmt;

/// A byte count, literal or taken from the platform profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// A literal count.
    Bytes(u64),
    /// A profile constant plus an offset, written `PIPE_BUF+1` in a file.
    Symbol(SizeSymbol, i64),
}

/// The platform constants a [`Size`] may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeSymbol {
    /// `PIPE_BUF`: the largest write that is never interleaved.
    PipeBuf,
    /// The default capacity of a new pipe.
    PipeCapacity,
    /// The longest POSIX shared memory name `shm_open` accepts, the leading `/` counted.
    ShmNameMax,
}

impl Size {
    /// The most bytes a scenario may name, in a count or a symbol's offset (and in a
    /// region or all of a process's records): buffers this large are made in every
    /// actor, so a file cannot ask for more. The catalogue's largest is 1 MiB.
    pub const MAX_BYTES: u64 = 64 << 20;

    /// The text of the error for a count over [`Size::MAX_BYTES`].
    pub fn too_large(bytes: impl fmt::Display) -> String {
        format!(
            "{bytes} bytes is more than a scenario may name ({} MiB at most)",
            Size::MAX_BYTES >> 20
        )
    }
}

impl SizeSymbol {
    /// The spelling used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            SizeSymbol::PipeBuf => "PIPE_BUF",
            SizeSymbol::PipeCapacity => "PIPE_CAPACITY",
            SizeSymbol::ShmNameMax => "SHM_NAME_MAX",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Size::Bytes(n) => write!(f, "{n}"),
            Size::Symbol(s, 0) => f.write_str(s.name()),
            Size::Symbol(s, d) => write!(f, "{}{d:+}", s.name()),
        }
    }
}
