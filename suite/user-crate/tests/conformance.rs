//! tinypipe against the ipc-conformance catalogue (`harness = false` in Cargo.toml).
use ipc_conformance::mechanism::{ByteStream, Capability, Describe, Deviation, PipeEnd, Streams};
use ipc_conformance::scenario::{Errno, Mechanism, OpenFlag};
use std::os::fd::{AsFd, BorrowedFd};

#[derive(Clone)]
struct TinyPipe;

impl Describe for TinyPipe {
    fn name(&self) -> &str { "tinypipe" }
    fn mechanisms(&self) -> &[Mechanism] { &[Mechanism::Pipe] }
    fn capabilities(&self, _: Mechanism) -> &[Capability] { &[Capability::Descriptor] }
    fn deviations(&self) -> &[Deviation] {
        &[Deviation { scenario: "pipe::flags_clear", reason: "FD_CLOEXEC is set, on purpose" }]
    }
}

impl ByteStream for TinyPipe {
    type End = PipeEnd<tinypipe::Reader, tinypipe::Writer>;
    fn pipe(&self, _flags: &[OpenFlag]) -> Result<(Self::End, Self::End), Errno> {
        let (r, w) = tinypipe::pipe()?;
        Ok((PipeEnd::Read(r), PipeEnd::Write(w)))
    }
    fn read(&self, end: &Self::End, buf: &mut [u8]) -> Result<usize, Errno> { Ok(end.reader()?.read(buf)?) }
    fn write(&self, end: &Self::End, buf: &[u8]) -> Result<usize, Errno> { Ok(end.writer()?.write(buf)?) }
    fn fd<'a>(&self, end: &'a Self::End) -> Option<BorrowedFd<'a>> { Some(end.as_fd()) }
}

fn main() { ipc_conformance::harness::main(Streams(TinyPipe)) }
