//! `dbx-tui`: the terminal console, the emulator, and small command-line helpers.

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::commands::{self as commands, OutputFormat};
use dbx_tui::config::{self, Env};
use std::collections::BTreeMap;
use std::path::PathBuf;

mod demo;

#[derive(Parser)]
#[command(
    name = "dbx-tui",
    version,
    about = "A keyboard-driven terminal console for Databricks admins"
)]
struct Cli {
    /// Start against an embedded emulated Databricks account with demo data (no account needed).
    #[arg(long)]
    demo: bool,
    /// The profile of ~/.databrickscfg to start with (as the Databricks CLI's --profile).
    #[arg(long, short, global = true)]
    profile: Option<String>,
    /// Read profiles from this file instead of DATABRICKS_CONFIG_FILE or ~/.databrickscfg.
    #[arg(long)]
    config_file: Option<PathBuf>,
    /// Disable every write and say so in the header.
    #[arg(long)]
    read_only: bool,
    /// Key bindings file (default: keys.toml in the dbx-tui config directory).
    #[arg(long)]
    keys: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// List the account's network policies with the number of workspaces bound to each.
    ///
    /// Exit codes: 0 listed; 1 error.
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Print one network policy: JSON exactly as the server returned it, or a summary.
    ///
    /// Exit codes: 0 printed; 1 error (no such policy, credentials, network).
    Get {
        /// The network policy id.
        id: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
    },
    /// Bind a network policy to a workspace (default-policy unbinds). Says what the workspace
    /// was bound to; writes nothing without --yes.
    ///
    /// Exit codes: 0 bound (or already bound); 1 error; 2 not confirmed: --yes missing, nothing
    /// written.
    Bind {
        /// The workspace id or name.
        workspace: String,
        /// The network policy id.
        policy: String,
        /// Confirm the change (it changes what the workspace's serverless compute may reach).
        #[arg(long)]
        yes: bool,
    },
    /// Print a policy as Terraform (with its workspace bindings) or JSON, as the server holds it.
    Export {
        /// The network policy id.
        id: String,
        #[arg(long, value_enum, default_value_t = dbx_tui::cli::ExportFormat::Terraform)]
        format: dbx_tui::cli::ExportFormat,
    },
    /// What enforcing a dry-run policy would block: the dry-run denials of its workspaces per
    /// destination over a window. Exit code 0 when nothing seen would be blocked, 3 when
    /// something would, 1 on an error.
    Rollout {
        /// The network policy id.
        id: String,
        /// The window: 30m, 24h, 7d, 2w, or a start time such as 2026-11-24T09:00:00Z.
        #[arg(long, default_value = "7d")]
        since: String,
        #[arg(long, value_enum, default_value_t = dbx_tui::policy_rollout::RolloutFormat::Text)]
        format: dbx_tui::policy_rollout::RolloutFormat,
    },
}

