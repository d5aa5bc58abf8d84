//! Property-based fuzzing of multi-process scenarios against the reference model:
//! proptest generates plans of processes and moves, [`build`] turns each into an
//! ordinary scenario whose expectations are the model's, [`fuzz`] runs them as real
//! forked processes against an implementation and shrinks the first failure, and
//! [`write_regression`] writes it as a scenario file (`scenarios/regressions/`) that the
//! catalogue replays from then on.

mod connections;
mod datagrams;
mod locks;
mod pairs;
mod pipes;
mod plan;
mod regions;
mod run;
mod semaphores;
mod writers;

pub use connections::{
    build_connections, connection_plans, ConnectionOp, ConnectionPlan, ConnectionProcess,
    NewSocket, Target,
};
pub use datagrams::{build_datagrams, datagram_plans, DatagramOp, DatagramPlan};
pub use locks::{build_locks, lock_plans, LockOp, LockPlan};
pub use pairs::pair_plans;
pub use pipes::build;
pub use plan::{plans, Op, Plan, PlanParts, ProcessPlan, SizeClass};
pub use regions::{build_regions, region_plans, Length, RegionOp, RegionPlan, Spot};
pub use run::{declared, fuzz, write_regression, Finding, FuzzOptions, FuzzReport, Property};
pub use semaphores::{build_semaphores, semaphore_plans, GeneratedOp, SemaphoreOp, SemaphorePlan};
pub use writers::{build_writers, writer_plans, WritersPlan};
