//! Raw flags and the config file → the settings a subcommand runs with.
//!
//! [`resolve`] takes the parsed command line by value (ripgrep's lowargs →
//! hiargs), so no subcommand can read a raw flag: each gets the resolved
//! [`Settings`] and its own [`Task`]. Precedence, highest first: a flag,
//! the config file, the default. A flag that does not apply to the
//! subcommand is refused (exit status 2), never silently ignored; a config
//! file key that does not apply to it is simply not used, since one file
//! serves every subcommand.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ragcheck::diagnostic::Severity;
use ragcheck::discover::WalkOptions;
use ragcheck::render::{Format, RenderOptions};

use super::args::{CheckArgs, Cli, ColorArg, Command, FailOn, flag_value};
use super::config;

/// What to do, with the subcommand's own arguments.
pub(crate) enum Task {
    Check {
        paths: Vec<PathBuf>,
        show_settings: bool,
        /// `--layout NAME`.
        layout: Option<String>,
        /// `--history PATH` and `--partition K/N` (SPEC 3.9, 4.4).
        collection: Collection,
    },
    /// `rules`, `test` and `fmt` take their rule paths from
    /// [`Settings::rules`].
    Rules,
    Test,
    Fmt {
        check: bool,
    },
    Explain {
        id: String,
    },
    Completions(clap_complete::Shell),
    Man,
}

/// The collection flags of `check`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Collection {
    /// `--history PATH`, repeatable.
    pub(crate) history: Vec<PathBuf>,
    /// `--partition K/N`.
    pub(crate) partition: Option<(u32, u32)>,
}

/// Where a setting's value came from, for `--show-settings`.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    Default,
    Flag(&'static str),
    Config(PathBuf),
    /// Several: `--exclude` patterns and the config file's add up.
    Both(&'static str, PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::Flag(flag) => f.write_str(flag),
            Origin::Config(path) => write!(f, "{}", path.display()),
            Origin::Both(flag, path) => write!(f, "{} and {flag}", path.display()),
        }
    }
}

/// The settings a subcommand runs with.
pub(crate) struct Settings {
    pub(crate) render: RenderOptions,
    pub(crate) format: Format,
    /// Colour for what goes to standard error (rule-file problems,
    /// unreadable paths): decided for stderr as `render.color` is for the
    /// output.
    pub(crate) stderr_color: bool,
    /// The width of standard error, as `render.width` is of the output.
    pub(crate) stderr_width: Option<usize>,
    /// The rule files and folders.
    pub(crate) rules: Vec<PathBuf>,
    /// Whether [`Settings::rules`] is the default `./rules`, named by no
    /// one: a missing folder then needs to say how to name one.
    pub(crate) rules_default: bool,
    /// Where the output goes; `None` is standard output.
    pub(crate) output: Option<PathBuf>,
    pub(crate) quiet: bool,
    /// Worker threads; 0 is one per core.
    pub(crate) jobs: usize,
    /// How `check` walks folders.
    pub(crate) walk: WalkOptions,
    /// `--statistics`: counts per check instead of the diagnostics.
    pub(crate) statistics: bool,
    /// The config file read, if any.
    pub(crate) config: Option<PathBuf>,
    /// Each setting as `--show-settings` prints it: name, value, origin.
    shown: Vec<(&'static str, String, Origin)>,
}

/// The flags each subcommand takes, besides `--rules`, `--config`,
/// `--no-config`, `--color` and `--output`, which every one of them takes.
fn applies(command: &Command, flag: &str) -> bool {
    match command {
        Command::Check(_) => true,
        Command::Rules { .. } => matches!(flag, "--format" | "--quiet"),
        Command::Test { .. } => matches!(flag, "--quiet" | "--jobs"),
        Command::Fmt { .. } | Command::Explain { .. } => false,
        Command::Completions { .. } | Command::Man => false,
    }
}

fn name(command: &Command) -> &'static str {
    match command {
        Command::Check(_) => "check",
        Command::Rules { .. } => "rules",
        Command::Test { .. } => "test",
        Command::Fmt { .. } => "fmt",
        Command::Explain { .. } => "explain",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
    }
}

