//! `--demo` and `dbx-tui emulator`: the embedded emulator, when this binary has it (the
//! default `demo` feature).

/// `dbx-tui emulator` flags.
#[derive(clap::Args)]
pub struct EmulatorArgs {
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Serve the unauthenticated fault-injection route /__emulator/faults (for tests).
    #[arg(long)]
    pub faults: bool,
    /// Generate this many service principals in every account, on top of the demo's
    /// (deterministic names and ids; 100000 starts in well under a second).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub principals: usize,
    /// Denied egress events logged to system.access.outbound_network per second across all
    /// accounts (as many connection attempts as that takes); 0 stops the generator. Default 5.
    #[arg(long, value_name = "R")]
    pub events_per_sec: Option<f64>,
    /// Delay every answer by this many milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Break answers: KIND[:PATH_PREFIX[:TIMES]], repeatable. KIND: latency-MS,
    /// reset-mid-body, truncated, malformed, extra-fields, missing-optional, huge-BYTES,
    /// slow-drip, or an HTTP status 400-599 (429 and 503 carry Retry-After: 1). PATH_PREFIX
    /// defaults to /api/, TIMES (how many matching requests break) to 1.
    /// Example: --fault truncated:/api/2.0/accounts:3
    #[arg(long, value_name = "KIND[:PATH[:TIMES]]")]
    pub fault: Vec<String>,
}

#[cfg(feature = "demo")]
mod with_emulator {
    use color_eyre::eyre::{Result, WrapErr, eyre};
    use dbx_tui::config::{Profile, ProfileSource};
    use dbx_tui::emulator::{Emulator, EmulatorOptions};

    /// The running demo emulator.
    pub struct Running(Emulator);

    impl Running {
        pub async fn shutdown(self) {
            self.0.shutdown().await;
        }
    }

    /// Start the emulator on a free loopback port, with profiles for it.
    pub async fn start() -> Result<(Running, Vec<Profile>)> {
        let emu = Emulator::start(EmulatorOptions::default(), "127.0.0.1:0".parse()?)
            .await
            .wrap_err("starting the embedded emulator")?;
        let profiles = demo_profiles(&emu);
        Ok((Running(emu), profiles))
    }

    pub async fn run_standalone(args: super::EmulatorArgs) -> Result<()> {
        let faults = args
            .fault
            .iter()
            .map(|f| dbx_tui::emulator::parse_fault(f).map_err(|e| eyre!("--fault {f}: {e}")))
            .collect::<Result<Vec<_>>>()?;
        dbx_tui::emulator::run_standalone_with(dbx_tui::emulator::Standalone {
            port: args.port,
            fault_routes: args.faults,
            principals: args.principals,
            events_per_sec: args.events_per_sec,
            latency: std::time::Duration::from_millis(args.latency_ms),
            faults,
        })
        .await
        .wrap_err("running the emulator")
    }

    /// Profiles for the demo: one account profile per emulated cloud, plus a workspace PAT profile.
    fn demo_profiles(emulator: &Emulator) -> Vec<Profile> {
        let mut out = Vec::new();
        for a in emulator.accounts() {
            let mut p = Profile::empty(&format!("demo-{}", a.cloud), ProfileSource::Demo);
            p.host = Some(emulator.base_url());
            p.account_id = Some(a.account_id.clone());
            p.client_id = Some(a.client_id.clone());
            p.client_secret = Some(a.client_secret.clone().into());
            out.push(p);
        }
        for a in emulator.accounts() {
            if let Some((_, token)) = &a.workspace_pat {
                let mut p =
                    Profile::empty(&format!("demo-{}-workspace", a.cloud), ProfileSource::Demo);
                p.host = Some(emulator.base_url());
                p.token = Some(token.clone().into());
                out.push(p);
            }
        }
        out
    }
}

#[cfg(feature = "demo")]
pub use with_emulator::{run_standalone, start};

#[cfg(not(feature = "demo"))]
mod without_emulator {
    use color_eyre::eyre::{Result, eyre};
    use dbx_tui::config::Profile;

    const MISSING: &str = "this dbx-tui was built without the emulator (the `demo` feature): rebuild with default features for --demo and `dbx-tui emulator`";

    /// Never constructed: there is no emulator to run.
    pub enum Running {}

    impl Running {
        #[allow(clippy::unused_async, reason = "same signature as with the emulator")]
        pub async fn shutdown(self) {
            match self {}
        }
    }

    #[allow(clippy::unused_async, reason = "same signature as with the emulator")]
    pub async fn start() -> Result<(Running, Vec<Profile>)> {
        Err(eyre!(MISSING))
    }

    #[allow(clippy::unused_async, reason = "same signature as with the emulator")]
    pub async fn run_standalone(_args: super::EmulatorArgs) -> Result<()> {
        Err(eyre!(MISSING))
    }
}

#[cfg(not(feature = "demo"))]
pub use without_emulator::{run_standalone, start};
