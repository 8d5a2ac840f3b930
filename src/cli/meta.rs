//! `completions`, `man`: generated from the same clap definition the binary parses with, so
//! they can never drift from the real flags.

use super::args::{CompletionsArgs, ManArgs};
use super::pipe::Stdout;
use crate::error::EXIT_OK;
use anyhow::Context;

pub fn completions(args: &CompletionsArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    out.print(&script(args.shell).0)?;
    Ok(EXIT_OK)
}

/// The completion script for `shell`, and how many profile arguments were made to complete
/// built-in names besides files (`profile_completion.rs`).
pub(super) fn script(shell: clap_complete::Shell) -> (String, usize) {
    let mut command = super::help::command();
    let name = command.get_name().to_owned();
    let mut raw = Vec::new();
    clap_complete::generate(shell, &mut command, &name, &mut raw);
    let mut script = String::from_utf8_lossy(&raw).into_owned();
    match shell {
        clap_complete::Shell::Bash => script = fix_bash_equals(&fix_bash_hyphens(&script, &name)),
        clap_complete::Shell::Fish => script = fix_fish_top_level_values(&script),
        _ => {}
    }
    let names = super::candidates::profile_names();
    super::profile_completion::complete_profiles(shell, &script, &names)
}

/// clap_complete's bash script names each subcommand's `case` branch from the binary name
/// with its hyphens turned into `__subcmd__` (`redis__subcmd__ha__subcmd__gen__subcmd__lint`),
/// while the loop that finds the subcommand builds `redis__ha__gen__subcmd__lint`: no branch
/// matches, so nothing below the top level completes (clap-rs/clap#6421, still open).
/// The branch names are rewritten to the loop's.
fn fix_bash_hyphens(script: &str, name: &str) -> String {
    let loop_name = name.replace('-', "__");
    let branch_name = name.replace('-', "__subcmd__");
    script.replace(&branch_name, &loop_name)
}

/// The line clap_complete's bash function starts with after taking the previous word.
const BASH_PREV: &str = "    prev=\"$3\"\n";
/// `--opt=value`: bash splits words at `=` (it is in `COMP_WORDBREAKS`), so in
/// `--profile=pro<TAB>` the word before `pro` is `=` and clap_complete's script, which
/// branches on the previous word, offers the subcommands. The flag is the word before the
/// `=`; and in `--profile=<TAB>` the word being completed is `=` itself, which is no prefix
/// of a value.
const BASH_EQUALS: &str = r#"    if [[ "${cur}" == "=" ]]; then
        cur=""
    elif [[ "${prev}" == "=" && ${COMP_CWORD} -ge 2 ]]; then
        prev="${COMP_WORDS[COMP_CWORD-2]}"
    fi
"#;

/// Complete `--opt=value` as `--opt value` (see [`BASH_EQUALS`]).
fn fix_bash_equals(script: &str) -> String {
    script.replacen(BASH_PREV, &format!("{BASH_PREV}{BASH_EQUALS}"), 1)
}

/// clap_complete's fish script decides whether a subcommand was typed by parsing the line
/// with `argparse`; while a top-level option still waits for its value (`redis-ha-gen
/// --profile <TAB>`, `--output <TAB>`) that parse fails, every top-level completion's
/// condition is false and fish falls back to files alone. A line that does not parse yet has
/// no subcommand: the guard says so (the same repair as locez/merry#53).
fn fix_fish_top_level_values(script: &str) -> String {
    script.replace(
        "-- $cmd 2>/dev/null\n    or return\n",
        "-- $cmd 2>/dev/null\n    or return 0\n",
    )
}

pub fn man(args: &ManArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let mut command = super::help::command().disable_help_subcommand(true);
    command.build();
    let Some(dir) = &args.output_dir else {
        let page = super::man::page(&command, "")?;
        out.print(&String::from_utf8_lossy(&page))?;
        return Ok(EXIT_OK);
    };
    let shown = dir.display();
    std::fs::create_dir_all(dir).with_context(|| format!("man --output-dir {shown}"))?;
    let mut pages = vec![(command.clone(), String::new())];
    pages.extend(
        command
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set())
            .map(|sub| (sub.clone(), sub.get_name().to_owned())),
    );
    for (sub, short) in pages {
        let name = clap_mangen::Man::new(sub.clone()).get_filename();
        let page = super::man::page(&sub, &short)?;
        std::fs::write(dir.join(&name), page)
            .with_context(|| format!("man --output-dir {shown}: cannot write {name}"))?;
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    /// `--help` and the man pages describe every flag and argument of every command.
    #[test]
    fn no_flag_or_argument_lacks_a_description() {
        let mut command = super::super::help::command();
        command.build();
        let mut bare = Vec::new();
        let mut commands = vec![command];
        while let Some(command) = commands.pop() {
            for arg in command.get_arguments() {
                let described = arg
                    .get_help()
                    .is_some_and(|h| !h.to_string().trim().is_empty());
                if !described && !arg.is_hide_set() {
                    bare.push(format!("{} {}", command.get_name(), arg.get_id()));
                }
            }
            commands.extend(command.get_subcommands().cloned());
        }
        assert!(bare.is_empty(), "without a description: {bare:?}");
    }
}
