//! The implementation-under-test (IUT) traits, one per mechanism family, and the
//! operating system's own implementation of them.

mod byte_stream;
pub mod os;

pub use byte_stream::ByteStream;