#[derive(Subcommand)]
enum SpCommand {
    /// List the service principals: account SCIM on an account profile, workspace SCIM on a
    /// workspace profile.
    ///
    /// Exit codes: 0 listed; 1 error; 3 some pages could not be read (what was read is printed).
    List {
        /// A SCIM filter, e.g. 'displayName co "etl"' or 'applicationId eq "…"'.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

#[derive(Subcommand)]
enum EgressCommand {
    /// Print the blocked (and dry-run denied) connections of system.access.outbound_network
    /// since a window, newest last; --format json writes one JSON object per line.
    ///
    /// Read through a SQL warehouse (the profile's warehouse_id, else a running one); an account
    /// profile reads through a workspace (warehouse_workspace or workspace_id in the profile,
    /// else the first running one).
    ///
    /// Exit codes: 0 done (with --follow: stopped by Ctrl-C or a closed pipe); 1 error.
    Tail {
        /// The window: 30m, 1h, 7d, 2w, or a start time such as 2026-11-24T09:00:00Z.
        #[arg(long, default_value = "1h")]
        since: String,
        /// Keep polling every 15 s until Ctrl-C, printing only events not printed yet.
        #[arg(long)]
        follow: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Seconds between polls with --follow (for tests).
        #[arg(long, hide = true, default_value_t = 15)]
        poll_seconds: u64,
    },
}

/// Output format of `dbx-tui auth profiles`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ProfilesFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Resolve the profile (--profile, else the default), get a token, call a cheap endpoint,
    /// and say what works or what exactly is wrong.
    Check,
    /// Check every profile in the config file, one line each.
    Profiles {
        /// `json`: one JSON object per profile, one per line, for scripts.
        #[arg(long, value_enum, default_value_t = ProfilesFormat::Text)]
        format: ProfilesFormat,
    },
    /// Store a secret for a profile key in the OS keyring (read without echo, or from stdin)
    /// and print the line to put in the profile.
    Set {
        /// The profile the secret belongs to.
        profile: String,
        /// The profile key: token, client_secret, azure_client_secret, a gateway header name, …
        key: String,
    },
    /// Sign in as yourself in a browser (OAuth U2M); the refresh token goes to the OS keyring
    /// and --profile (new or existing) gets auth_type = external-browser after you agree.
    Login {
        /// The workspace or accounts host (default: the profile's).
        #[arg(long)]
        host: Option<String>,
        /// The account id, for an account sign-in.
        #[arg(long)]
        account_id: Option<String>,
        /// Write the profile without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum Sub {
    /// Check credentials and store secrets in the OS keyring.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// Network policy commands that need no UI.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Service principal commands that need no UI.
    Sp {
        #[command(subcommand)]
        command: SpCommand,
    },
    /// The egress block log on the command line.
    Egress {
        #[command(subcommand)]
        command: EgressCommand,
    },
    /// Run the Databricks emulator alone and print a .databrickscfg profile for it.
    Emulator(demo::EmulatorArgs),
}

#[derive(serde::Deserialize, Default)]
struct KeysFile {
    #[serde(default)]
    keys: BTreeMap<String, Vec<String>>,
}

fn load_keymap(path: Option<PathBuf>) -> Result<Keymap> {
    let explicit = path.is_some();
    let path =
        path.or_else(|| dbx_tui::logging::project_dirs().map(|d| d.config_dir().join("keys.toml")));
    let Some(path) = path else {
        return Ok(Keymap::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(Keymap::default());
        }
        Err(e) => return Err(e).wrap_err_with(|| format!("reading {}", path.display())),
    };
    let file: KeysFile =
        toml::from_str(&text).wrap_err_with(|| format!("parsing {}", path.display()))?;
    Keymap::with_overrides(&file.keys).map_err(|e| eyre!("{}: {e}", path.display()))
}

/// Panics on the UI thread restore the terminal, then print color-eyre's report. Panics on a
/// worker thread belong to the actor, which catches them and reports them in the UI; printing
/// them would scribble over the screen, so they only go to the log.
fn install_panic_hook() -> Result<()> {
    use std::io::IsTerminal;
    // Colour only for a person at a terminal who has not asked for none (NO_COLOR).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            dbx_tui::app::terminal::restore();
            eprintln!("{}", panic_hook.panic_report(info));
        } else {
            tracing::error!(panic = %info, "panic in a background task");
        }
    }));
    Ok(())
}

/// The config file the way the CLI finds it (`--config-file`, `DATABRICKS_CONFIG_FILE`, then
/// `~/.databrickscfg`); none is not an error, a broken one is. The one place every command
/// loads it.
fn load_file(cli: &Cli, env: &Env) -> Result<Option<config::ConfigFile>> {
    let path = cli
        .config_file
        .clone()
        .or_else(|| config::default_config_path(env));
    match path.as_deref().map(config::load_config_file) {
        Some(Ok(f)) => Ok(Some(f)),
        Some(Err(config::ConfigError::NotFound { .. })) | None => Ok(None),
        Some(Err(e)) => Err(eyre!("{e}")),
    }
}

const NO_PROFILES: &str = "no Databricks profile found: create ~/.databrickscfg, set DATABRICKS_HOST and a credential, or try `dbx-tui --demo`";

