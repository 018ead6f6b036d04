//! `--demo` and `dbx-tui emulator`: the embedded emulator, when this binary has it (the
//! default `demo` feature).

#[cfg(feature = "demo")]
mod with_emulator {
    use color_eyre::eyre::{Result, WrapErr};
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

    pub async fn run_standalone(port: u16, faults: bool) -> Result<()> {
        dbx_tui::emulator::run_standalone(port, faults)
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
    pub async fn run_standalone(_port: u16, _faults: bool) -> Result<()> {
        Err(eyre!(MISSING))
    }
}

#[cfg(not(feature = "demo"))]
pub use without_emulator::{run_standalone, start};
