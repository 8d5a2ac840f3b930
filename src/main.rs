use std::process::ExitCode;

// Linting allocates and frees millions of small strings and nodes; mimalloc does that in a
// fraction of the C library allocator's time (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(redis_ha_gen::cli::main())
}