/// `dbx-tui auth …`: the work is in `dbx_tui::auth::check`; this only prints.
async fn auth_command(cli: &Cli, command: AuthCommand) -> Result<()> {
    use dbx_tui::auth::check;
    let env = Env::from_process();
    let limit = std::time::Duration::from_secs(5);
    match command {
        AuthCommand::Check => {
            let file = load_file(cli, &env)?;
            if config::list_profiles(&env, file.as_ref()).is_empty() && cli.profile.is_none() {
                return Err(eyre!("{NO_PROFILES}"));
            }
            let profile = config::resolve(cli.profile.as_deref(), &env, file.as_ref())
                .map_err(|e| eyre!("{e}"))?;
            let report = check::check_profile(&profile, limit).await;
            print!("{}", check::render(&report)); // allow-print
            if report.outcome.is_err() {
                std::process::exit(1);
            }
        }
        AuthCommand::Profiles { format } => {
            let file = load_file(cli, &env)?;
            let profiles = config::list_profiles(&env, file.as_ref());
            if profiles.is_empty() {
                return Err(eyre!("{NO_PROFILES}"));
            }
            let reports =
                futures::future::join_all(profiles.iter().map(|p| check::check_profile(p, limit)))
                    .await;
            match format {
                ProfilesFormat::Json => {
                    for r in &reports {
                        println!("{}", check::to_json(r)); // allow-print
                    }
                }
                ProfilesFormat::Text => {
                    for r in &reports {
                        println!("{}", check::render_line(r)); // allow-print
                    }
                    for r in reports.iter().filter(|r| r.outcome.is_err()) {
                        println!("\n{}", check::render(r)); // allow-print
                    }
                }
            }
            // Scripts read the exit code: 0 only when every profile signed in.
            if reports.iter().any(|r| r.outcome.is_err()) {
                std::process::exit(1);
            }
        }
        AuthCommand::Login {
            host,
            account_id,
            yes,
        } => {
            let file = load_file(cli, &env)?;
            let path = cli
                .config_file
                .clone()
                .or_else(|| config::default_config_path(&env))
                .ok_or_else(|| {
                    eyre!("no home directory for ~/.databrickscfg: give --config-file")
                })?;
            let args = dbx_tui::auth_login::LoginArgs {
                profile: cli.profile.clone(),
                host,
                account_id,
                yes,
            };
            let done = dbx_tui::auth_login::command(args, path, file.as_ref())
                .await
                .map_err(|e| eyre!("{e}"))?;
            println!("{done}"); // allow-print
        }
        AuthCommand::Set { profile, key } => {
            let value = dbx_tui::cli::read_secret(&format!("{key} for profile {profile}: "))
                .wrap_err("reading the secret")?;
            if value.is_empty() {
                return Err(eyre!("empty value: nothing stored"));
            }
            let name = config::keyring::entry_name(&profile, &key);
            config::keyring::set(&name, &value).map_err(|e| eyre!("{e}"))?;
            let line = if key.contains('-') {
                format!("gateway_headers = {key}: keyring:{name}")
            } else {
                format!("{key} = keyring:{name}")
            };
            println!("Stored in the OS keyring. Put this line in [{profile}]:\n{line}"); // allow-print
        }
    }
    Ok(())
}

/// The profile a subcommand runs with: `--profile`, else the default, as every command finds it.
fn command_profile(cli: &Cli) -> Result<config::Profile> {
    let env = Env::from_process();
    let file = load_file(cli, &env)?;
    config::resolve(cli.profile.as_deref(), &env, file.as_ref()).map_err(|e| eyre!("{e}"))
}

