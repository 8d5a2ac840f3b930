//! The command-line contract (docs/contracts.md): every command, flag and default.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Typed profiles to validated Redis + Sentinel HA manifests for Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "redis-ha-gen", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `redis-ha-gen --profile P` is `redis-ha-gen render --profile P`.
    #[command(flatten)]
    pub render: RenderArgs,
    /// Largest input read (a manifest file, stdin, a profile, `-f` file, config file);
    /// larger inputs are refused unread.
    #[arg(long, global = true, value_name = "BYTES",
          default_value_t = crate::bounded_read::DEFAULT_MAX_INPUT_BYTES)]
    pub max_input_bytes: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render and validate a profile; YAML on stdout only if nothing is wrong.
    Render(RenderArgs),
    /// Render and validate a profile; print the findings only.
    Validate(ValidateArgs),
    /// List the built-in profiles.
    Profiles,
    /// Print one profile, fully resolved.
    ShowProfile(ShowProfileArgs),
    /// Print a JSON Schema (`profile`: the profile format, for editor completion).
    Schema(SchemaArgs),
    /// Lint manifests from files, folders (recursive) or stdin (`-`).
    Lint(LintArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Explain one rule: rationale, references, how to fix.
    Explain(ExplainArgs),
    /// Rehearse failure scenarios on real Redis from the manifests (needs root).
    Drill(DrillArgs),
    /// Roles, offsets, Sentinel views and quorum of a running set, with a verdict.
    Status(StatusArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per subcommand into a directory.
    Man(ManArgs),
}

/// Which profile, and what to override in it.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArgs {
    /// Built-in profile name (kind, ocp, production) or path to a profile file.
    #[arg(long, short = 'p')]
    pub profile: Option<String>,
    /// Deep-merge a partial profile file over the profile (repeatable, in order).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Override one typed field, e.g. `--set sentinel.quorum=2` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Namespace of every object (default from the profile: kubernaut-system).
    #[arg(long)]
    pub namespace: Option<String>,
}

/// Options shared by commands that validate.
#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Kubernetes version whose strict schema is used (1.31 … 1.37; default the newest).
    #[arg(long, value_name = "MAJOR.MINOR")]
    pub kube_version: Option<String>,
    /// Warnings fail too (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Config file (default `.redis-ha-gen.yaml` in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RenderArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub check: CheckArgs,
    /// Write one file per concern into DIR (all files or none) instead of stdout.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Output encoding.
    #[arg(long, short = 'o', value_enum, default_value_t = Encoding::Yaml)]
    pub output: Encoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Encoding {
    #[default]
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FindingsFormat {
    #[default]
    Text,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub check: CheckArgs,
    /// Findings as text (for people), json (stable, docs/contracts.md), sarif (code scanning), github (annotations) or junit (CI test reports).
    #[arg(long, value_enum, default_value_t = FindingsFormat::Text)]
    pub format: FindingsFormat,
}

#[derive(Debug, Args, Clone)]
pub struct ShowProfileArgs {
    /// Built-in profile name or path.
    pub profile: String,
    /// Deep-merge a partial profile file over the profile (repeatable, in order).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Override one typed field, e.g. `--set sentinel.quorum=2` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Namespace of every object (default from the profile: kubernaut-system).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Output encoding.
    #[arg(long, short = 'o', value_enum, default_value_t = Encoding::Yaml)]
    pub output: Encoding,
}

#[derive(Debug, Args, Clone)]
pub struct SchemaArgs {
    /// What to print the schema of.
    #[arg(value_enum)]
    pub what: SchemaSubject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaSubject {
    Profile,
}

#[derive(Debug, Args, Clone)]
pub struct LintArgs {
    /// Files, folders (recursive *.yaml, *.yml, *.json) or `-` for stdin.
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub check: CheckArgs,
    /// Findings as text (for people), json (stable, docs/contracts.md), sarif (code scanning), github (annotations) or junit (CI test reports).
    #[arg(long, value_enum, default_value_t = FindingsFormat::Text)]
    pub format: FindingsFormat,
    /// The input is the whole set: also check cross-references (e.g. mounted ConfigMaps).
    #[arg(long)]
    pub complete: bool,
    /// Report what is read from stdin (`-`) as this file (its path in the repository), so
    /// SARIF and GitHub annotations can anchor the findings.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Never run `kustomize build` (or `kubectl kustomize`) on a kustomization with fields lint
    /// cannot apply: read its resources unbuilt and announce those fields at info.
    #[arg(long)]
    pub no_kustomize_build: bool,
    /// Leave out the findings of these rules (comma-separated, or the flag repeated).
    #[arg(long, value_name = "RULE[,RULE]", value_delimiter = ',', hide_possible_values = true,
          value_parser = super::candidates::Candidates(super::candidates::rule_ids))]
    pub skip: Vec<String>,
    /// Report only the findings of these rules (comma-separated, or the flag repeated).
    #[arg(long, value_name = "RULE[,RULE]", value_delimiter = ',', hide_possible_values = true,
          value_parser = super::candidates::Candidates(super::candidates::rule_ids))]
    pub only: Vec<String>,
    /// Leave out the findings recorded in FILE (written by --write-baseline), matched by rule,
    /// object and field, not by line; report only new ones.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record this run's findings in FILE (replacing it) for --baseline, print nothing on
    /// stdout and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct RulesArgs {
    /// The list as text or json, or the whole catalogue with every rule's rationale as markdown (docs/rules.md).
    #[arg(long, value_enum, default_value_t = CatalogueFormat::Text)]
    pub format: CatalogueFormat,
}

