use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(redis_ha_gen::cli::main())
}
