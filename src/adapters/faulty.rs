//! The faulty pipes and FIFOs the suite proves itself with (fixtures/faulty.rs: the OS
//! reference with one bug injected each), as implementations the command line can run:
//! to see a failure and its timeline picture without writing an adapter first,
//!
//! ```text
//! cargo run --features faulty -- run --implementation faulty:drops-first-byte --html timeline.html
//! ```
//!
//! They are demonstrations, not crates: [`compiled_in`](super::compiled_in) leaves them
//! out of the conformance matrix, and only [`find`](super::find) knows them.

#[path = "../../fixtures/faulty.rs"]
#[allow(dead_code, reason = "the suite's tests use the rest of the fixture")]
mod fixture;

use fixture::{Fault, Faulty};

use super::Adapter;
use crate::mechanism::Streams;

/// What each of them adapts, for reports.
const ADAPTS: &str = "fixtures/faulty.rs: the operating system's pipes and FIFOs with one bug";

/// An adapter per fault, named as the fixture names it.
macro_rules! faulty_adapters {
    ($($fault:ident => $name:literal),* $(,)?) => {
        vec![$(Adapter::of($name, ADAPTS, &Streams(Faulty(Fault::$fault)), &[])),*]
    };
}

/// Every faulty pipe, in the fixture's order.
pub fn adapters() -> Vec<Adapter> {
    faulty_adapters![
        ReadNeverBlocks => "faulty:read-never-blocks",
        WriteHangs => "faulty:write-hangs",
        DropsFirstByte => "faulty:drops-first-byte",
        CloseLeaks => "faulty:close-leaks",
        ShortWrite => "faulty:short-write",
        EofWhileWriter => "faulty:eof-while-writer",
        NonBlockIgnored => "faulty:nonblock-ignored",
        SplitsWrites => "faulty:splits-writes",
        OpenNeverBlocks => "faulty:open-never-blocks",
        DuplicatesByte => "faulty:duplicates-byte",
        ReordersBytes => "faulty:reorders-bytes",
        WriteWithoutReaderSucceeds => "faulty:write-without-reader-succeeds",
        ReadsOneByteAtATime => "faulty:reads-one-byte-at-a-time",
        CloexecIgnored => "faulty:cloexec-ignored",
        HiddenDescriptorLeaks => "faulty:hidden-descriptor-leaks",
        ReaderOpensReadWrite => "faulty:reader-opens-read-write",
    ]
}

#[cfg(test)]
mod tests {
    use crate::mechanism::Implementation;

    use super::*;

    /// The command line's names are the fixture's, for every fault.
    #[test]
    fn every_fault_has_its_adapter_under_its_own_name() {
        let names: Vec<&str> = adapters().iter().map(|a| a.name).collect();
        let fixture: Vec<String> = Fault::ALL
            .iter()
            .map(|f| Streams(Faulty(*f)).name().to_owned())
            .collect();
        assert_eq!(names, fixture);
    }
}
