//! `--profile` (and `show-profile PROFILE`) complete both the built-in profile names and file
//! paths. clap_complete's static scripts offer one or the other: possible values replace the
//! file completion, a path hint leaves the names out. Its dynamic engine (`CompleteEnv`,
//! `ArgValueCompleter`) offers both but is behind `unstable-dynamic`, exempt from semver, and
//! would run the binary on every TAB and replace the whole completion path (including the
//! hyphenated-name workaround in `meta.rs`) for one argument. So the static scripts are
//! generated as before and the profile argument's action is rewritten in each shell's own
//! idiom: bash `compgen -W NAMES` plus `compgen -f`, a zsh `_alternative` of the names and
//! `_files`, fish `-a NAMES` on an option that still completes files.
//! The names come from the profile registry when the script is generated.

use clap_complete::Shell;

/// What clap_complete's bash script does for a value it knows nothing about but a path.
const BASH_FILES: &str = r#"COMPREPLY=($(compgen -f "${cur}"))"#;
/// The `case` branch of `show-profile`, whose first positional is the profile.
const BASH_SHOW_PROFILE: &str = "redis__ha__gen__subcmd__show__subcmd__profile)";
const BASH_FIRST_POSITIONAL: &str = " || ${COMP_CWORD} -eq 2 ]]";
const BASH_OPTS_FALLBACK: &str = r#"COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )"#;
/// zsh's action for the option's value and for `show-profile`'s positional.
const ZSH_OPTION_ACTION: &str = ":PROFILE:_default'";
const ZSH_POSITIONAL: &str = "':profile -- ";
const ZSH_ACTION: &str = "_redis-ha-gen_profiles";
const ZSH_ENTRY: &str = "if [ \"$funcstack[1]\" = \"_redis-ha-gen\" ]; then";

/// The script with the profile argument completing `names` and files, and how many places
/// were rewritten (tests hold it to the number of profile arguments).
pub fn complete_profiles(shell: Shell, script: &str, names: &[&str]) -> (String, usize) {
    let words = names.join(" ");
    match shell {
        Shell::Bash => bash(script, &words),
        Shell::Zsh => zsh(script, &words),
        Shell::Fish => fish(script, &words),
        _ => (script.to_owned(), 0),
    }
}

fn bash(script: &str, words: &str) -> (String, usize) {
    let both =
        format!(r#"COMPREPLY=($(compgen -W "{words}" -- "${{cur}}") $(compgen -f -- "${{cur}}"))"#);
    let mut out = String::with_capacity(script.len() + 1024);
    let mut rewritten = 0;
    let mut after_profile_flag = false;
    let mut in_show_profile = false;
    for line in script.lines() {
        let trimmed = line.trim();
        let indent = &line[..line.len() - line.trim_start().len()];
        let mut replaced = None;
        if after_profile_flag && trimmed == BASH_FILES {
            replaced = Some(format!("{indent}{both}"));
        } else if in_show_profile && line.contains(BASH_FIRST_POSITIONAL) {
            // The profile is typed where clap offers only the flags: offer flags only to `-…`.
            replaced = Some(line.replace(BASH_FIRST_POSITIONAL, " ]]"));
        } else if in_show_profile && trimmed == BASH_OPTS_FALLBACK && indent.len() == 12 {
            replaced = Some(format!("{indent}{both}"));
        }
        if let Some(new) = &replaced {
            out.push_str(new);
            rewritten += 1;
        } else {
            out.push_str(line);
        }
        out.push('\n');
        after_profile_flag = trimmed == "--profile)" || trimmed == "-p)";
        if trimmed == BASH_SHOW_PROFILE {
            in_show_profile = true;
        } else if in_show_profile && trimmed == ";;" && indent.len() == 12 {
            in_show_profile = false;
        }
    }
    (out, rewritten)
}

fn zsh(script: &str, words: &str) -> (String, usize) {
    let mut out = String::with_capacity(script.len() + 1024);
    let mut rewritten = 0;
    for line in script.lines() {
        let option = (line.contains("-p+[") || line.contains("--profile=["))
            && line.contains(ZSH_OPTION_ACTION);
        let positional = line.starts_with(ZSH_POSITIONAL) && line.contains(":_default'");
        if option {
            out.push_str(&line.replace(ZSH_OPTION_ACTION, &format!(":PROFILE:{ZSH_ACTION}'")));
            rewritten += 1;
        } else if positional {
            out.push_str(&line.replace(":_default'", &format!(":{ZSH_ACTION}'")));
            rewritten += 1;
        } else {
            if line == ZSH_ENTRY {
                out.push_str(&format!(
                    "(( $+functions[{ZSH_ACTION}] )) ||\n{ZSH_ACTION}() {{\n    \
                     _alternative 'profiles:built-in profile:({words})' \
                     'files:profile file:_files'\n}}\n\n"
                ));
            }
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, rewritten)
}

fn fish(script: &str, words: &str) -> (String, usize) {
    let mut out = String::with_capacity(script.len() + 1024);
    let mut rewritten = 0;
    for line in script.lines() {
        out.push_str(line);
        // `-r` without `-f`: fish offers files besides the names.
        if line.contains(" -l profile ") && line.ends_with(" -r") {
            out.push_str(&format!(" -a \"{words}\""));
            rewritten += 1;
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "complete -c redis-ha-gen -n \"__fish_redis_ha_gen_using_subcommand show-profile\" \
         -a \"{words}\" -d 'Built-in profile'\n"
    ));
    (out, rewritten + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--profile`/`-p` of every command that has it, and `show-profile`'s positional.
    fn profile_arguments() -> (usize, bool) {
        let mut command = super::super::help::command();
        command.build();
        let mut options = 0;
        let mut positional = false;
        let mut commands = vec![command];
        while let Some(command) = commands.pop() {
            for arg in command.get_arguments() {
                let uses_flag = arg.get_long() == Some("profile") || arg.get_short() == Some('p');
                if uses_flag {
                    // `-p` and `--profile` mean the profile wherever they appear: the rewrite
                    // goes by the flag, not by the command.
                    assert_eq!(arg.get_id(), "profile", "{}", command.get_name());
                    options += 1;
                }
                positional |= arg.get_id() == "profile" && arg.is_positional();
            }
            commands.extend(command.get_subcommands().cloned());
        }
        (options, positional)
    }

    /// Every profile argument is rewritten: a change in clap_complete's output fails here.
    #[test]
    fn every_profile_argument_is_rewritten() {
        let (options, positional) = profile_arguments();
        assert!(options >= 4 && positional, "{options} {positional}");
        // bash: a branch per flag spelling; show-profile: its positional test and fallback.
        assert_eq!(super::super::meta::script(Shell::Bash).1, options * 2 + 2);
        assert_eq!(super::super::meta::script(Shell::Zsh).1, options * 2 + 1);
        assert_eq!(super::super::meta::script(Shell::Fish).1, options + 1);
    }

    #[test]
    fn builtin_names_need_no_quoting_in_any_shell() {
        for name in super::super::candidates::profile_names() {
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
        }
    }
}