/// `drill --format` and `status --format`: their report as text (for people) or json
/// (docs/contracts.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
}

/// `rules --format`: the list, or the whole catalogue as docs/rules.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CatalogueFormat {
    #[default]
    Text,
    Json,
    /// The whole catalogue with every rule's rationale and fix (docs/rules.md).
    Markdown,
}

#[derive(Debug, Args, Clone)]
pub struct ExplainArgs {
    /// Rule id, e.g. `sentinel-config-read-only`.
    #[arg(value_parser = super::candidates::Candidates(super::candidates::rule_ids),
          hide_possible_values = true)]
    pub rule: String,
}

#[derive(Debug, Args, Clone)]
pub struct DrillArgs {
    /// Built-in profile name or path to a profile file (rendered, then drilled).
    #[arg(long, short = 'p', conflicts_with = "manifests")]
    pub profile: Option<String>,
    /// Deep-merge a partial profile file over the profile (with --profile; repeatable, in
    /// order), as for `render`.
    #[arg(
        long = "values",
        short = 'f',
        value_name = "FILE",
        conflicts_with = "manifests"
    )]
    pub values: Vec<PathBuf>,
    /// A rendered manifest set to drill instead of a profile (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub manifests: Option<String>,
    /// Override one typed profile field (with --profile; repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", conflicts_with = "manifests")]
    pub sets: Vec<String>,
    /// Namespace of the rendered objects (with --profile).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Scenario name, several comma-separated (`bootstrap,master-down`), or `all`.
    #[arg(long, default_value = "all", hide_possible_values = true,
          value_parser = super::candidates::Candidates(super::candidates::scenario_names))]
    pub scenario: String,
    /// The report as text (a table) or json (docs/contracts.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write one timeline SVG per scenario into DIR.
    #[arg(long, value_name = "DIR")]
    pub timeline: Option<PathBuf>,
    /// No progress lines on stderr (each step, and `[3/11] NAME passed in 42.0 s` per
    /// scenario): only the report on stdout, and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Where to run: `local` (namespaces on this machine) or `kubectl` (a live cluster).
    #[arg(long, default_value = "local")]
    pub target: String,
    /// Explore: run random fault schedules and judge them by the invariants I1–I4 instead
    /// of the scenarios (docs/explore.md).
    #[arg(long, conflicts_with_all = ["scenario", "replay"])]
    pub explore: bool,
    /// Run a schedule file written by `--explore --out DIR` again, exactly.
    #[arg(long, value_name = "SCHEDULE.json", conflicts_with = "scenario")]
    pub replay: Option<PathBuf>,
    /// Seed of the exploration (default: from the clock; the report shows it).
    #[arg(long, requires = "explore")]
    pub seed: Option<u64>,
    /// How many schedules to run.
    #[arg(long, default_value_t = 10, requires = "explore")]
    pub schedules: usize,
    /// Faults per schedule.
    #[arg(long, default_value_t = 4, requires = "explore")]
    pub steps: usize,
    /// Limit the catalogue: `all` or comma-separated fault names.
    #[arg(long, default_value = "all", value_name = "KIND,KIND,…")]
    pub faults: String,
    /// Write the whole logs of each scenario into DIR (`<scenario>.log`); with
    /// --explore, failing schedules (and their shrunk forms) as replay files, with the whole
    /// logs of the failing run beside each (`.log`; with --replay, of the run whether it
    /// failed or not).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replays shrinking may spend on each failing schedule (0: no shrinking).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub shrink_replays: usize,
    /// Local target: `pids.max` of each container's cgroup (CRI-O's default 1024).
    #[arg(long, value_name = "N", default_value_t = crate::drill::fidelity::DEFAULT_PIDS_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub pids_limit: u32,
    /// Local target: TTL of the cluster DNS's records (CoreDNS kubernetes plugin: 5).
    #[arg(long, value_name = "SECONDS", default_value_t = crate::drill::fidelity::DEFAULT_DNS_TTL_SECS)]
    pub dns_ttl: u64,
    /// Local target: longest time the cluster DNS caches an answer, positive or negative
    /// (CoreDNS `cache 30`); an answer is kept min(TTL, this).
    #[arg(long, value_name = "SECONDS", default_value_t = crate::drill::fidelity::DEFAULT_DNS_CACHE_SECS)]
    pub dns_cache: u64,
    /// Local target: delay between an endpoint change and the cluster DNS answering it.
    #[arg(long, value_name = "MS", default_value_t = crate::drill::fidelity::DEFAULT_DNS_PROPAGATION_MS)]
    pub dns_propagation_ms: u64,
    /// Local target: how long a lost node's pods stay Ready before they are marked NotReady
    /// (kube-controller-manager's --node-monitor-grace-period: 50 since Kubernetes 1.32).
    #[arg(long, value_name = "SECONDS",
          default_value_t = crate::drill::fidelity::DEFAULT_NODE_MONITOR_GRACE_SECS)]
    pub node_monitor_grace: u64,
}

