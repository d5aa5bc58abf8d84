//! The reference implementation: the operating system through its C library (nix).

mod byte_stream;

pub use byte_stream::OsByteStream;
