//! The mechanism families the driver runs, one module each.

mod byte_stream;

pub(crate) use byte_stream::ByteStreamFamily;
