//! The `ragcheck` command line: arguments → library calls → renderer →
//! exit status. Nothing here decides what is wrong with a return.

mod cli;

fn main() {
    let code = cli::run(std::env::args_os());
    std::process::exit(code);
}
