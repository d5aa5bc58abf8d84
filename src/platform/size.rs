//! Byte counts a scenario may write as numbers or as the platform's constants.

use std::fmt;

/// A byte count, literal or taken from the platform profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// A literal count.
    Bytes(u64),
    /// A multiple of a profile constant plus an offset, written `PIPE_BUF+1`,
    /// `2*PAGE_SIZE` or `3*PAGE_SIZE-1` in a file.
    Symbol {
        /// How many of the constant (1 when the file writes none).
        times: u32,
        /// The constant.
        symbol: SizeSymbol,
        /// Bytes added after the multiple (taken away when negative).
        offset: i64,
    },
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
    /// The longest POSIX semaphore name `sem_open` accepts, the leading `/` counted.
    SemNameMax,
    /// `PAGE_SIZE`: the page size of the running system (`sysconf(_SC_PAGESIZE)`).
    PageSize,
}

impl Size {
    /// The most bytes a scenario may name, in a count or a symbol's offset (and in a
    /// region or all of a process's records): buffers this large are made in every
    /// actor, so a file cannot ask for more. The catalogue's largest is 1 MiB.
    pub const MAX_BYTES: u64 = 64 << 20;

    /// The constant itself: `PAGE_SIZE` is `Size::of(SizeSymbol::PageSize)`.
    pub const fn of(symbol: SizeSymbol) -> Size {
        Size::plus(symbol, 0)
    }

    /// `symbol` plus `offset` bytes: `PIPE_BUF+1` is `Size::plus(SizeSymbol::PipeBuf, 1)`.
    pub const fn plus(symbol: SizeSymbol, offset: i64) -> Size {
        Size::Symbol {
            times: 1,
            symbol,
            offset,
        }
    }

    /// `times` of `symbol`: `2*PAGE_SIZE` is `Size::times(2, SizeSymbol::PageSize)`.
    pub const fn times(times: u32, symbol: SizeSymbol) -> Size {
        Size::Symbol {
            times,
            symbol,
            offset: 0,
        }
    }

    /// The text of the error for a count over [`Size::MAX_BYTES`].
    pub fn too_large(bytes: impl fmt::Display) -> String {
        format!(
            "{bytes} bytes is more than a scenario may name ({} MiB at most)",
            Size::MAX_BYTES >> 20
        )
    }
}

impl SizeSymbol {
    /// Every constant, in the order the file format's guide lists them.
    pub const ALL: [SizeSymbol; 5] = [
        SizeSymbol::PipeBuf,
        SizeSymbol::PipeCapacity,
        SizeSymbol::ShmNameMax,
        SizeSymbol::SemNameMax,
        SizeSymbol::PageSize,
    ];

    /// The spelling used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            SizeSymbol::PipeBuf => "PIPE_BUF",
            SizeSymbol::PipeCapacity => "PIPE_CAPACITY",
            SizeSymbol::ShmNameMax => "SHM_NAME_MAX",
            SizeSymbol::SemNameMax => "SEM_NAME_MAX",
            SizeSymbol::PageSize => "PAGE_SIZE",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Size::Bytes(n) => write!(f, "{n}"),
            Size::Symbol {
                times,
                symbol,
                offset,
            } => {
                if times != 1 {
                    write!(f, "{times}*")?;
                }
                f.write_str(symbol.name())?;
                match offset {
                    0 => Ok(()),
                    d => write!(f, "{d:+}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::PlatformProfile;

    #[test]
    fn page_sizes_resolve_per_profile() {
        let page = SizeSymbol::PageSize;
        for (size, linux, macos) in [
            (Size::of(page), 4096, 16384),
            (Size::times(2, page), 8192, 32768),
            (Size::plus(page, 1), 4097, 16385),
            (
                Size::Symbol {
                    times: 3,
                    symbol: page,
                    offset: -1,
                },
                12287,
                49151,
            ),
        ] {
            assert_eq!(PlatformProfile::LINUX.resolve(size), Ok(linux), "{size}");
            assert_eq!(PlatformProfile::MACOS.resolve(size), Ok(macos), "{size}");
        }
        let host = PlatformProfile::host();
        assert_eq!(host.resolve(Size::times(2, page)), Ok(2 * host.page_size));
    }

    #[test]
    fn sizes_print_as_files_write_them() {
        let page = SizeSymbol::PageSize;
        assert_eq!(Size::of(page).to_string(), "PAGE_SIZE");
        assert_eq!(Size::times(2, page).to_string(), "2*PAGE_SIZE");
        assert_eq!(
            Size::plus(SizeSymbol::PipeBuf, -1).to_string(),
            "PIPE_BUF-1"
        );
        let size = Size::Symbol {
            times: 3,
            symbol: page,
            offset: 100,
        };
        assert_eq!(size.to_string(), "3*PAGE_SIZE+100");
    }
}