/// Resolve the command line and the config file into the task and its
/// settings. `Err` is a message for the user (exit status 2).
pub(crate) fn resolve(cli: Cli) -> Result<(Task, Settings), String> {
    let Cli {
        command,
        rules: rules_flag,
        format,
        output,
        fail_on,
        jobs,
        quiet,
        color,
        config,
        no_config,
    } = cli;
    let given = [
        ("--format", format.is_some()),
        ("--fail-on", fail_on.is_some()),
        ("--jobs", jobs.is_some()),
        ("--quiet", quiet),
    ];
    for (flag, is_given) in given {
        if is_given && !applies(&command, flag) {
            return Err(format!(
                "`{flag}` does not apply to `ragcheck {}`",
                name(&command)
            ));
        }
    }
    if matches!(command, Command::Rules { .. })
        && let Some(f) = format
        && !matches!(f, Format::Human | Format::Json)
    {
        return Err(format!(
            "`ragcheck rules` writes `human` or `json`, not `{}`",
            f.name()
        ));
    }
    let cwd = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
    let config = if no_config {
        None
    } else {
        config::find(&cwd, config.as_deref())?
    };
    let file = config.as_ref().map(|c| &c.options);
    let config_path = || config.as_ref().map(|c| c.path.clone()).unwrap_or_default();
    let is_check = matches!(command, Command::Check(_));
    let mut shown = Vec::new();

    // Rules: --rules and positional paths add up; without either, the
    // config file's, else ./rules.
    let (mut task, positional, walk_flags) = task(command);
    let mut rules: Vec<PathBuf> = rules_flag;
    rules.extend(positional);
    let (rules, rules_default, origin) = if !rules.is_empty() {
        (rules, false, Origin::Flag("command line"))
    } else if let (Some(config), Some(paths)) = (&config, file.and_then(|f| f.rules.as_ref())) {
        let paths = paths.iter().map(|p| config.resolve(p)).collect();
        (paths, false, Origin::Config(config_path()))
    } else {
        (vec![PathBuf::from("rules")], true, Origin::Default)
    };
    shown.push(("rules", paths_list(&rules), origin));

    // Format: the config file's is for `check` only.
    let (format, origin) = pick(
        format,
        "--format",
        file.and_then(|f| f.format).filter(|_| is_check),
        Format::Human,
        &config_path,
    );
    shown.push(("format", format.name().to_string(), origin));
    if walk_flags.statistics && !matches!(format, Format::Human | Format::Concise) {
        return Err(format!(
            "`--statistics` applies to `human` and `concise` output, not `{}`",
            format.name()
        ));
    }

    let output = output.filter(|o| o.as_os_str() != "-");
    shown.push((
        "output",
        output
            .as_ref()
            .map(|o| o.display().to_string())
            .unwrap_or_else(|| "standard output".into()),
        if output.is_some() {
            Origin::Flag("--output")
        } else {
            Origin::Default
        },
    ));

    let (fail_on, origin) = pick(
        fail_on,
        "--fail-on",
        file.and_then(|f| f.fail_on),
        FailOn::Error,
        &config_path,
    );
    shown.push(("fail-on", flag_value(fail_on), origin));

    let (jobs, origin) = pick(jobs, "--jobs", file.and_then(|f| f.jobs), 0, &config_path);
    shown.push((
        "jobs",
        if jobs == 0 {
            "0 (one per core)".into()
        } else {
            jobs.to_string()
        },
        origin,
    ));

    let (color, origin) = pick(
        color,
        "--color",
        file.and_then(|f| f.color),
        ColorArg::Auto,
        &config_path,
    );
    shown.push(("color", flag_value(color), origin));
    shown.push((
        "quiet",
        quiet.to_string(),
        if quiet {
            Origin::Flag("--quiet")
        } else {
            Origin::Default
        },
    ));

    // Walking folders (check only).
    let mut walk = WalkOptions::default();
    let mut excluded = Vec::new();
    let mut exclude_origin = Origin::Default;
    if let (Some(config), Some(patterns)) = (&config, file.and_then(|f| f.exclude.as_ref())) {
        let base = if config.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &config.base
        };
        walk.exclude.add(base, patterns)?;
        excluded.extend(patterns.iter().cloned());
        exclude_origin = Origin::Config(config_path());
    }
    if !walk_flags.exclude.is_empty() {
        walk.exclude.add(Path::new("."), &walk_flags.exclude)?;
        excluded.extend(walk_flags.exclude.iter().cloned());
        exclude_origin = match exclude_origin {
            Origin::Config(path) => Origin::Both("--exclude", path),
            _ => Origin::Flag("--exclude"),
        };
    }
    shown.push((
        "exclude",
        if excluded.is_empty() {
            "(none)".into()
        } else {
            excluded.join(", ")
        },
        exclude_origin,
    ));
    let (gitignore, origin) = if walk_flags.no_ignore {
        (false, Origin::Flag("--no-ignore"))
    } else {
        pick(
            None,
            "",
            file.and_then(|f| f.respect_gitignore),
            true,
            &config_path,
        )
    };
    walk.gitignore = gitignore;
    shown.push(("respect-gitignore", gitignore.to_string(), origin));

    // The layout (check only): the flag, else the config file's.
    if let Task::Check { layout, .. } = &mut task {
        let origin = if layout.is_some() {
            Origin::Flag("--layout")
        } else if let Some(name) = file.and_then(|f| f.layout.clone()) {
            *layout = Some(name);
            Origin::Config(config_path())
        } else {
            Origin::Default
        };
        let shown_layout = layout.clone().unwrap_or_else(|| "(none)".into());
        shown.push(("layout", shown_layout, origin));
    }

    // https://no-color.org: a NO_COLOR that is set and not empty turns
    // colour off; an explicit `--color always` still wins.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color_for = |terminal: bool| match color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => terminal && !no_color,
    };
    let render_color = color_for(output.is_none() && std::io::stdout().is_terminal());
    let stderr_color = color_for(std::io::stderr().is_terminal());
    let fail_on = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let to_file = output.is_some();
    let settings = Settings {
        render: RenderOptions {
            color: render_color,
            fail_on,
            base_dir: Some(cwd),
            quiet,
            step_summary: false,
            unreadable: 0,
            width: if to_file {
                None
            } else {
                width(std::io::stdout().is_terminal())
            },
        },
        format,
        stderr_color,
        stderr_width: width(std::io::stderr().is_terminal() && std::io::stdout().is_terminal()),
        rules,
        rules_default,
        output,
        quiet,
        jobs,
        walk,
        statistics: walk_flags.statistics,
        config: config.map(|c| c.path),
        shown,
    };
    Ok((task, settings))
}