/// `dbx-tui policy list|get|bind`.
async fn policy_command(cli: &Cli, command: PolicyCommand) -> Result<commands::Outcome> {
    let profile = command_profile(cli)?;
    let out = &mut std::io::stdout();
    Ok(match command {
        PolicyCommand::List { format } => commands::policy::list(&profile, format, out).await,
        PolicyCommand::Get { id, format } => {
            commands::policy::get(&profile, &id, format, out).await
        }
        PolicyCommand::Bind {
            workspace,
            policy,
            yes,
        } => commands::policy::bind(&profile, &workspace, &policy, yes, out).await,
        PolicyCommand::Export { .. } | PolicyCommand::Rollout { .. } => Err(
            commands::Failure::error("not a policy subcommand of this dispatcher"),
        ),
    })
}

/// `dbx-tui sp list`.
async fn sp_command(cli: &Cli, command: SpCommand) -> Result<commands::Outcome> {
    let profile = command_profile(cli)?;
    let SpCommand::List { filter, format } = command;
    let out = &mut std::io::stdout();
    Ok(commands::principals::list(&profile, filter.as_deref(), format, out).await)
}

/// `dbx-tui egress tail`: Ctrl-C ends a follow cleanly (and cancels the statement in flight).
async fn egress_command(cli: &Cli, command: EgressCommand) -> Result<commands::Outcome> {
    let EgressCommand::Tail {
        since,
        follow,
        format,
        poll_seconds,
    } = command;
    let now = dbx_tui::api::timestamp::now_ms();
    let since_ms =
        dbx_tui::api::timestamp::parse_since(&since, now).map_err(|e| eyre!("--since {e}"))?;
    let profile = command_profile(cli)?;
    let stop = tokio_util::sync::CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    let args = commands::egress_tail::TailArgs {
        since_ms,
        follow,
        format,
        interval: std::time::Duration::from_secs(poll_seconds.max(1)),
        budget: dbx_tui::api::egress_poll::PollBudget::default(),
    };
    let (out, err) = (&mut std::io::stdout(), &mut std::io::stderr());
    Ok(commands::egress_tail::run(&profile, &args, &stop, out, err).await)
}