#[derive(Debug, Args, Clone)]
#[command(
    after_help = "Exit codes: 0 healthy, 1 degraded (something down or lagging, \
a master clients can find), 3 no master (or no Sentinel names it), 4 split brain (two or \
more instances answer ROLE master), 2 could not run.\n\
Direct addresses read a password from REDISCLI_AUTH, like redis-cli. With --tls, each \
server's certificate must chain to --cacert and name the address's host (or --tls-server-name)."
)]
pub struct StatusArgs {
    /// `kubectl` (a live cluster, with --namespace) or omit and give ADDRESSES.
    #[arg(long)]
    pub target: Option<String>,
    /// Namespace of the pods (with --target kubectl; default kubernaut-system).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Label selector of the Redis pods (with --target kubectl).
    #[arg(long, short = 'l', default_value = "app=redis")]
    pub selector: String,
    /// host:port of Redis and Sentinel instances (which is which is detected).
    pub addresses: Vec<String>,
    /// The master set's name, as in `sentinel monitor <name> …`.
    #[arg(long, default_value = "mymaster")]
    pub master_name: String,
    /// The report as text (tables and a verdict) or json (docs/contracts.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Connect over TLS (sets with `tls-port` and `port 0`, e.g. `tls.enabled`). With
    /// --target kubectl it is on by itself where a container's env has `TLS_CA_CERT_FILE`.
    #[arg(long)]
    pub tls: bool,
    /// The CA that signed the servers' certificates (with --tls). ADDRESSES: a file here
    /// (required); --target kubectl: the path inside the pods (default /tls/ca.crt).
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub cacert: Option<String>,
    /// The name every server's certificate must carry (with --tls and ADDRESSES; default:
    /// the host of each address).
    #[arg(long, value_name = "NAME", requires = "tls")]
    pub tls_server_name: Option<String>,
    /// Seconds every server has to answer in, all questions together (ADDRESSES); a server
    /// still answering then is an error (exit 2).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// Write `redis-ha-gen.1` and one page per subcommand (`redis-ha-gen-lint.1`, …) into
    /// DIR (created if missing) instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}