/// The flags of `check` that say how to walk folders.
#[derive(Default)]
struct WalkFlags {
    exclude: Vec<String>,
    no_ignore: bool,
    statistics: bool,
}

/// The task, the rule paths given as positional arguments, and how to
/// walk folders.
fn task(command: Command) -> (Task, Vec<PathBuf>, WalkFlags) {
    match command {
        Command::Check(CheckArgs {
            paths,
            exclude,
            no_ignore,
            show_settings,
            layout,
            statistics,
            history,
            partition,
        }) => (
            Task::Check {
                paths,
                show_settings,
                layout,
                collection: Collection { history, partition },
            },
            Vec::new(),
            WalkFlags {
                exclude,
                no_ignore,
                statistics,
            },
        ),
        Command::Rules { paths } => (Task::Rules, paths, WalkFlags::default()),
        Command::Test { paths } => (Task::Test, paths, WalkFlags::default()),
        Command::Fmt { check, paths } => (Task::Fmt { check }, paths, WalkFlags::default()),
        Command::Explain { id } => (Task::Explain { id }, Vec::new(), WalkFlags::default()),
        Command::Completions { shell } => {
            (Task::Completions(shell), Vec::new(), WalkFlags::default())
        }
        Command::Man => (Task::Man, Vec::new(), WalkFlags::default()),
    }
}

/// The columns to wrap human output to: `COLUMNS` when it is set (as clap
/// and ruff read it), else the terminal's width, else `None`, the renderer's
/// 100 columns (a pipe or a file).
fn width(terminal: bool) -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    columns.or_else(|| {
        terminal
            .then(terminal_size::terminal_size)
            .flatten()
            .map(|(w, _)| usize::from(w.0))
    })
}

/// The flag if given, else the config file's value, else the default.
fn pick<T>(
    flag: Option<T>,
    flag_name: &'static str,
    file: Option<T>,
    default: T,
    config_path: &dyn Fn() -> PathBuf,
) -> (T, Origin) {
    match (flag, file) {
        (Some(v), _) => (v, Origin::Flag(flag_name)),
        (None, Some(v)) => (v, Origin::Config(config_path())),
        (None, None) => (default, Origin::Default),
    }
}

fn paths_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Settings {
    /// Render options for human output on standard error.
    pub(crate) fn stderr_render(&self) -> RenderOptions {
        RenderOptions {
            color: self.stderr_color,
            width: self.stderr_width,
            ..self.render.clone()
        }
    }

    /// The settings in effect and where each came from, one a line.
    pub(crate) fn show(&self) -> String {
        let mut out = match &self.config {
            Some(path) => format!("config file: {}\n", path.display()),
            None => "config file: none (no ragcheck.toml or [tool.ragcheck] found)\n".into(),
        };
        let width = self
            .shown
            .iter()
            .map(|(_, v, _)| v.len())
            .max()
            .unwrap_or(0);
        for (name, value, origin) in &self.shown {
            out.push_str(&format!("{name:<18} {value:<width$}  ({origin})\n"));
        }
        out
    }
}