/// Ends a subcommand: its output is printed; a failure is one `Error: …` line and its exit code.
fn finish(outcome: Result<commands::Outcome>, log_guard: impl Sized) -> Result<()> {
    match outcome? {
        Ok(()) => Ok(()),
        Err(f) if f.code == 1 => Err(eyre!("{}", f.message)),
        Err(f) => {
            print_error(&eyre!("{}", f.message));
            // `process::exit` runs no destructors: flush the log first.
            drop(log_guard);
            std::process::exit(f.code);
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match Box::pin(run()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            print_error(&e);
            std::process::ExitCode::FAILURE
        }
    }
}

/// An error as scripts and people want it on stderr: the message and its causes, one line each,
/// no source location, no colour; color-eyre's full report only when a backtrace is asked for.
fn print_error(e: &color_eyre::Report) {
    let asked = |v: &str| std::env::var_os(v).is_some_and(|x| x != "0");
    if asked("RUST_BACKTRACE") || asked("RUST_LIB_BACKTRACE") {
        eprintln!("{e:?}"); // allow-print
        return;
    }
    let mut chain = e.chain();
    if let Some(first) = chain.next() {
        eprintln!(
            "Error: {}",
            dbx_tui::sanitize::terminal_text(&first.to_string())
        ); // allow-print
    }
    for cause in chain {
        eprintln!(
            "  because: {}",
            dbx_tui::sanitize::terminal_text(&cause.to_string())
        ); // allow-print
    }
}

async fn run() -> Result<()> {
    install_panic_hook()?;
    let mut cli = Cli::parse();
    let paths = dbx_tui::files::AppPaths::from_env(cli.demo && cli.command.is_none())?;
    let (log_guard, log_file) = dbx_tui::logging::init(&paths.log_dir, paths.owned)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting");

    match cli.command.take() {
        Some(Sub::Emulator(args)) => return demo::run_standalone(args).await,
        Some(Sub::Policy {
            command: PolicyCommand::Export { id, format },
        }) => {
            let env = Env::from_process();
            let file = load_file(&cli, &env)?;
            let profile = config::resolve(cli.profile.as_deref(), &env, file.as_ref())
                .map_err(|e| eyre!("{e}"))?;
            let text = dbx_tui::cli::export_policy(&profile, &id, format)
                .await
                .map_err(|e| eyre!("{}", e.user_message()))?;
            print!("{text}");
            return Ok(());
        }
        Some(Sub::Policy {
            command: PolicyCommand::Rollout { id, since, format },
        }) => {
            use dbx_tui::policy_rollout::{self as rollout, RolloutFormat};
            let now = dbx_tui::api::timestamp::now_ms();
            let since_ms = dbx_tui::api::timestamp::parse_since(&since, now)
                .map_err(|e| eyre!("--since {e}"))?;
            let env = Env::from_process();
            let file = load_file(&cli, &env)?;
            let profile = config::resolve(cli.profile.as_deref(), &env, file.as_ref())
                .map_err(|e| eyre!("{e}"))?;
            let run = rollout::run(&profile, &id, since_ms)
                .await
                .map_err(|e| eyre!("{}", e.user_message()))?;
            match format {
                RolloutFormat::Text => print!("{}", rollout::render_text(&run)), // allow-print
                RolloutFormat::Json => print!("{}", rollout::render_json(&run)), // allow-print
            }
            drop(log_guard);
            std::process::exit(run.report.exit_code());
        }
        Some(Sub::Policy { command }) => {
            return finish(policy_command(&cli, command).await, log_guard);
        }
        Some(Sub::Sp { command }) => return finish(sp_command(&cli, command).await, log_guard),
        Some(Sub::Egress { command }) => {
            return finish(egress_command(&cli, command).await, log_guard);
        }
        Some(Sub::Auth { command }) => return auth_command(&cli, command).await,
        None => {}
    }

    let keymap = load_keymap(cli.keys.clone())?;
    let mut demo = None;
    let (profiles, initial) = if cli.demo {
        let (running, profiles) = demo::start().await?;
        demo = Some(running);
        let first = profiles.first().map(|p| p.name.clone());
        (profiles, first)
    } else {
        let env = Env::from_process();
        let file = load_file(&cli, &env)?;
        let mut profiles = config::list_profiles(&env, file.as_ref());
        let initial = match config::resolve(cli.profile.as_deref(), &env, file.as_ref()) {
            Ok(p) => {
                // The resolved profile carries the environment overlay; it replaces the raw one.
                let name = p.name.clone();
                profiles.retain(|x| x.name != name);
                profiles.insert(0, p);
                Some(name)
            }
            Err(e) if cli.profile.is_some() => return Err(eyre!("{e}")),
            Err(e) => {
                tracing::warn!(error = %e, "no default profile");
                None
            }
        };
        if profiles.is_empty() {
            return Err(eyre!("{NO_PROFILES}"));
        }
        (profiles, initial)
    };

    let mut app = App::new(profiles, keymap);
    app.state.read_only = cli.read_only;
    match initial {
        Some(name) => app.connect(&name),
        None => app.show(dbx_tui::app::state::View::Contexts),
    }
    let journal = dbx_tui::journal::Journal::at(&paths.journal);
    if cli.demo {
        // The demo's emulator starts fresh, so its history does too.
        journal
            .clear()
            .wrap_err_with(|| format!("clearing the demo journal {}", paths.journal.display()))?;
    }
    let (actor, events) = dbx_tui::actor::spawn(journal);

    // Without ratatui's panic hook: ours is installed above.
    let mut terminal = dbx_tui::app::terminal::enter()
        .wrap_err("dbx-tui needs an interactive terminal (a TTY)")?;
    let result = dbx_tui::app::run::run(&mut terminal, app, actor, events).await;
    dbx_tui::app::terminal::restore();
    if let Some(running) = demo {
        running.shutdown().await;
    }
    let exit = result
        .wrap_err_with(|| format!("dbx-tui stopped on an error (log: {})", log_file.display()))?;
    if exit != dbx_tui::app::run::Exit::Quit {
        // `process::exit` runs no destructors: flush the log first.
        drop(log_guard);
        std::process::exit(exit.code());
    }
    Ok(())
}
