//! `dbx-tui`: the terminal console, the emulator, and small command-line helpers.

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
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
    #[arg(long, short)]
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
    /// Print a policy as Terraform (with its workspace bindings) or JSON, as the server holds it.
    Export {
        /// The network policy id.
        id: String,
        #[arg(long, value_enum, default_value_t = dbx_tui::cli::ExportFormat::Terraform)]
        format: dbx_tui::cli::ExportFormat,
    },
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Resolve the profile (--profile, else the default), get a token, call a cheap endpoint,
    /// and say what works or what exactly is wrong.
    Check,
    /// Check every profile in the config file, one line each.
    Profiles,
    /// Store a secret for a profile key in the OS keyring (read without echo, or from stdin)
    /// and print the line to put in the profile.
    Set {
        /// The profile the secret belongs to.
        profile: String,
        /// The profile key: token, client_secret, azure_client_secret, a gateway header name, …
        key: String,
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
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default().into_hooks();
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
        AuthCommand::Profiles => {
            let file = load_file(cli, &env)?;
            let profiles = config::list_profiles(&env, file.as_ref());
            if profiles.is_empty() {
                return Err(eyre!("{NO_PROFILES}"));
            }
            let reports =
                futures::future::join_all(profiles.iter().map(|p| check::check_profile(p, limit)))
                    .await;
            for r in &reports {
                println!("{}", check::render_line(r)); // allow-print
            }
            for r in reports.iter().filter(|r| r.outcome.is_err()) {
                println!("\n{}", check::render(r)); // allow-print
            }
            // Scripts read the exit code: 0 only when every profile signed in.
            if reports.iter().any(|r| r.outcome.is_err()) {
                std::process::exit(1);
            }
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

#[tokio::main]
async fn main() -> Result<()> {
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
